/* The file calls on the root file system (ramfs) and /tmp: each result and
 * errno printed as the same program prints them on Linux (tmpfs). */
//! run: --
//! status: 0
//! native
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static const char* en(int e) {
    static const struct {
        int e;
        const char* n;
    } names[] = {{ENOENT, "ENOENT"},   {EEXIST, "EEXIST"},     {ENOTDIR, "ENOTDIR"},
                 {EISDIR, "EISDIR"},   {ENOTEMPTY, "ENOTEMPTY"}, {EBADF, "EBADF"},
                 {EINVAL, "EINVAL"},   {ELOOP, "ELOOP"},       {ENAMETOOLONG, "ENAMETOOLONG"},
                 {EFAULT, "EFAULT"},   {EMFILE, "EMFILE"},     {EXDEV, "EXDEV"},
                 {EBUSY, "EBUSY"},     {EPERM, "EPERM"},       {EACCES, "EACCES"},
                 {ESPIPE, "ESPIPE"},   {ENXIO, "ENXIO"},       {EAGAIN, "EAGAIN"},
                 {ERANGE, "ERANGE"},   {EROFS, "EROFS"},       {EOPNOTSUPP, "EOPNOTSUPP"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].e == e)
            return names[i].n;
    static char buf[16];
    snprintf(buf, sizeof buf, "E%d", e);
    return buf;
}

#define SHOW(what, expr)                                                                           \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long r_ = (long)(expr);                                                                    \
        if (r_ < 0)                                                                                \
            printf("%s = -1 %s\n", what, en(errno));                                               \
        else                                                                                       \
            printf("%s = %ld\n", what, r_);                                                        \
    } while (0)

