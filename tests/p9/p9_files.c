/* File calls on a 9p share: data in many block sizes, directories, links,
 * metadata, errors, an open file after its unlink, mmap and concurrent
 * threads. Run by tests/suites/p9.sh in the guest (argv[1] the share's
 * mount point) and natively (argv[1] a host directory): both must print the
 * same lines and leave the same tree behind (under argv[1]/tree). */
#define _GNU_SOURCE
#include "p9.h"

#include <dirent.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>

/* Writes `size` bytes of pattern `seed` to path in blocks of `block`. */
static int write_file(const char* path, unsigned seed, size_t size, size_t block) {
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0)
        return -1;
    unsigned char* buf = malloc(block);
    size_t done = 0;
    while (done < size) {
        size_t n = size - done < block ? size - done : block;
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(seed, done + i);
        if (write(fd, buf, n) != (ssize_t)n) {
            free(buf);
            close(fd);
            return -1;
        }
        done += n;
    }
    free(buf);
    return close(fd);
}

/* Reads path in blocks of `block` and compares it with pattern `seed`:
 * returns the size read, or -1 (with what went wrong in `why`). */
static long verify_file(const char* path, unsigned seed, size_t block, char* why) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        sprintf(why, "open: %s", errname(errno));
        return -1;
    }
    unsigned char* buf = malloc(block);
    size_t done = 0;
    for (;;) {
        ssize_t n = read(fd, buf, block);
        if (n < 0) {
            sprintf(why, "read: %s", errname(errno));
            done = (size_t)-1;
            break;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != pattern(seed, done + (size_t)i)) {
                sprintf(why, "byte %zu differs", done + (size_t)i);
                free(buf);
                close(fd);
                return -1;
            }
        done += (size_t)n;
    }
    free(buf);
    close(fd);
    return (long)done;
}

static void data_sizes(void) {
    static const struct {
        size_t size, wblock, rblock;
    } cases[] = {
        {0, 4096, 4096},
        {1, 4096, 4096},
        {4095, 4096, 1000},
        {4096, 4096, 4096},
        {4097, 1 << 20, 4096},
        {65539, 8192, 65536},
        {(1 << 20) + 13, 1 << 20, 1 << 20},
        {(3 << 20) + 5, 4096, 1 << 20},
        {20011, 1 << 20, 7},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[80], why[80] = "";
        const char* path = at("tree/data%u", i);
        snprintf(what, sizeof what, "write %zu bytes in %zu-byte blocks", cases[i].size,
                 cases[i].wblock);
        show(what, write_file(path, i, cases[i].size, cases[i].wblock));
        struct stat st;
        if (stat(path, &st) == 0)
            printf("  size %lld\n", (long long)st.st_size);
        long got = verify_file(path, i, cases[i].rblock, why);
        snprintf(what, sizeof what, "read back in %zu-byte blocks", cases[i].rblock);
        check(what, got == (long)cases[i].size, why[0] ? why : "wrong size");
    }
}

