/* Pipes, each result as Linux gives it:
 * - blocking: a reader waits for a writer thread; end of file once every
 *   writer is gone; a writer blocked on a full pipe goes on as a reader
 *   drains it, and every byte arrives in order.
 * - EPIPE with SIGPIPE (handled: SI_USER from the process itself; ignored:
 *   just EPIPE; default: the process dies of it, status 141).
 * - PIPE_BUF atomicity: several threads write records of PIPE_BUF bytes
 *   and of 100 bytes; no record is split or interleaved.
 * - O_NONBLOCK: EAGAIN on an empty or full pipe, a full pipe holds 64 KiB,
 *   counted in pages (one byte read from a full pipe leaves no room for
 *   one byte), a large write is cut to what fits.
 * - FIONREAD, F_GETPIPE_SZ/F_SETPIPE_SZ (rounding, EBUSY, EPERM past
 *   pipe-max-size as for a root without CAP_SYS_RESOURCE, EINVAL,
 *   EBADF on a regular file), fstat (a FIFO, both ends one inode),
 *   lseek/pread (ESPIPE), the wrong end (EBADF), pipe2's flags (O_CLOEXEC,
 *   O_NONBLOCK, EINVAL) and EFAULT, packet mode (O_DIRECT), a read into a
 *   bad buffer (EFAULT, nothing taken). */
//! run: --timeout 60 -- all
//! status: 0
//! native
//! expect: blocking read: 5 hello
//! expect: after writer closed: 0
//! expect: big transfer: 1000000 bytes in order
//! expect: write without reader, handled: -1 EPIPE, SIGPIPE 1, SI_USER 1, from self 1
//! expect: write without reader, ignored: -1 EPIPE
//! expect: empty write without reader: 0
//! expect: records of 4096: 4 writers x 200, none split
//! expect: records of 100: 4 writers x 2000, none split
//! expect: nonblock empty read: -1 EAGAIN
//! expect: nonblock fill by bytes: 65536, then -1 EAGAIN
//! expect: after reading 1 byte: write 1 gives -1 EAGAIN
//! expect: after reading 4096 bytes: write 4096 gives 4096
//! expect: nonblock write of 10000 into 8192: 8192
//! expect: FIONREAD: 3, on the write end 3
//! expect: F_GETPIPE_SZ: 65536
//! expect: F_SETPIPE_SZ 0: 4096
//! expect: F_SETPIPE_SZ 5000: 8192
//! expect: F_SETPIPE_SZ 1 MiB: 1048576
//! expect: F_SETPIPE_SZ 2 MiB: -1 EPERM
//! expect: F_SETPIPE_SZ 2 GiB + 1: -1 EINVAL
//! expect: F_SETPIPE_SZ below contents: -1 EBUSY
//! expect: F_GETPIPE_SZ on a regular file: -1 EBADF
//! expect: fstat: mode 010600, same inode 1, size 0
//! expect: lseek: -1 ESPIPE, pread: -1 ESPIPE, pwrite: -1 ESPIPE
//! expect: read write end: -1 EBADF, write read end: -1 EBADF
//! expect: F_GETFL: 0 1
//! expect: pipe2 O_CLOEXEC: 1 1, O_NONBLOCK: 04000 04001
//! expect: pipe2 bad flag: -1 EINVAL
//! expect: pipe2 bad pointer: -1 EFAULT, pipe bad pointer: -1 EFAULT
//! expect: packets: 3 4 2, then 3
//! expect: read into a bad buffer: -1 EFAULT, still there: 5
//! expect: done
//! reject: FAILED
//! run: --timeout 30 -- sigpipe-default
//! status: 141
//! native
//! expect: writing with no reader
//! reject: survived
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

/* "-1 ENAME" for a failed call, else the value. */
static const char* res(long r, char* buf) {
    if (r == -1)
        snprintf(buf, 32, "-1 %s", errname(errno));
    else
        snprintf(buf, 32, "%ld", r);
    return buf;
}
#define R(x) res((long)(x), (char[32]){0})

static int p[2];
static void* volatile bad_ptr = (void*)8;

static void* late_writer(void* arg) {
    (void)arg;
    sleep_ms(50);
    write(p[1], "hello", 5);
    close(p[1]);
    return NULL;
}

static void blocking(void) {
    pipe(p);
    pthread_t t;
    pthread_create(&t, NULL, late_writer, NULL);
    char buf[16];
    ssize_t n = read(p[0], buf, sizeof(buf));
    printf("blocking read: %zd %.*s\n", n, (int)(n > 0 ? n : 0), buf);
    printf("after writer closed: %zd\n", read(p[0], buf, sizeof(buf)));
    pthread_join(t, NULL);
    close(p[0]);
}

