/* ramfs is sized by memory: filling it gives ENOSPC (not a crash, not a
 * short file reported as whole), and the space comes back on unlink, also
 * of a file that was open when unlinked, once it is closed. */
//! run: --mem 64M --
//! status: 0
//! expect: first fill ENOSPC ok
//! expect: write after unlink ok
//! expect: second fill ENOSPC ok
//! expect: open-unlinked space back ok
//! expect: no leak ok
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest.h"

static char chunk[1 << 16];

/* Writes until the file system is full; returns the bytes written. */
static long fill(int fd, int* err) {
    long total = 0;
    for (;;) {
        ssize_t n = write(fd, chunk, sizeof chunk);
        if (n < 0) {
            *err = errno;
            return total;
        }
        total += n;
    }
}

int main(void) {
    memset(chunk, 'z', sizeof chunk);
    int err = 0;
    int fd = open("/tmp/fill1", O_CREAT | O_RDWR, 0600);
    long first = fill(fd, &err);
    report("first fill ENOSPC", err == ENOSPC && first > (16 << 20), strerror(err));
    /* The bytes that were accepted are all there. */
    off_t size = lseek(fd, 0, SEEK_END);
    if (size != first)
        report("size matches", 0, "short file");
    close(fd);
    unlink("/tmp/fill1");
    fd = open("/tmp/small", O_CREAT | O_RDWR, 0600);
    report("write after unlink", write(fd, chunk, sizeof chunk) == sizeof chunk, strerror(errno));
    close(fd);
    unlink("/tmp/small");

    /* Full again with a file held open, then unlinked while open. */
    fd = open("/tmp/fill2", O_CREAT | O_RDWR, 0600);
    long second = fill(fd, &err);
    report("second fill ENOSPC", err == ENOSPC && second > first / 2, strerror(err));
    unlink("/tmp/fill2");
    int probe = open("/tmp/probe", O_CREAT | O_RDWR, 0600);
    /* Still full: the unlinked file's pages are in use while it is open. */
    long before = fill(probe, &err);
    close(fd);
    ftruncate(probe, 0);
    long after = fill(probe, &err);
    report("open-unlinked space back", after > before + (16 << 20), "space not returned");
    close(probe);
    unlink("/tmp/probe");
    /* The same amount fits as at first: nothing leaked. */
    fd = open("/tmp/fill3", O_CREAT | O_RDWR, 0600);
    long third = fill(fd, &err);
    char detail[64];
    snprintf(detail, sizeof detail, "%ld then %ld", first, third);
    report("no leak", third >= first - (1 << 20) && err == ENOSPC, detail);
    close(fd);
    unlink("/tmp/fill3");
    return failures ? 1 : 0;
}
