/* Helpers for the 9p share tests (tests/suites/p9.sh): each program takes
 * the directory to work in as argv[1] (the share's mount point in the guest,
 * a plain host directory when the suite runs the same program natively) and
 * prints what it saw, so that the two runs can be compared line by line.
 * Nothing printed depends on inode numbers, devices or clocks. */
#ifndef P9_H
#define P9_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char* base_dir;
static int failures;

/* The name of an errno value, for the ones file calls give. */
__attribute__((unused)) static const char* errname(int e) {
    static const struct {
        int e;
        const char* name;
    } names[] = {
        {EPERM, "EPERM"},
        {ENOENT, "ENOENT"},
        {EIO, "EIO"},
        {EBADF, "EBADF"},
        {EAGAIN, "EAGAIN"},
        {ENOMEM, "ENOMEM"},
        {EACCES, "EACCES"},
        {EFAULT, "EFAULT"},
        {EBUSY, "EBUSY"},
        {EEXIST, "EEXIST"},
        {EXDEV, "EXDEV"},
        {ENODEV, "ENODEV"},
        {ENOTDIR, "ENOTDIR"},
        {EISDIR, "EISDIR"},
        {EINVAL, "EINVAL"},
        {EMFILE, "EMFILE"},
        {EFBIG, "EFBIG"},
        {ENOSPC, "ENOSPC"},
        {ESPIPE, "ESPIPE"},
        {EROFS, "EROFS"},
        {EMLINK, "EMLINK"},
        {ERANGE, "ERANGE"},
        {ENAMETOOLONG, "ENAMETOOLONG"},
        {ENOSYS, "ENOSYS"},
        {ENOTEMPTY, "ENOTEMPTY"},
        {ELOOP, "ELOOP"},
        {EOPNOTSUPP, "EOPNOTSUPP"},
        {EPROTO, "EPROTO"},
        {ENXIO, "ENXIO"},
        {ETXTBSY, "ETXTBSY"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].e == e)
            return names[i].name;
    return "other";
}

/* base_dir/rel, in a static buffer (one of four, for calls taking two). */
__attribute__((unused)) static const char* at(const char* fmt, ...) {
    static char bufs[4][8192];
    static int next;
    char* b = bufs[next++ % 4];
    int n = snprintf(b, sizeof bufs[0], "%s/", base_dir);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b + n, sizeof bufs[0] - (size_t)n, fmt, ap);
    va_end(ap);
    return b;
}

/* Prints "WHAT: ok" for a call that returned `r` >= 0, else "WHAT: ENAME". */
__attribute__((unused)) static void show(const char* what, long r) {
    if (r >= 0)
        printf("%s: ok\n", what);
    else
        printf("%s: %s\n", what, errname(errno));
}

/* A check of the program's own: "WHAT: ok", or "WHAT: FAILED (DETAIL)". */
__attribute__((unused)) static void check(const char* what, int ok, const char* detail) {
    if (ok) {
        printf("%s: ok\n", what);
    } else {
        printf("%s: FAILED (%s)\n", what, detail);
        failures++;
    }
}

/* The byte at offset i of test file number `seed`: not periodic in any
 * power of two, so that a misplaced block shows. */
__attribute__((unused)) static unsigned char pattern(unsigned seed, unsigned long i) {
    unsigned long x = (i + seed * 7919ul) * 2654435761ul;
    return (unsigned char)(x >> 13 ^ i % 251);
}

#endif