#define BIG 1000000
static void* big_writer(void* arg) {
    (void)arg;
    static unsigned char data[BIG];
    for (int i = 0; i < BIG; i++)
        data[i] = (unsigned char)(i * 7 + i / 251);
    size_t off = 0;
    while (off < BIG) {
        ssize_t n = write(p[1], data + off, BIG - off);
        if (n <= 0)
            break;
        off += n;
    }
    close(p[1]);
    return NULL;
}

static void big_transfer(void) {
    pipe(p);
    pthread_t t;
    pthread_create(&t, NULL, big_writer, NULL);
    static unsigned char buf[3000];
    long total = 0;
    int ok = 1;
    for (;;) {
        ssize_t n = read(p[0], buf, sizeof(buf));
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++, total++)
            if (buf[i] != (unsigned char)(total * 7 + total / 251))
                ok = 0;
    }
    pthread_join(t, NULL);
    close(p[0]);
    printf("big transfer: %ld bytes %s\n", total, ok ? "in order" : "FAILED: corrupted");
}

static volatile sig_atomic_t got_sig, got_code, got_pid;
static void on_sigpipe(int sig, siginfo_t* si, void* uc) {
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_pid = si->si_pid;
}

static void epipe(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigpipe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGPIPE, &sa, NULL);
    pipe(p);
    close(p[0]);
    const char* r = R(write(p[1], "x", 1));
    printf("write without reader, handled: %s, SIGPIPE %d, SI_USER %d, from self %d\n", r,
           got_sig == SIGPIPE, got_code == SI_USER, got_pid == getpid());
    signal(SIGPIPE, SIG_IGN);
    printf("write without reader, ignored: %s\n", R(write(p[1], "x", 1)));
    got_sig = 0;
    sigaction(SIGPIPE, &sa, NULL);
    long z = write(p[1], "x", 0);
    printf("empty write without reader: %ld%s\n", z, got_sig ? " FAILED: signalled" : "");
    close(p[1]);
    signal(SIGPIPE, SIG_DFL);
}

struct rec_arg {
    int id, size, count;
};

static void* rec_writer(void* a) {
    struct rec_arg* r = a;
    unsigned char buf[4096];
    memset(buf, 'A' + r->id, sizeof(buf));
    for (int i = 0; i < r->count; i++)
        if (write(p[1], buf, r->size) != r->size)
            printf("record write FAILED\n");
    return NULL;
}

static void records(int size, int count) {
    enum { writers = 4 };
    pipe(p);
    pthread_t t[writers];
    struct rec_arg args[writers];
    for (int i = 0; i < writers; i++) {
        args[i] = (struct rec_arg){i, size, count};
        pthread_create(&t[i], NULL, rec_writer, &args[i]);
    }
    /* Read in odd-sized pieces; records are cut out of the stream by
     * position, every one must be a single writer's. */
    static unsigned char stream[4096];
    int have = 0, done = 0, bad = 0, per[writers] = {0};
    while (done < writers * count) {
        ssize_t n = read(p[0], stream + have, (size_t)(size - have) < 777 ? size - have : 777);
        if (n <= 0)
            break;
        have += n;
        if (have == size) {
            if (!all_equal(stream, size, stream[0]) || stream[0] < 'A' || stream[0] >= 'A' + writers)
                bad++;
            else
                per[stream[0] - 'A']++;
            have = 0;
            done++;
        }
    }
    for (int i = 0; i < writers; i++)
        pthread_join(t[i], NULL);
    close(p[0]);
    close(p[1]);
    int counts_ok = 1;
    for (int i = 0; i < writers; i++)
        counts_ok &= per[i] == count;
    printf("records of %d: %d writers x %d, %s\n", size, writers, count,
           !bad && counts_ok ? "none split" : "FAILED: split or lost");
}

static void nonblocking(void) {
    char buf[65536];
    memset(buf, 'z', sizeof(buf));
    pipe2(p, O_NONBLOCK);
    printf("nonblock empty read: %s\n", R(read(p[0], buf, 1)));
    long n = 0;
    while (write(p[1], "b", 1) == 1)
        n++;
    printf("nonblock fill by bytes: %ld, then %s\n", n, R(write(p[1], "b", 1)));
    read(p[0], buf, 1);
    printf("after reading 1 byte: write 1 gives %s\n", R(write(p[1], "b", 1)));
    read(p[0], buf, 4095);
    printf("after reading 4096 bytes: write 4096 gives %s\n", R(write(p[1], buf, 4096)));
    close(p[0]);
    close(p[1]);

    pipe2(p, O_NONBLOCK);
    fcntl(p[0], F_SETPIPE_SZ, 8192);
    printf("nonblock write of 10000 into 8192: %s\n", R(write(p[1], buf, 10000)));
    close(p[0]);
    close(p[1]);
}