static void positioned_io(void) {
    const char* path = at("tree/positioned");
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    show("open for positioned io", fd);
    char buf[64];
    show("pwrite at 10000", pwrite(fd, "middle", 6, 10000));
    show("pwrite at 0", pwrite(fd, "start", 5, 0));
    struct stat st;
    fstat(fd, &st);
    printf("  size %lld\n", (long long)st.st_size);
    memset(buf, 'x', sizeof buf);
    ssize_t n = pread(fd, buf, 8, 9998);
    printf("  pread 8 at 9998: %zd bytes, %02x %02x %.6s\n", n, buf[0], buf[1], buf + 2);
    n = pread(fd, buf, 8, 20000);
    printf("  pread past the end: %zd\n", n);
    /* A hole reads as zeros. */
    n = pread(fd, buf, 4, 5000);
    printf("  hole: %zd bytes %02x%02x%02x%02x\n", n, buf[0], buf[1], buf[2], buf[3]);
    /* Vectors, both ways. */
    char a[3] = "abc", b[5] = "defgh", c[1] = "i";
    struct iovec wv[3] = {{a, 3}, {b, 5}, {c, 1}};
    show("pwritev 3 vectors", pwritev(fd, wv, 3, 100));
    char r1[2], r2[4], r3[10];
    struct iovec rv[3] = {{r1, 2}, {r2, 4}, {r3, 10}};
    n = preadv(fd, rv, 3, 100);
    printf("  preadv: %zd bytes %.2s|%.4s|%.3s\n", n, r1, r2, r3);
    /* Many small vectors adding up to more than one message buffer holds. */
    static unsigned char big[64 * 300], back[64 * 300];
    struct iovec many[64], many_back[50];
    for (int i = 0; i < 64 * 300; i++)
        big[i] = pattern(21, (unsigned long)i);
    for (int i = 0; i < 64; i++)
        many[i] = (struct iovec){big + i * 300, 300};
    for (int i = 0; i < 50; i++)
        many_back[i] = (struct iovec){back + i * 384, 384};
    n = pwritev(fd, many, 64, 30000);
    printf("  pwritev 64 vectors: %zd\n", n);
    n = preadv(fd, many_back, 50, 30000);
    printf("  preadv 50 vectors: %zd\n", n);
    check("  vectors round trip", !memcmp(big, back, sizeof big), "differ");
    /* The file position: write, lseek, read. */
    show("lseek to 200", lseek(fd, 200, SEEK_SET));
    show("writev at the position", writev(fd, wv, 3));
    printf("  position %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("  SEEK_END at %lld\n", (long long)lseek(fd, 0, SEEK_END));
    show("ftruncate to 150", ftruncate(fd, 150));
    fstat(fd, &st);
    printf("  size %lld\n", (long long)st.st_size);
    n = pread(fd, buf, 64, 100);
    printf("  pread after truncate: %zd bytes\n", n);
    show("ftruncate to 70000", ftruncate(fd, 70000));
    n = pread(fd, buf, 4, 69990);
    printf("  grown: %zd bytes %02x\n", n, buf[0]);
    close(fd);
    /* O_APPEND: every write at the end, whatever the position. */
    fd = open(at("tree/appended"), O_CREAT | O_WRONLY | O_TRUNC | O_APPEND, 0644);
    show("open O_APPEND", fd);
    write(fd, "one\n", 4);
    lseek(fd, 0, SEEK_SET);
    write(fd, "two\n", 4);
    pwrite(fd, "three\n", 6, 0);
    close(fd);
    fd = open(at("tree/appended"), O_RDONLY);
    n = read(fd, buf, sizeof buf);
    printf("  appended: %.*s", (int)n, buf);
    close(fd);
    /* truncate by name. */
    show("truncate by path", truncate(at("tree/appended"), 4));
    stat(at("tree/appended"), &st);
    printf("  size %lld\n", (long long)st.st_size);
}

static int name_cmp(const void* a, const void* b) {
    return strcmp(*(char* const*)a, *(char* const*)b);
}

/* Lists a directory: sorted names with their d_type. */
static void list_dir(const char* path) {
    DIR* d = opendir(path);
    if (!d) {
        printf("  opendir: %s\n", errname(errno));
        return;
    }
    char* names[1024];
    int n = 0;
    struct dirent* e;
    while ((e = readdir(d)) && n < 1024) {
        char* s = malloc(strlen(e->d_name) + 4);
        sprintf(s, "%s %c", e->d_name,
                e->d_type == DT_DIR   ? 'd'
                : e->d_type == DT_REG ? 'f'
                : e->d_type == DT_LNK ? 'l'
                                      : '?');
        names[n++] = s;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], name_cmp);
    for (int i = 0; i < n; i++) {
        printf("  %s\n", names[i]);
        free(names[i]);
    }
}

static void directories(void) {
    show("mkdir tree/a", mkdir(at("tree/a"), 0755));
    show("mkdir tree/a/b", mkdir(at("tree/a/b"), 0700));
    show("mkdir tree/a/b/c", mkdir(at("tree/a/b/c"), 0755));
    write_file(at("tree/a/b/c/leaf"), 99, 10, 10);
    write_file(at("tree/a/file"), 98, 3, 3);
    printf("listing tree/a:\n");
    list_dir(at("tree/a"));
    struct stat st;
    stat(at("tree/a/b"), &st);
    printf("  tree/a/b mode %o\n", st.st_mode);
    /* Many entries: getdents in several rounds. */
    show("mkdir tree/many", mkdir(at("tree/many"), 0755));
    for (int i = 0; i < 300; i++) {
        int fd = open(at("tree/many/entry-with-a-longish-name-%03d", i), O_CREAT | O_WRONLY, 0644);
        if (fd < 0) {
            printf("  create entry %d: %s\n", i, errname(errno));
            break;
        }
        close(fd);
    }
    DIR* d = opendir(at("tree/many"));
    int count = 0, dots = 0;
    struct dirent* e;
    long seen[300] = {0};
    while (d && (e = readdir(d))) {
        int k;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            dots++;
        else if (sscanf(e->d_name, "entry-with-a-longish-name-%d", &k) == 1 && k >= 0 && k < 300)
            seen[k]++;
        count++;
    }
    int once = 1;
    for (int i = 0; i < 300; i++)
        once &= seen[i] == 1;
    printf("  tree/many: %d entries, %d dots\n", count, dots);
    check("every entry once", once, "missing or repeated entries");
    /* rewinddir starts over and sees a name made since. */
    close(open(at("tree/many/late"), O_CREAT | O_WRONLY, 0644));
    rewinddir(d);
    count = 0;
    while (d && readdir(d))
        count++;
    printf("  after rewinddir: %d entries\n", count);
    closedir(d);
    for (int i = 0; i < 300; i += 2)
        unlink(at("tree/many/entry-with-a-longish-name-%03d", i));
    d = opendir(at("tree/many"));
    count = 0;
    while (d && readdir(d))
        count++;
    closedir(d);
    printf("  after removing half: %d entries\n", count);
}

