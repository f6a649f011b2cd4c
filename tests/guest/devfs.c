/* /dev as Linux lays it out: the memory devices' numbers, modes and
 * behaviour (read, write, seek, pread, ioctl), the links to /proc/self/fd,
 * the console's nodes, and /dev/shm for shm_open. Every line printed is
 * what the same program prints on Linux. */
//! run: --
//! native
//! status: 0
//! expect: /dev/null chr 1:3 0666
//! expect: /dev/zero chr 1:5 0666
//! expect: /dev/full chr 1:7 0666
//! expect: /dev/random chr 1:8 0666
//! expect: /dev/urandom chr 1:9 0666
//! expect: /dev/tty chr 5:0 0666
//! expect: /dev/console chr 5:1
//! expect: /dev/null read 0 write 3 seek 0 cur 0 end 0 bad EINVAL pread 0 pwrite 4 ioctl ENOTTY
//! expect: /dev/zero read 8 write 3 seek 0 cur 0 end 0 bad EINVAL pread 4 pwrite 4 ioctl ENOTTY
//! expect: /dev/full read 8 write ENOSPC seek 0 cur 0 end 0 bad EINVAL pread 4 pwrite ENOSPC ioctl ENOTTY
//! expect: /dev/random read 8 write 3 seek 0 cur 0 end 0 bad EINVAL pread 4 pwrite 4 ioctl 0
//! expect: /dev/urandom read 8 write 3 seek 0 cur 0 end 0 bad EINVAL pread 4 pwrite 4 ioctl 0
//! expect: zero fill ok
//! expect: null write unread ok
//! expect: random bytes ok
//! expect: random write EFAULT
//! expect: entropy ok
//! expect: zero read EFAULT
//! expect: /dev/stdin -> /proc/self/fd/0
//! expect: /dev/stdout -> /proc/self/fd/1
//! expect: /dev/stderr -> /proc/self/fd/2
//! expect: /dev/fd -> /proc/self/fd
//! expect: /dev/fd/N is the file ok
//! expect: through /dev/stdout
//! expect: /dev/shm dir 1777
//! expect: /dev/shm file ok
//! expect: shm_open ok
//! expect: dev listing ok
//! expect: devfs done 0
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int failures;

// A result as the lines print it: the count, or the errno's name.
static void res(char* out, size_t cap, long r, int e) {
    const char* name = NULL;
    switch (e) {
    case EINVAL:
        name = "EINVAL";
        break;
    case ENOSPC:
        name = "ENOSPC";
        break;
    case ENOTTY:
        name = "ENOTTY";
        break;
    case EFAULT:
        name = "EFAULT";
        break;
    case ESPIPE:
        name = "ESPIPE";
        break;
    }
    if (r >= 0)
        snprintf(out, cap, "%ld", r);
    else if (name)
        snprintf(out, cap, "%s", name);
    else
        snprintf(out, cap, "E%d", e);
}

static void check(const char* what, int ok) {
    printf("%s %s\n", what, ok ? "ok" : "FAILED");
    failures += !ok;
}

static void node(const char* path, int show_mode) {
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("%s missing\n", path);
        failures++;
        return;
    }
    if (show_mode)
        printf("%s %s %u:%u %04o\n", path, S_ISCHR(st.st_mode) ? "chr" : "other",
               major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);
    else
        printf("%s %s %u:%u\n", path, S_ISCHR(st.st_mode) ? "chr" : "other", major(st.st_rdev),
               minor(st.st_rdev));
}

// The same calls on each memory device.
static void behaviour(const char* path) {
    char buf[16], rs[16], ws[16], bs[16], prs[16], pws[16], ios[16];
    int fd = open(path, O_RDWR);
    if (fd < 0) {
        printf("%s open failed %d\n", path, errno);
        failures++;
        return;
    }
    errno = 0;
    long r = read(fd, buf, 8);
    res(rs, sizeof rs, r, errno);
    errno = 0;
    long w = write(fd, "abc", 3);
    res(ws, sizeof ws, w, errno);
    long s = lseek(fd, 100, SEEK_SET);
    long cur = lseek(fd, 0, SEEK_CUR);
    long end = lseek(fd, 5, SEEK_END);
    errno = 0;
    long bad = lseek(fd, 0, 7);
    res(bs, sizeof bs, bad, errno);
    errno = 0;
    long pr = pread(fd, buf, 4, 10);
    res(prs, sizeof prs, pr, errno);
    errno = 0;
    long pw = pwrite(fd, buf, 4, 10);
    res(pws, sizeof pws, pw, errno);
    int ent = -1;
    errno = 0;
    long io = ioctl(fd, RNDGETENTCNT, &ent);
    res(ios, sizeof ios, io, errno);
    printf("%s read %s write %s seek %ld cur %ld end %ld bad %s pread %s pwrite %s ioctl %s\n", path,
           rs, ws, s, cur, end, bs, prs, pws, ios);
    close(fd);
}

static void link_of(const char* path) {
    char l[256];
    long n = readlink(path, l, sizeof l - 1);
    l[n > 0 ? n : 0] = 0;
    printf("%s -> %s\n", path, l);
}