static void sizes_and_ioctl(void) {
    pipe(p);
    write(p[1], "abc", 3);
    int a = -1, b = -1;
    ioctl(p[0], FIONREAD, &a);
    ioctl(p[1], FIONREAD, &b);
    printf("FIONREAD: %d, on the write end %d\n", a, b);
    printf("F_GETPIPE_SZ: %s\n", R(fcntl(p[0], F_GETPIPE_SZ)));
    printf("F_SETPIPE_SZ 0: %s\n", R(fcntl(p[0], F_SETPIPE_SZ, 0)));
    printf("F_SETPIPE_SZ 5000: %s\n", R(fcntl(p[1], F_SETPIPE_SZ, 5000)));
    printf("F_SETPIPE_SZ 1 MiB: %s\n", R(fcntl(p[0], F_SETPIPE_SZ, 1 << 20)));
    printf("F_SETPIPE_SZ 2 MiB: %s\n", R(fcntl(p[0], F_SETPIPE_SZ, 2 << 20)));
    printf("F_SETPIPE_SZ 2 GiB + 1: %s\n", R(fcntl(p[0], F_SETPIPE_SZ, (1u << 31) + 1)));
    fcntl(p[0], F_SETPIPE_SZ, 65536);
    char buf[8192] = {0};
    write(p[1], buf, 8192); /* three pages in use now */
    printf("F_SETPIPE_SZ below contents: %s\n", R(fcntl(p[0], F_SETPIPE_SZ, 8192)));
    int fd = open("/tmp/pipe-test-file", O_CREAT | O_RDWR, 0600);
    printf("F_GETPIPE_SZ on a regular file: %s\n", R(fcntl(fd, F_GETPIPE_SZ)));
    close(fd);
    unlink("/tmp/pipe-test-file");

    struct stat s0, s1;
    fstat(p[0], &s0);
    fstat(p[1], &s1);
    printf("fstat: mode 0%o, same inode %d, size %ld\n", s0.st_mode, s0.st_ino == s1.st_ino,
           (long)s0.st_size);
    const char* r1 = R(lseek(p[0], 0, SEEK_CUR));
    const char* r2 = R(pread(p[0], buf, 1, 0));
    const char* r3 = R(pwrite(p[1], buf, 1, 0));
    printf("lseek: %s, pread: %s, pwrite: %s\n", r1, r2, r3);
    r1 = R(read(p[1], buf, 1));
    r2 = R(write(p[0], buf, 1));
    printf("read write end: %s, write read end: %s\n", r1, r2);
    printf("F_GETFL: %d %d\n", fcntl(p[0], F_GETFL), fcntl(p[1], F_GETFL));
    close(p[0]);
    close(p[1]);

    pipe2(p, O_CLOEXEC);
    printf("pipe2 O_CLOEXEC: %d %d, ", fcntl(p[0], F_GETFD), fcntl(p[1], F_GETFD));
    close(p[0]);
    close(p[1]);
    pipe2(p, O_NONBLOCK);
    printf("O_NONBLOCK: 0%o 0%o\n", fcntl(p[0], F_GETFL), fcntl(p[1], F_GETFL));
    close(p[0]);
    close(p[1]);
    printf("pipe2 bad flag: %s\n", R(pipe2(p, O_APPEND)));
    r1 = R(syscall(SYS_pipe2, bad_ptr, 0));
    r2 = R(syscall(SYS_pipe, bad_ptr));
    printf("pipe2 bad pointer: %s, pipe bad pointer: %s\n", r1, r2);
}

static void packets(void) {
    pipe2(p, O_DIRECT);
    write(p[1], "abc", 3);
    write(p[1], "defg", 4);
    write(p[1], "hijkl", 5);
    char buf[100];
    long a = read(p[0], buf, sizeof(buf));
    long b = read(p[0], buf, sizeof(buf));
    long c = read(p[0], buf, 2); /* the rest of the packet is dropped */
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    write(p[1], "xyz", 3);
    long d = read(p[0], buf, sizeof(buf));
    printf("packets: %ld %ld %ld, then %ld\n", a, b, c, d);
    close(p[0]);
    close(p[1]);
}

static void bad_buffer(void) {
    pipe(p);
    write(p[1], "hello", 5);
    const char* r = R(read(p[0], bad_ptr, 5));
    int n = -1;
    ioctl(p[0], FIONREAD, &n);
    printf("read into a bad buffer: %s, still there: %d\n", r, n);
    close(p[0]);
    close(p[1]);
}

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "sigpipe-default")) {
        pipe(p);
        close(p[0]);
        printf("writing with no reader\n");
        fflush(stdout);
        write(p[1], "x", 1);
        printf("survived\n");
        return 0;
    }
    blocking();
    big_transfer();
    epipe();
    records(4096, 200);
    records(100, 2000);
    nonblocking();
    sizes_and_ioctl();
    packets();
    bad_buffer();
    printf("done\n");
    return failures ? 1 : 0;
}