static void links_and_names(void) {
    write_file(at("tree/target"), 7, 100, 100);
    show("symlink tree/link -> target", symlink("target", at("tree/link")));
    char buf[256];
    ssize_t n = readlink(at("tree/link"), buf, sizeof buf);
    printf("  readlink: %zd %.*s\n", n, (int)(n > 0 ? n : 0), buf);
    n = readlink(at("tree/link"), buf, 3);
    printf("  readlink into 3 bytes: %zd %.3s\n", n, buf);
    struct stat st, lst;
    stat(at("tree/link"), &st);
    lstat(at("tree/link"), &lst);
    printf("  stat size %lld regular %d, lstat size %lld link %d\n", (long long)st.st_size,
           S_ISREG(st.st_mode), (long long)lst.st_size, S_ISLNK(lst.st_mode));
    show("symlink to a directory", symlink("a/b", at("tree/dirlink")));
    show("stat through it", stat(at("tree/dirlink/c/leaf"), &st));
    show("dangling symlink", symlink("nowhere", at("tree/dangling")));
    show("  stat it", stat(at("tree/dangling"), &st));
    show("  lstat it", lstat(at("tree/dangling"), &st));
    show("absolute symlink", symlink("/nonexistent/x", at("tree/abslink")));

    show("link tree/hard -> target", link(at("tree/target"), at("tree/hard")));
    stat(at("tree/target"), &st);
    printf("  nlink %lu\n", (unsigned long)st.st_nlink);
    show("unlink the first name", unlink(at("tree/target")));
    stat(at("tree/hard"), &st);
    printf("  nlink %lu size %lld\n", (unsigned long)st.st_nlink, (long long)st.st_size);
    char why[80] = "";
    check("data through the second name", verify_file(at("tree/hard"), 7, 64, why) == 100, why);

    show("rename a file", rename(at("tree/hard"), at("tree/renamed")));
    show("  old name gone", access(at("tree/hard"), F_OK));
    write_file(at("tree/victim"), 5, 50, 50);
    show("rename over an existing file", rename(at("tree/renamed"), at("tree/victim")));
    stat(at("tree/victim"), &st);
    printf("  size %lld\n", (long long)st.st_size);
    show("mkdir tree/moving", mkdir(at("tree/moving"), 0755));
    write_file(at("tree/moving/inside"), 4, 20, 20);
    show("rename a directory", rename(at("tree/moving"), at("tree/a/moved")));
    check("its file moved along", verify_file(at("tree/a/moved/inside"), 4, 20, why) == 20, why);
    show("rename to the same name", rename(at("tree/victim"), at("tree/victim")));
    show("renameat2 RENAME_NOREPLACE onto a free name",
         syscall(SYS_renameat2, AT_FDCWD, at("tree/victim"), AT_FDCWD, at("tree/noreplace"), 1));
    write_file(at("tree/other"), 3, 5, 5);
    show("renameat2 RENAME_NOREPLACE onto a file",
         syscall(SYS_renameat2, AT_FDCWD, at("tree/noreplace"), AT_FDCWD, at("tree/other"), 1));
}