int main(void) {
    node("/dev/null", 1);
    node("/dev/zero", 1);
    node("/dev/full", 1);
    node("/dev/random", 1);
    node("/dev/urandom", 1);
    node("/dev/tty", 1);
    node("/dev/console", 0);

    behaviour("/dev/null");
    behaviour("/dev/zero");
    behaviour("/dev/full");
    behaviour("/dev/random");
    behaviour("/dev/urandom");

    // /dev/zero overwrites the whole buffer, however large.
    size_t big = 1 << 20;
    char* p = malloc(big);
    memset(p, 0x5a, big);
    int fd = open("/dev/zero", O_RDONLY);
    long n = read(fd, p, big);
    size_t zeros = 0;
    for (size_t i = 0; i < big; i++)
        zeros += p[i] == 0;
    check("zero fill", n == (long)big && zeros == big);
    close(fd);
    free(p);

    // /dev/null takes anything without reading it, even a bad pointer.
    void* volatile bad = (void*)8;
    fd = open("/dev/null", O_WRONLY);
    check("null write unread", write(fd, bad, 100) == 100);
    close(fd);

    // Two reads of random bytes differ and are not all zero; writes are
    // read (Linux mixes them into its pool).
    unsigned char a[64], b[64];
    char text[16];
    fd = open("/dev/urandom", O_RDWR);
    int ok = read(fd, a, sizeof a) == sizeof a && read(fd, b, sizeof b) == sizeof b &&
             memcmp(a, b, sizeof a) != 0;
    int nonzero = 0;
    for (size_t i = 0; i < sizeof a; i++)
        nonzero |= a[i];
    check("random bytes", ok && nonzero);
    errno = 0;
    long wr = write(fd, bad, 100);
    res(text, sizeof text, wr, errno);
    printf("random write %s\n", text);
    int ent = -1;
    check("entropy", ioctl(fd, RNDGETENTCNT, &ent) == 0 && ent > 0);
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    errno = 0;
    long zr = read(fd, bad, 100);
    res(text, sizeof text, zr, errno);
    printf("zero read %s\n", text);
    close(fd);

    link_of("/dev/stdin");
    link_of("/dev/stdout");
    link_of("/dev/stderr");
    link_of("/dev/fd");

    // /dev/fd/N is the open file itself, as fstat sees it, even once its
    // name is gone.
    struct stat s1, s2;
    int tf = open("/tmp/devfs_fd_test", O_CREAT | O_RDWR | O_TRUNC, 0600);
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/dev/fd/%d", tf);
    ok = tf >= 0 && write(tf, "kept", 4) == 4 && unlink("/tmp/devfs_fd_test") == 0;
    ok = ok && stat(fdpath, &s1) == 0 && fstat(tf, &s2) == 0 && s1.st_ino == s2.st_ino &&
         s1.st_dev == s2.st_dev && s1.st_size == 4;
    int again = open(fdpath, O_RDONLY);
    ok = ok && again >= 0 && read(again, b, 4) == 4 && !memcmp(b, "kept", 4);
    close(again);
    close(tf);
    check("/dev/fd/N is the file", ok);
    fflush(stdout);
    fd = open("/dev/stdout", O_WRONLY | O_APPEND);
    if (fd < 0 || write(fd, "through /dev/stdout\n", 20) != 20) {
        printf("/dev/stdout FAILED\n");
        failures++;
    }
    close(fd);
    // When stdout is a file, fd 1's own offset moves past that line (a
    // console has none: ESPIPE).
    lseek(1, 0, SEEK_END);

    struct stat st;
    if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode))
        printf("/dev/shm dir %o\n", st.st_mode & 07777);
    else
        printf("/dev/shm missing\n");
    fd = open("/dev/shm/devfs_test", O_CREAT | O_RDWR | O_TRUNC, 0600);
    ok = fd >= 0 && write(fd, "shm", 3) == 3 && pread(fd, b, 3, 0) == 3 && !memcmp(b, "shm", 3);
    close(fd);
    ok = ok && unlink("/dev/shm/devfs_test") == 0;
    check("/dev/shm file", ok);
    fd = shm_open("/devfs_shm_test", O_CREAT | O_RDWR | O_EXCL, 0600);
    ok = fd >= 0 && ftruncate(fd, 4096) == 0 && pwrite(fd, "shared", 7, 0) == 7;
    close(fd);
    fd = shm_open("/devfs_shm_test", O_RDONLY, 0);
    ok = ok && fd >= 0 && pread(fd, b, 7, 0) == 7 && !strcmp((char*)b, "shared") &&
         access("/dev/shm/devfs_shm_test", F_OK) == 0;
    close(fd);
    check("shm_open", ok && shm_unlink("/devfs_shm_test") == 0 &&
                          access("/dev/shm/devfs_shm_test", F_OK) != 0);

    // The names every Linux /dev has are listed by readdir.
    const char* want[] = {"null",  "zero",   "full",   "random", "urandom", "tty",
                          "console", "stdin", "stdout", "stderr", "fd",      "shm"};
    int seen = 0;
    DIR* d = opendir("/dev");
    struct dirent* e;
    while (d && (e = readdir(d))) {
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
            if (!strcmp(e->d_name, want[i]))
                seen |= 1 << i;
    }
    closedir(d);
    check("dev listing", seen == (1 << (sizeof want / sizeof want[0])) - 1);

    printf("devfs done %d\n", failures);
    return failures != 0;
}