static void rm_rf(const char* path) {
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR* d = opendir(path);
        struct dirent* e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            rm_rf(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int cmp_names(const void* a, const void* b) {
    return strcmp(*(char* const*)a, *(char* const*)b);
}

static void list(const char* path) {
    DIR* d = opendir(path);
    if (!d) {
        printf("opendir %s: %s\n", path, en(errno));
        return;
    }
    char* names[64];
    int n = 0;
    struct dirent* e;
    while ((e = readdir(d)) && n < 64)
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_names);
    printf("%s:", path);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(void) {
    const char* base = "/tmp/uk-fs-calls";
    rm_rf(base);
    SHOW("mkdir base", mkdir(base, 0755));
    SHOW("chdir base", chdir(base));
    char cwd[PATH_MAX];
    printf("getcwd = %s\n", getcwd(cwd, sizeof cwd) ? cwd : en(errno));
    SHOW("getcwd small", getcwd(cwd, 3) ? 0 : -1);

    /* Creating, writing, reading. */
    int fd = open("a.txt", O_CREAT | O_EXCL | O_RDWR, 0640);
    SHOW("open creat", fd >= 0 ? 3 : -1);
    SHOW("write", write(fd, "hello, world\n", 13));
    SHOW("lseek cur", lseek(fd, 0, SEEK_CUR));
    SHOW("lseek set", lseek(fd, 7, SEEK_SET));
    char buf[64] = {0};
    SHOW("read", read(fd, buf, sizeof buf));
    printf("read got '%s'\n", buf);
    SHOW("pread", pread(fd, buf, 5, 0));
    SHOW("pwrite", pwrite(fd, "HELLO", 5, 0));
    memset(buf, 0, sizeof buf);
    SHOW("pread2", pread(fd, buf, 64, 0));
    printf("now '%s'\n", buf);
    SHOW("lseek end", lseek(fd, 0, SEEK_END));
    SHOW("lseek neg", lseek(fd, -100, SEEK_SET));
    SHOW("lseek whence", lseek(fd, 0, 7));
    SHOW("pread neg", pread(fd, buf, 1, -1));
    struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    SHOW("lseek 100", lseek(fd, 100, SEEK_SET));
    SHOW("writev", writev(fd, iov, 3));
    struct stat st;
    SHOW("fstat", fstat(fd, &st));
    printf("size %ld mode %o nlink %ld blocks>0 %d\n", (long)st.st_size, st.st_mode,
           (long)st.st_nlink, st.st_blocks > 0);
    SHOW("seek data", lseek(fd, 0, SEEK_DATA));
    SHOW("seek hole", lseek(fd, 0, SEEK_HOLE));
    SHOW("seek data past", lseek(fd, 200, SEEK_DATA));
    char hole[20];
    SHOW("pread hole", pread(fd, hole, 20, 90));
    printf("hole bytes %d %d %d\n", hole[0], hole[9], hole[10]);
    SHOW("ftruncate", ftruncate(fd, 5));
    SHOW("fstat2", fstat(fd, &st));
    printf("size %ld\n", (long)st.st_size);
    SHOW("ftruncate neg", ftruncate(fd, -1));
    SHOW("open excl", open("a.txt", O_CREAT | O_EXCL | O_RDWR, 0640));
    SHOW("close", close(fd));
    SHOW("close again", close(fd));
    SHOW("read bad", read(fd, buf, 1));

    /* O_APPEND and O_TRUNC. */
    fd = open("a.txt", O_WRONLY | O_APPEND);
    SHOW("write append", write(fd, "12345", 5));
    SHOW("pos after append", lseek(fd, 0, SEEK_CUR));
    SHOW("getfl", fcntl(fd, F_GETFL) & ~O_LARGEFILE);
    SHOW("read wronly", read(fd, buf, 1));
    close(fd);
    SHOW("stat", stat("a.txt", &st));
    printf("size %ld\n", (long)st.st_size);
    fd = open("a.txt", O_RDWR | O_TRUNC);
    SHOW("fstat trunc", fstat(fd, &st));
    printf("size %ld\n", (long)st.st_size);
    close(fd);

    /* dup shares the offset and status flags. */
    fd = open("b.txt", O_CREAT | O_RDWR, 0600);
    int fd2 = dup(fd);
    SHOW("dup", fd2 > fd);
    write(fd, "xyz", 3);
    SHOW("dup offset", lseek(fd2, 0, SEEK_CUR));
    fcntl(fd, F_SETFL, O_APPEND);
    SHOW("dup flags", (fcntl(fd2, F_GETFL) & O_APPEND) != 0);
    SHOW("cloexec", fcntl(fd2, F_GETFD));
    int fd3 = fcntl(fd, F_DUPFD_CLOEXEC, 20);
    SHOW("dupfd", fd3);
    SHOW("cloexec2", fcntl(fd3, F_GETFD));
    SHOW("dup2", dup2(fd, 30));
    SHOW("dup3 same", dup3(fd, fd, 0));
    SHOW("dup3 flags", syscall(SYS_dup3, fd, 31, 1));
    close(30);
    close(fd3);
    close(fd2);
    close(fd);

    /* Directories. */
    SHOW("mkdir d", mkdir("d", 0700));
    SHOW("mkdir again", mkdir("d", 0700));
    SHOW("mkdir dot", mkdir(".", 0700));
    SHOW("mkdir nested missing", mkdir("x/y", 0700));
    SHOW("mkdir under file", mkdir("a.txt/y", 0700));
    SHOW("mkdir d/e", mkdir("d/e", 0755));
    SHOW("creat d/f", close(creat("d/f", 0644)));
    list("d");
    SHOW("rmdir nonempty", rmdir("d"));
    SHOW("rmdir file", rmdir("d/f"));
    SHOW("rmdir dot", rmdir("d/."));
    SHOW("rmdir dotdot", rmdir("d/e/.."));
    SHOW("unlink dir", unlink("d/e"));
    SHOW("unlink trailing", unlink("d/f/"));
    SHOW("open dir write", open("d", O_WRONLY));
    SHOW("open dir creat", open("d", O_CREAT | O_RDWR, 0600));
    SHOW("open notdir", open("a.txt", O_RDONLY | O_DIRECTORY));
    SHOW("open missing", open("nope", O_RDONLY));
    SHOW("open trailing", open("a.txt/", O_RDONLY));
    SHOW("read dir", ({
             int dfd = open("d", O_RDONLY);
             long r = read(dfd, buf, 1);
             int e = errno;
             close(dfd);
             errno = e;
             r;
         }));
    SHOW("stat dir", stat("d", &st));
    printf("dir mode %o nlink %ld\n", st.st_mode, (long)st.st_nlink);
    SHOW("stat dotdot", stat("d/e/../..", &st));
    printf("dotdot is base %d\n", st.st_ino == ({
                                      struct stat b;
                                      stat(base, &b);
                                      b.st_ino;
                                  }));

    /* Links. */
    SHOW("link", link("d/f", "g"));
    SHOW("stat nlink", stat("g", &st));
    printf("nlink %ld\n", (long)st.st_nlink);
    SHOW("link exists", link("d/f", "g"));
    SHOW("link dir", link("d", "h"));
    SHOW("symlink", symlink("d/f", "s"));
    SHOW("symlink exists", symlink("x", "s"));
    SHOW("readlink", readlink("s", buf, sizeof buf));
    buf[3] = 0;
    printf("target %s\n", buf);
    SHOW("readlink short", readlink("s", buf, 2));
    SHOW("readlink file", readlink("g", buf, sizeof buf));
    SHOW("readlink zero", syscall(SYS_readlink, "s", buf, 0));
    SHOW("lstat", lstat("s", &st));
    printf("link mode %o size %ld\n", st.st_mode, (long)st.st_size);
    SHOW("stat through", stat("s", &st));
    printf("mode %o\n", st.st_mode);
    SHOW("symlink loop", symlink("loop", "loop"));
    SHOW("open loop", open("loop", O_RDONLY));
    SHOW("open nofollow", open("s", O_RDONLY | O_NOFOLLOW));
    SHOW("symlink dir", symlink("d", "sd"));
    SHOW("stat via dir link", stat("sd/e", &st));
    SHOW("symlink dangling", symlink("missing", "dang"));
    SHOW("stat dangling", stat("dang", &st));
    SHOW("lstat dangling", lstat("dang", &st));
    SHOW("symlink abs", symlink("/tmp/uk-fs-calls/d", "abs"));
    SHOW("stat abs", stat("abs/e", &st));

    /* Renames. */
    SHOW("rename", rename("g", "g2"));
    SHOW("rename missing", rename("g", "g3"));
    SHOW("rename onto dir", rename("g2", "d"));
    SHOW("rename dir onto file", rename("d", "g2"));
    SHOW("rename into self", rename("d", "d/e/x"));
    SHOW("rename dir", rename("d/e", "e2"));
    SHOW("rename dir back", rename("e2", "d/e"));
    SHOW("mkdir x", mkdir("x", 0755));
    SHOW("mkdir x/y", mkdir("x/y", 0755));
    SHOW("rename nonempty", rename("d", "x"));
    SHOW("rename noreplace", syscall(SYS_renameat2, AT_FDCWD, "g2", AT_FDCWD, "s", 1));
    SHOW("rename exchange", syscall(SYS_renameat2, AT_FDCWD, "g2", AT_FDCWD, "s", 2));
    SHOW("lstat exchanged", lstat("g2", &st));
    printf("g2 is link %d\n", S_ISLNK(st.st_mode));
    SHOW("rename bad flags", syscall(SYS_renameat2, AT_FDCWD, "g2", AT_FDCWD, "s", 3));
    SHOW("chdir x/y", chdir("x/y"));
    SHOW("rename cwd parent", rename("../../x", "../../x2"));
    printf("getcwd = %s\n", getcwd(cwd, sizeof cwd) ? cwd : en(errno));
    SHOW("chdir back", chdir(base));

    /* Attributes. */
    SHOW("chmod", chmod("a.txt", 0604));
    SHOW("chown", chown("a.txt", 12, 34));
    SHOW("stat attrs", stat("a.txt", &st));
    printf("mode %o uid %d gid %d\n", st.st_mode, st.st_uid, st.st_gid);
    struct timespec ts[2] = {{1000, 5}, {2000, 6}};
    SHOW("utimensat", utimensat(AT_FDCWD, "a.txt", ts, 0));
    stat("a.txt", &st);
    printf("atime %ld.%ld mtime %ld.%ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_nsec = 1000000000;
    SHOW("utimensat bad", utimensat(AT_FDCWD, "a.txt", ts, 0));
    SHOW("umask", umask(077));
    SHOW("umask2", umask(022));
    SHOW("access", access("a.txt", R_OK | W_OK));
    SHOW("access x", access("a.txt", X_OK));
    SHOW("access bad", access("a.txt", 8));
    SHOW("access missing", access("nope", F_OK));
    SHOW("truncate", truncate("a.txt", 3000));
    stat("a.txt", &st);
    printf("size %ld\n", (long)st.st_size);
    SHOW("truncate dir", truncate("d", 0));
    struct statfs sf;
    SHOW("statfs", statfs(".", &sf));
    printf("namelen %ld\n", (long)sf.f_namelen);

    /* Names too long, bad pointers. */
    char longname[300];
    memset(longname, 'n', 299);
    longname[299] = 0;
    SHOW("long name", open(longname, O_CREAT | O_RDWR, 0600));
    SHOW("efault", open((char*)1, O_RDONLY));
    SHOW("empty", open("", O_RDONLY));
    SHOW("stat efault", syscall(SYS_stat, "a.txt", (struct stat*)8));

    /* *at forms. */
    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    SHOW("openat", close(openat(dfd, "f", O_RDONLY)));
    SHOW("fstatat empty", fstatat(dfd, "", &st, AT_EMPTY_PATH));
    printf("isdir %d\n", S_ISDIR(st.st_mode));
    SHOW("fstatat nofollow", fstatat(AT_FDCWD, "s", &st, AT_SYMLINK_NOFOLLOW));
    SHOW("unlinkat removedir", unlinkat(dfd, "e", AT_REMOVEDIR));
    SHOW("unlinkat bad flag", unlinkat(dfd, "f", 1));
    SHOW("mkdirat", mkdirat(dfd, "e", 0755));
    SHOW("openat badfd", openat(99, "f", O_RDONLY));
    SHOW("openat notdir", openat(open("a.txt", O_RDONLY), "f", O_RDONLY));
    SHOW("fchdir", fchdir(dfd));
    printf("getcwd = %s\n", getcwd(cwd, sizeof cwd) ? cwd : en(errno));
    chdir(base);
    close(dfd);

    /* getdents offsets survive removals. */
    mkdir("many", 0755);
    for (int i = 0; i < 40; i++) {
        char n[32];
        snprintf(n, sizeof n, "many/f%02d", i);
        close(creat(n, 0644));
    }
    DIR* d = opendir("many");
    int seen = 0;
    struct dirent* e;
    for (int i = 0; i < 10 && (e = readdir(d)); i++)
        seen++;
    for (int i = 0; i < 40; i += 2) {
        char n[32];
        snprintf(n, sizeof n, "many/f%02d", i);
        unlink(n);
    }
    while ((e = readdir(d)))
        seen++;
    closedir(d);
    printf("entries seen >= 30: %d\n", seen >= 30);
    list("many");

    /* Unlinked but open: the data stays until close. */
    fd = open("gone", O_CREAT | O_RDWR, 0600);
    write(fd, "still here", 10);
    SHOW("unlink open", unlink("gone"));
    memset(buf, 0, sizeof buf);
    SHOW("pread unlinked", pread(fd, buf, 10, 0));
    printf("'%s'\n", buf);
    fstat(fd, &st);
    printf("nlink %ld\n", (long)st.st_nlink);
    close(fd);

    /* O_TMPFILE, linked in later. */
    fd = open(".", O_TMPFILE | O_RDWR, 0600);
    SHOW("tmpfile", fd >= 0);
    write(fd, "tmp", 3);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    SHOW("linkat empty", linkat(fd, "", AT_FDCWD, "named", AT_EMPTY_PATH));
    SHOW("stat named", stat("named", &st));
    printf("size %ld\n", (long)st.st_size);
    close(fd);

    /* Locks. */
    fd = open("a.txt", O_RDWR);
    int other = open("a.txt", O_RDWR);
    SHOW("flock ex", flock(fd, LOCK_EX));
    SHOW("flock other nb", flock(other, LOCK_EX | LOCK_NB));
    SHOW("flock un", flock(fd, LOCK_UN));
    SHOW("flock other", flock(other, LOCK_SH | LOCK_NB));
    SHOW("flock bad", flock(fd, 0));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    SHOW("setlk", fcntl(fd, F_SETLK, &fl));
    SHOW("setlk same process", fcntl(other, F_SETLK, &fl));
    SHOW("ofd setlk conflicts", fcntl(other, F_OFD_SETLK, &fl));
    fl.l_type = F_RDLCK;
    SHOW("ofd getlk", fcntl(other, F_OFD_GETLK, &fl));
    printf("getlk type %d start %ld len %ld pid>0 %d\n", fl.l_type, (long)fl.l_start,
           (long)fl.l_len, fl.l_pid > 0);
    close(fd); /* drops the process's POSIX locks */
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    SHOW("ofd setlk after close", fcntl(other, F_OFD_SETLK, &fl));
    fl.l_type = 7;
    SHOW("setlk bad type", fcntl(other, F_SETLK, &fl));
    close(other);

    /* fallocate and punching holes. */
    fd = open("fa", O_CREAT | O_RDWR, 0600);
    SHOW("fallocate", fallocate(fd, 0, 0, 8192));
    fstat(fd, &st);
    printf("size %ld\n", (long)st.st_size);
    SHOW("fallocate keep", fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 4096));
    fstat(fd, &st);
    printf("size %ld\n", (long)st.st_size);
    SHOW("fallocate bad len", fallocate(fd, 0, 0, 0));
    SHOW("seek data unwritten", lseek(fd, 0, SEEK_DATA));
    SHOW("pwrite page 1", pwrite(fd, "x", 1, 4096));
    SHOW("punch", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096));
    SHOW("seek data after punch", lseek(fd, 0, SEEK_DATA));
    close(fd);

    /* sendfile and copy_file_range. */
    int in = open("d/f", O_RDWR);
    write(in, "0123456789", 10);
    lseek(in, 0, SEEK_SET);
    int out = open("copy", O_CREAT | O_RDWR, 0600);
    off_t off = 2;
    SHOW("sendfile", sendfile(out, in, &off, 5));
    printf("off %ld\n", (long)off);
    loff_t ioff = 0, ooff = 5;
    SHOW("copy_file_range", copy_file_range(in, &ioff, out, &ooff, 3, 0));
    memset(buf, 0, sizeof buf);
    pread(out, buf, 20, 0);
    printf("copy '%s'\n", buf);
    close(in);
    close(out);

    /* fsync and friends. */
    fd = open("a.txt", O_RDONLY);
    SHOW("fsync", fsync(fd));
    SHOW("fdatasync", fdatasync(fd));
    SHOW("syncfs", syncfs(fd));
    close(fd);

    /* memfd. */
    fd = memfd_create("mine", MFD_ALLOW_SEALING);
    SHOW("memfd", fd >= 0);
    SHOW("memfd write", write(fd, "abc", 3));
    SHOW("seal", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
    SHOW("get seals", fcntl(fd, F_GET_SEALS));
    SHOW("shrink sealed", ftruncate(fd, 1));
    SHOW("grow ok", ftruncate(fd, 100));
    close(fd);

    /* EMFILE. */
    struct rlimit { unsigned long cur, max; } rl = {16, 16};
    syscall(SYS_setrlimit, 7, &rl);
    int last = -1, count = 0;
    while ((fd = open("a.txt", O_RDONLY)) >= 0) {
        last = fd;
        count++;
    }
    printf("EMFILE after opens: %s (last %d, some %d)\n", en(errno), last, count > 5);
    for (int i = 3; i <= last; i++)
        close(i);

    /* mknod of a FIFO shows up as one. */
    SHOW("mkfifo", mkfifo("fifo", 0644));
    SHOW("stat fifo", stat("fifo", &st));
    printf("fifo %d\n", S_ISFIFO(st.st_mode));

    chdir("/");
    rm_rf(base);
    SHOW("gone", access(base, F_OK));
    return 0;
}