static void metadata(void) {
    const char* path = at("tree/meta");
    write_file(path, 1, 10, 10);
    struct stat st;
    show("chmod 0751", chmod(path, 0751));
    stat(path, &st);
    printf("  mode %o\n", st.st_mode);
    int fd = open(path, O_RDONLY);
    show("fchmod 0640", fchmod(fd, 0640));
    fstat(fd, &st);
    printf("  mode %o nlink %lu\n", st.st_mode, (unsigned long)st.st_nlink);
    close(fd);
    struct timespec ts[2] = {{1000000000, 123456789}, {1200000000, 987654321}};
    show("utimensat", utimensat(AT_FDCWD, path, ts, 0));
    stat(path, &st);
    printf("  atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec,
           st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {1300000000, 0}};
    show("utimensat with UTIME_OMIT", utimensat(AT_FDCWD, path, omit, 0));
    stat(path, &st);
    printf("  atime %lld mtime %lld\n", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);
    show("mkdir with mode 0705", mkdir(at("tree/mode705"), 0705));
    stat(at("tree/mode705"), &st);
    printf("  mode %o\n", st.st_mode);
    fd = open(at("tree/created640"), O_CREAT | O_WRONLY | O_EXCL, 0640);
    fstat(fd, &st);
    printf("  created with 0640: mode %o size %lld\n", st.st_mode, (long long)st.st_size);
    show("fsync", fsync(fd));
    show("fdatasync", fdatasync(fd));
    close(fd);
    struct statfs sf;
    show("statfs", statfs(base_dir, &sf));
    printf("  blocks > 0: %d, namelen %ld\n", sf.f_blocks > 0, (long)sf.f_namelen);
    show("access R_OK", access(path, R_OK));
}

static void errors(void) {
    struct stat st;
    int fd;
    write_file(at("tree/plain"), 2, 8, 8);
    mkdir(at("tree/full"), 0755);
    write_file(at("tree/full/x"), 2, 1, 1);
    mkdir(at("tree/empty"), 0755);
    /* ENOENT */
    show("open a missing file", open(at("tree/missing"), O_RDONLY));
    show("stat a missing file", stat(at("tree/missing"), &st));
    show("unlink a missing file", unlink(at("tree/missing")));
    show("rmdir a missing directory", rmdir(at("tree/missing")));
    show("create under a missing directory", open(at("tree/nodir/f"), O_CREAT | O_WRONLY, 0644));
    show("rename a missing file", rename(at("tree/missing"), at("tree/x")));
    show("readlink a missing file", readlink(at("tree/missing"), (char[8]){0}, 8));
    /* EEXIST */
    show("mkdir an existing directory", mkdir(at("tree/full"), 0755));
    show("mkdir over a file", mkdir(at("tree/plain"), 0755));
    show("O_CREAT|O_EXCL on a file", open(at("tree/plain"), O_CREAT | O_EXCL | O_WRONLY, 0644));
    show("link onto an existing name", link(at("tree/plain"), at("tree/full/x")));
    show("symlink onto an existing name", symlink("x", at("tree/plain")));
    /* ENOTDIR */
    show("open through a file", open(at("tree/plain/x"), O_RDONLY));
    show("mkdir under a file", mkdir(at("tree/plain/x"), 0755));
    show("rmdir a file", rmdir(at("tree/plain")));
    show("O_DIRECTORY on a file", open(at("tree/plain"), O_RDONLY | O_DIRECTORY));
    show("rename a directory over a file", rename(at("tree/empty"), at("tree/plain")));
    show("stat with a trailing slash on a file", stat(at("tree/plain/"), &st));
    /* EISDIR */
    show("open a directory for writing", open(at("tree/full"), O_WRONLY));
    show("unlink a directory", unlink(at("tree/full")));
    show("rename a file over a directory", rename(at("tree/plain"), at("tree/empty")));
    fd = open(at("tree/full"), O_RDONLY);
    show("read a directory", read(fd, (char[8]){0}, 8));
    close(fd);
    /* ENOTEMPTY */
    show("rmdir a directory with a file", rmdir(at("tree/full")));
    show("rename over a non-empty directory", rename(at("tree/empty"), at("tree/full")));
    /* ELOOP */
    symlink("loop2", at("tree/loop1"));
    symlink("loop1", at("tree/loop2"));
    show("open a symlink loop", open(at("tree/loop1"), O_RDONLY));
    show("stat a symlink loop", stat(at("tree/loop1"), &st));
    symlink("plain", at("tree/tolink"));
    show("O_NOFOLLOW on a symlink", open(at("tree/tolink"), O_RDONLY | O_NOFOLLOW));
    /* ENAMETOOLONG */
    char name[300];
    memset(name, 'n', 256);
    name[256] = '\0';
    show("create a 256-byte name", open(at("tree/%s", name), O_CREAT | O_WRONLY, 0644));
    show("mkdir a 256-byte name", mkdir(at("tree/%s", name), 0755));
    name[255] = '\0';
    fd = open(at("tree/%s", name), O_CREAT | O_WRONLY, 0644);
    show("create a 255-byte name", fd);
    close(fd);
    show("  and unlink it", unlink(at("tree/%s", name)));
    static char longpath[5000];
    int len = snprintf(longpath, sizeof longpath, "%s/tree", base_dir);
    while (len < 4200)
        len += snprintf(longpath + len, sizeof longpath - (size_t)len, "/a");
    show("stat a path longer than PATH_MAX", stat(longpath, &st));
    /* Emptied and removed. */
    unlink(at("tree/full/x"));
    show("rmdir once empty", rmdir(at("tree/full")));
    show("rmdir an empty directory", rmdir(at("tree/empty")));
}

