/* glibc wrappers that musl 1.2.3 lacks, called from an object compiled
 * against glibc's headers: close_range, preadv2/pwritev2 and their
 * preadv64v2/pwritev64v2 names, PTHREAD_STACK_MIN (__sysconf), and
 * SIGSTKSZ and MINSIGSTKSZ (sysconf with glibc's _SC_ names). Each
 * result and errno as the same program prints them on Linux. */
//! run: --
//! status: 0
//! native
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC 4
#endif

static void show(const char *what, long r) {
    if (r < 0)
        printf("%s -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s %ld\n", what, r);
}

static void *thread_main(void *arg) {
    return arg;
}

int main(void) {
    /* Three fds in a row; marked close-on-exec, then closed. */
    int fd[3];
    for (int i = 0; i < 3; i++)
        fd[i] = open("/tmp", O_RDONLY | O_DIRECTORY);
    printf("consecutive %d\n", fd[1] == fd[0] + 1 && fd[2] == fd[1] + 1);
    show("cloexec", close_range(fd[0], fd[1], CLOSE_RANGE_CLOEXEC));
    printf("flags %d %d %d\n", fcntl(fd[0], F_GETFD), fcntl(fd[1], F_GETFD), fcntl(fd[2], F_GETFD));
    show("close", close_range(fd[0], fd[2], 0));
    show("closed", fcntl(fd[1], F_GETFD));
    show("bad flags", close_range(fd[0], fd[2], 0x100));
    show("first > last", close_range(fd[2], fd[0], 0));
    show("nothing open", close_range(1000, ~0U, 0));

    /* Vectored I/O at an offset and at the file position. */
    int f = open("/tmp/glibc_calls", O_RDWR | O_CREAT | O_TRUNC, 0600);
    show("write", write(f, "0123456789", 10));
    char a[4] = "abc", b[5] = "defg";
    struct iovec w[2] = {{a, 3}, {b, 4}};
    show("pwritev2", pwritev2(f, w, 2, 2, 0));
    show("position", lseek(f, 0, SEEK_CUR));
    show("pwritev64v2 at position", pwritev64v2(f, w, 1, -1, 0));
    show("position", lseek(f, 0, SEEK_CUR));
    char r1[6] = {0}, r2[8] = {0};
    struct iovec r[2] = {{r1, 5}, {r2, 7}};
    show("preadv2", preadv2(f, r, 2, 0, 0));
    printf("read %s|%s\n", r1, r2);
    lseek(f, 1, SEEK_SET);
    memset(r1, 0, sizeof r1);
    show("preadv64v2 at position", preadv64v2(f, r, 1, -1, 0));
    printf("read %s\n", r1);
    show("position", lseek(f, 0, SEEK_CUR));
    show("bad offset", preadv2(f, r, 2, -2, 0));
    show("bad flags", preadv2(f, r, 2, 0, 0x10000));
    show("bad fd", pwritev2(99, w, 2, 0, 0));
    close(f);
    unlink("/tmp/glibc_calls");

    /* PTHREAD_STACK_MIN is a call into the C library under glibc 2.34+. */
    long min = PTHREAD_STACK_MIN;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    printf("stack min positive %d\n", min > 0);
    printf("setstacksize min %d\n", pthread_attr_setstacksize(&attr, min));
    printf("setstacksize below %d\n", pthread_attr_setstacksize(&attr, min - 1) == EINVAL);
    pthread_attr_setstacksize(&attr, min > 65536 ? min : 65536);
    pthread_t t;
    void *ret = NULL;
    int rc = pthread_create(&t, &attr, thread_main, (void *)7);
    if (rc == 0)
        pthread_join(t, &ret);
    printf("thread %d %ld\n", rc, (long)ret);

    /* SIGSTKSZ and MINSIGSTKSZ are sysconf calls under glibc 2.34+. */
    long minsig = sysconf(_SC_MINSIGSTKSZ), sig = SIGSTKSZ;
    printf("MINSIGSTKSZ at least the minimum %d\n", (long)MINSIGSTKSZ >= minsig);
    printf("minsigstksz at least 2048 %d\n", minsig >= 2048);
    printf("sigstksz at least 8192 and 4 * min %d\n", sig >= 8192 && sig >= 4 * minsig);
    stack_t ss = {.ss_sp = malloc(sig), .ss_size = sig}, old;
    show("sigaltstack", sigaltstack(&ss, NULL));
    show("sigaltstack query", sigaltstack(NULL, &old));
    printf("same %d\n", old.ss_sp == ss.ss_sp && old.ss_size == ss.ss_size);
    show("sysconf unknown", sysconf(100000));
    show("sysconf open max positive", sysconf(_SC_OPEN_MAX) > 0);
    return 0;
}
