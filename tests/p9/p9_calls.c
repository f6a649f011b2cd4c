/* More file calls on a 9p share: the *at forms, statx, raw getdents64,
 * dup's shared offset, record locks and flock, sendfile and
 * copy_file_range, the working directory, umask, O_TMPFILE, bad buffers.
 * Run by tests/suites/p9.sh in the guest and natively on a host directory;
 * both must print the same lines. */
#define _GNU_SOURCE
#include "p9.h"

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>

static void at_forms(void) {
    int dfd = open(at("calls"), O_RDONLY | O_DIRECTORY);
    show("open the directory", dfd);
    show("mkdirat", mkdirat(dfd, "sub", 0755));
    int fd = openat(dfd, "sub/f", O_CREAT | O_RDWR, 0644);
    show("openat relative to it", fd);
    show("write", write(fd, "0123456789", 10));
    struct stat st;
    show("fstatat", fstatat(dfd, "sub/f", &st, 0));
    printf("  size %lld\n", (long long)st.st_size);
    show("fstatat AT_EMPTY_PATH", fstatat(fd, "", &st, AT_EMPTY_PATH));
    printf("  size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    struct statx sx;
    /* Through syscall(): musl 1.2.3 has no statx wrapper. */
    show("statx", syscall(SYS_statx, dfd, "sub/f", 0, STATX_BASIC_STATS, &sx));
    printf("  size %llu mode %o nlink %u\n", (unsigned long long)sx.stx_size, sx.stx_mode,
           sx.stx_nlink);
    show("symlinkat", symlinkat("f", dfd, "sub/l"));
    char buf[64];
    ssize_t n = readlinkat(dfd, "sub/l", buf, sizeof buf);
    printf("  readlinkat %zd %.*s\n", n, (int)(n > 0 ? n : 0), buf);
    show("fstatat AT_SYMLINK_NOFOLLOW", fstatat(dfd, "sub/l", &st, AT_SYMLINK_NOFOLLOW));
    printf("  link %d\n", S_ISLNK(st.st_mode));
    show("linkat", linkat(dfd, "sub/f", dfd, "sub/h", 0));
    show("renameat", renameat(dfd, "sub/h", dfd, "h2"));
    show("faccessat", faccessat(dfd, "h2", R_OK | W_OK, 0));
    show("fchmodat", fchmodat(dfd, "h2", 0600, 0));
    show("unlinkat", unlinkat(dfd, "h2", 0));
    show("unlinkat a directory without AT_REMOVEDIR", unlinkat(dfd, "sub", 0));
    show("unlinkat AT_REMOVEDIR on a non-empty one", unlinkat(dfd, "sub", AT_REMOVEDIR));
    show("fchown to the same owner", fchown(fd, geteuid(), getegid()));
    struct timespec ts[2] = {{1500000000, 0}, {1600000000, 500}};
    show("futimens", futimens(fd, ts));
    fstat(fd, &st);
    printf("  mtime %lld.%09ld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    close(fd);
    close(dfd);
}

static void raw_getdents(void) {
    int fd = open(at("calls/sub"), O_RDONLY | O_DIRECTORY);
    char buf[4096];
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    int names = 0, f = 0, l = 0;
    for (long off = 0; off < n;) {
        struct dirent64* d = (struct dirent64*)(buf + off);
        names++;
        f += !strcmp(d->d_name, "f") && d->d_type == DT_REG;
        l += !strcmp(d->d_name, "l") && d->d_type == DT_LNK;
        off += d->d_reclen;
    }
    printf("getdents64: %d names, f %d, l %d\n", names, f, l);
    n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    printf("getdents64 again: %ld\n", n);
    lseek(fd, 0, SEEK_SET);
    n = syscall(SYS_getdents64, fd, buf, 16);
    printf("getdents64 into 16 bytes: %s\n", n < 0 ? errname(errno) : "ok");
    n = syscall(SYS_getdents64, fd, (void*)8, sizeof buf);
    printf("getdents64 into a bad buffer: %s\n", n < 0 ? errname(errno) : "ok");
    close(fd);
    fd = open(at("calls/sub/f"), O_RDONLY);
    n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    printf("getdents64 on a file: %s\n", n < 0 ? errname(errno) : "ok");
    close(fd);
}

static void offsets_and_locks(void) {
    int fd = open(at("calls/sub/f"), O_RDWR);
    int d = dup(fd);
    char c[4] = {0};
    read(fd, c, 3);
    printf("dup shares the offset: %lld\n", (long long)lseek(d, 0, SEEK_CUR));
    int other = open(at("calls/sub/f"), O_RDWR);
    printf("another open does not: %lld\n", (long long)lseek(other, 0, SEEK_CUR));
    show("flock LOCK_EX", flock(fd, LOCK_EX));
    show("flock from another open, LOCK_NB", flock(other, LOCK_EX | LOCK_NB));
    show("flock LOCK_UN", flock(fd, LOCK_UN));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
    show("F_SETLK", fcntl(fd, F_SETLK, &fl));
    fl.l_type = F_RDLCK;
    show("F_OFD_SETLK from another open", fcntl(other, F_OFD_SETLK, &fl));
    show("fsync", fsync(fd));
    printf("SEEK_DATA %lld SEEK_HOLE %lld\n", (long long)lseek(fd, 0, SEEK_DATA),
           (long long)lseek(fd, 0, SEEK_HOLE));
    close(other);
    close(d);
    close(fd);
}

static void copies(void) {
    int src = open(at("calls/src"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    unsigned char* data = malloc(300000);
    for (int i = 0; i < 300000; i++)
        data[i] = pattern(3, (unsigned long)i);
    write(src, data, 300000);
    int dst = open(at("calls/dst"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    off_t off = 1000;
    ssize_t n = sendfile(dst, src, &off, 200000);
    printf("sendfile: %zd, offset now %lld\n", n, (long long)off);
    loff_t in = 0, out = 200000;
    n = copy_file_range(src, &in, dst, &out, 50000, 0);
    printf("copy_file_range: %zd\n", n);
    unsigned char* back = malloc(250000);
    n = pread(dst, back, 250000, 0);
    int same =
        n == 250000 && !memcmp(back, data + 1000, 200000) && !memcmp(back + 200000, data, 50000);
    check("copied bytes", same, "differ");
    free(back);
    free(data);
    close(src);
    close(dst);
}

static void working_directory(void) {
    char cwd[PATH_MAX], here[PATH_MAX];
    show("chdir into the share", chdir(at("calls/sub")));
    if (getcwd(cwd, sizeof cwd)) {
        snprintf(here, sizeof here, "%s/calls/sub", base_dir);
        /* The share's mount point and the host directory are different
         * names for the same place: compare the part below them. */
        check("getcwd", !strcmp(cwd, here), cwd);
    }
    show("open relative to it", open("f", O_RDONLY) >= 0 ? 0 : -1);
    show("chdir ..", chdir(".."));
    show("stat sub from there", access("sub/f", F_OK));
    int dfd = open("sub", O_RDONLY | O_DIRECTORY);
    show("fchdir", fchdir(dfd));
    close(dfd);
    show("stat l", access("l", F_OK));
    show("rmdir the working directory's parent's child", rmdir(at("calls/sub")));
    chdir("/");
}

static void special_files(void) {
    /* No FIFO here: QEMU's 9p server refuses to make special files
     * ("attempt to open special file") whatever the guest. */
    struct stat st;
    mode_t old = umask(027);
    int fd = open(at("calls/masked"), O_CREAT | O_WRONLY, 0666);
    umask(old);
    fstat(fd, &st);
    printf("created under umask 027: mode %o\n", st.st_mode);
    close(fd);
    fd = open(at("calls"), O_TMPFILE | O_RDWR, 0600);
    show("O_TMPFILE", fd);
    if (fd >= 0) {
        show("  write", write(fd, "anonymous", 9));
        fstat(fd, &st);
        printf("  nlink %lu size %lld\n", (unsigned long)st.st_nlink, (long long)st.st_size);
        char b[16] = {0};
        printf("  pread %zd %s\n", pread(fd, b, sizeof b, 0), b);
        close(fd);
    }
}

static void bad_buffers(void) {
    /* Hidden from the compiler, which would warn about a literal NULL. */
    void* volatile null = NULL;
    int fd = open(at("calls/src"), O_RDONLY);
    show("read into NULL", read(fd, null, 100));
    show("read into a kernel address", read(fd, (void*)0xffff888000100000ul, 100));
    /* A buffer whose second page is gone: reads stop at the first. */
    unsigned char* p =
        mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p + 4096, 4096);
    printf("read across an unmapped page: %zd\n", pread(fd, p, 3 * 4096, 0));
    printf("  first page right: %d\n", p[0] == pattern(3, 0) && p[4095] == pattern(3, 4095));
    printf("large read across it: %zd\n", pread(fd, p, 100000, 0));
    int wfd = open(at("calls/partial"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    printf("write from across it: %zd\n", pwrite(wfd, p, 3 * 4096, 0));
    show("write from NULL", write(wfd, null, 10));
    struct stat st;
    fstat(wfd, &st);
    printf("  size %lld\n", (long long)st.st_size);
    /* A read-only mapping is no place to read into. */
    unsigned char* ro = mmap(NULL, 4096 * 4, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show("read into a read-only mapping", pread(fd, ro, 4096 * 4, 0));
    munmap(ro, 4096 * 4);
    munmap(p, 4096);
    munmap(p + 8192, 4096);
    close(wfd);
    close(fd);
    show("read a closed fd", read(fd, (char[4]){0}, 4));
}

/* A buffer unmapped by another thread while a read into it is in flight:
 * its pages must not be reused before the read ends, or the host's data
 * would land in whatever got them (here: the other thread's fresh pages,
 * which must read as zeros). */
#define RACE_BYTES (1 << 20)
static unsigned char* race_buf;
static volatile int race_go;
static int race_zero;

static void* race_unmapper(void* arg) {
    (void)arg;
    while (!race_go)
        sched_yield();
    munmap(race_buf, RACE_BYTES);
    unsigned char* fresh = mmap(NULL, RACE_BYTES, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    /* Let the read finish, then look. */
    while (race_go != 2)
        sched_yield();
    race_zero = 1;
    for (long i = 0; i < RACE_BYTES; i++)
        race_zero &= fresh[i] == 0;
    munmap(fresh, RACE_BYTES);
    return NULL;
}

static void unmap_during_read(void) {
    int fd = open(at("calls/race"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    unsigned char* data = malloc(RACE_BYTES);
    for (long i = 0; i < RACE_BYTES; i++)
        data[i] = 0xa5;
    write(fd, data, RACE_BYTES);
    free(data);
    /* A few rounds: the other thread must get to run while the read waits. */
    int zero = 1;
    for (int round = 0; round < 4; round++) {
        race_buf = mmap(NULL, RACE_BYTES, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        race_go = 0;
        pthread_t t;
        pthread_create(&t, NULL, race_unmapper, NULL);
        race_go = 1;
        /* All, some or none of the bytes, as the unmap comes before,
         * during or after the copy: only the other thread's pages tell. */
        (void)!pread(fd, race_buf, RACE_BYTES, 0);
        race_go = 2;
        pthread_join(t, NULL);
        zero &= race_zero;
    }
    check("fresh pages of the other thread read as zeros", zero, "host data in them");
    close(fd);
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: p9_calls DIR\n");
        return 2;
    }
    base_dir = argv[1];
    show("mkdir calls", mkdir(at("calls"), 0755));
    at_forms();
    raw_getdents();
    offsets_and_locks();
    copies();
    working_directory();
    special_files();
    bad_buffers();
    unmap_during_read();
    printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