static void unlinked_open_file(void) {
    const char* path = at("tree/ephemeral");
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    show("open a file to unlink", fd);
    write(fd, "still here", 10);
    show("unlink it while open", unlink(path));
    show("  gone by name", access(path, F_OK));
    struct stat st;
    fstat(fd, &st);
    printf("  fstat: nlink %lu size %lld\n", (unsigned long)st.st_nlink, (long long)st.st_size);
    char buf[16] = {0};
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    printf("  pread: %zd %.*s\n", n, (int)(n > 0 ? n : 0), buf);
    show("  write more", write(fd, "!", 1));
    close(fd);
}

static void mapped_file(void) {
    const char* path = at("tree/mapped");
    write_file(path, 11, 3 * 4096 + 100, 4096);
    int fd = open(path, O_RDONLY);
    unsigned char* p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    check("mmap MAP_PRIVATE", p != MAP_FAILED, errname(errno));
    close(fd);
    if (p == MAP_FAILED)
        return;
    int same = 1;
    for (unsigned long i = 0; i < 3 * 4096 + 100; i++)
        same &= p[i] == pattern(11, i);
    check("mapped bytes are the file's (read after close)", same, "differ");
    check("zeros past the end in the last page", p[3 * 4096 + 100] == 0 && p[4 * 4096 - 1] == 0,
          "not zero");
    p[0] ^= 0xff;
    munmap(p, 4 * 4096);
    char why[80] = "";
    check("a private write leaves the file alone",
          verify_file(path, 11, 4096, why) == 3 * 4096 + 100, why);
}

struct worker {
    int id;
    int ok;
};

/* Each thread writes and reads back its own file: requests of several
 * threads in flight at once. */
static void* worker_main(void* arg) {
    struct worker* w = arg;
    char why[80] = "";
    const char* path = at("tree/thread%d", w->id);
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    w->ok = 1;
    for (int round = 0; round < 3 && w->ok; round++) {
        w->ok &= write_file(copy, 40 + (unsigned)w->id, 512 * 1024 + (size_t)w->id, 65536) == 0;
        w->ok &= verify_file(copy, 40 + (unsigned)w->id, 32768, why) == 512 * 1024 + (long)w->id;
    }
    return NULL;
}

static void threads(void) {
    pthread_t t[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i].id = i;
        pthread_create(&t[i], NULL, worker_main, &w[i]);
    }
    int ok = 1;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ok &= w[i].ok;
    }
    check("4 threads writing and reading at once", ok, "a thread saw wrong data");
}

static void host_files(void) {
    /* Written by the suite on the host before the run. */
    char why[80] = "";
    char buf[128] = {0};
    int fd = open(at("in/hello.txt"), O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("host file: %zd bytes: %s", n, buf);
    check("host file of 5 MiB + 3",
          verify_file(at("in/big.bin"), 77, 1 << 20, why) == (5 << 20) + 3, why);
    printf("host directory:\n");
    list_dir(at("in"));
    struct stat st;
    lstat(at("in/link"), &st);
    printf("  host symlink: link %d\n", S_ISLNK(st.st_mode));
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: p9_files DIR\n");
        return 2;
    }
    if (argc == 3 && !strcmp(argv[1], "--make-input")) {
        /* On the host, before the run: what host_files() reads. */
        base_dir = argv[2];
        mkdir(at("in"), 0755);
        mkdir(at("in/sub"), 0755);
        FILE* f = fopen(at("in/hello.txt"), "w");
        fputs("hello from the host\n", f);
        fclose(f);
        symlink("hello.txt", at("in/link"));
        return write_file(at("in/big.bin"), 77, (5 << 20) + 3, 1 << 16) ? 1 : 0;
    }
    base_dir = argv[1];
    show("mkdir tree", mkdir(at("tree"), 0755));
    host_files();
    data_sizes();
    positioned_io();
    directories();
    links_and_names();
    metadata();
    errors();
    unlinked_open_file();
    mapped_file();
    threads();
    printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
