/* mmap of files on ramfs (tmpfs on Linux): private and shared mappings,
 * copy on write, msync, SIGBUS past the end, and the errors. */
//! run: --
//! status: 0
//! native
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static sigjmp_buf jump;
static volatile int got_signal, got_code;

static void on_fault(int sig, siginfo_t* si, void* ctx) {
    (void)ctx;
    got_signal = sig;
    got_code = si->si_code;
    siglongjmp(jump, 1);
}

static const char* en(int e) {
    switch (e) {
    case EACCES: return "EACCES";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case EOVERFLOW: return "EOVERFLOW";
    default: return "other";
    }
}

static void try_map(const char* what, size_t len, int prot, int flags, int fd, off_t off) {
    void* p = mmap(NULL, len, prot, flags, fd, off);
    if (p == MAP_FAILED) {
        printf("%s: %s\n", what, en(errno));
    } else {
        printf("%s: ok\n", what);
        munmap(p, len);
    }
}

int main(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);

    const char* path = "/tmp/uk-fs-mmap";
    unlink(path);
    int fd = open(path, O_CREAT | O_RDWR, 0600);
    char page[4096];
    for (int i = 0; i < 3; i++) {
        memset(page, 'a' + i, sizeof page);
        write(fd, page, sizeof page);
    }
    write(fd, "tail", 4); /* 12292 bytes: a partial fourth page */

    /* A private mapping reads the file and copies on write. */
    char* p = mmap(NULL, 20480, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("private: %c %c %c %.4s [%d]\n", p[0], p[4096], p[8192], p + 12288, p[12292]);
    p[0] = 'X';
    char c;
    pread(fd, &c, 1, 0);
    printf("file after private write: %c, mapping %c\n", c, p[0]);
    pwrite(fd, "Y", 1, 4096);
    printf("private sees an unwritten page change: %c\n", p[4096]);
    if (sigsetjmp(jump, 1) == 0) {
        volatile char x = p[16384];
        (void)x;
        printf("past the end: no signal\n");
    } else {
        printf("past the end: signal %d code %d\n", got_signal, got_code);
    }
    madvise(p, 4096, MADV_DONTNEED);
    printf("after MADV_DONTNEED: %c\n", p[0]);
    munmap(p, 20480);

    /* A shared mapping is the file. */
    char* s = mmap(NULL, 12292, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
    printf("shared at 4096: %c %c\n", s[0], s[4096]);
    s[1] = 'S';
    pread(fd, &c, 1, 4097);
    printf("file sees shared write: %c\n", c);
    pwrite(fd, "W", 1, 8192);
    printf("mapping sees file write: %c\n", s[4096]);
    printf("msync: %d\n", msync(s, 8192, MS_SYNC));
    /* Growing the file makes more of the mapping valid. */
    ftruncate(fd, 20000);
    printf("after growing: [%d]\n", s[12000]);
    ftruncate(fd, 12292);
    munmap(s, 12292);

    /* Two shared mappings of the same page see each other. */
    char* m1 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char* m2 = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    m1[100] = 'Q';
    printf("second mapping: %c\n", m2[100]);
    /* The mapping outlives the fd and the name. */
    close(fd);
    unlink(path);
    m1[101] = 'R';
    printf("after close and unlink: %c%c\n", m2[100], m2[101]);
    /* mremap keeps the file pages. */
    char* moved = mremap(m1, 4096, 8192, MREMAP_MAYMOVE);
    printf("mremap: %c\n", moved == MAP_FAILED ? '?' : moved[100]);
    munmap(moved, 8192);
    munmap(m2, 4096);

    /* Errors, in Linux's order. */
    fd = open("/tmp/uk-fs-mmap2", O_CREAT | O_RDWR | O_TRUNC, 0600);
    write(fd, page, sizeof page);
    int ro = open("/tmp/uk-fs-mmap2", O_RDONLY);
    int wo = open("/tmp/uk-fs-mmap2", O_WRONLY);
    int ap = open("/tmp/uk-fs-mmap2", O_RDWR | O_APPEND);
    int dir = open("/tmp", O_RDONLY);
    int pp[2];
    pipe(pp);
    try_map("read-only fd, private write", 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    try_map("read-only fd, shared write", 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
    try_map("read-only fd, shared read", 4096, PROT_READ, MAP_SHARED, ro, 0);
    try_map("write-only fd", 4096, PROT_READ, MAP_PRIVATE, wo, 0);
    try_map("append fd, shared write", 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ap, 0);
    try_map("directory", 4096, PROT_READ, MAP_PRIVATE, dir, 0);
    try_map("pipe", 4096, PROT_READ, MAP_PRIVATE, pp[0], 0);
    try_map("bad fd", 4096, PROT_READ, MAP_PRIVATE, 99, 0);
    try_map("unaligned offset", 4096, PROT_READ, MAP_PRIVATE, fd, 100);
    try_map("offset past the end", 4096, PROT_READ, MAP_PRIVATE, fd, 1 << 20);
    int zero = open("/dev/zero", O_RDWR);
    if (zero >= 0) {
        char* z = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, zero, 0);
        printf("/dev/zero: %d\n", z == MAP_FAILED ? -1 : z[10]);
    } else {
        printf("/dev/zero: 0\n");
    }
    unlink("/tmp/uk-fs-mmap2");
    return 0;
}
