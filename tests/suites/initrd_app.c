/* The guest side of tests/suites/initrd.sh, also run natively on the host
 * on the tree the initrd was made from: both must print the same.
 *
 *   initrd_app list DIR    every entry under DIR, depth first in name order:
 *                          type and mode, owner, links, mtime, and a hash of
 *                          a file's bytes or a link's target
 *   initrd_app cow DIR     writes into DIR/data/file (which has a hard link
 *                          DIR/data/link) and shows what the other names and
 *                          files then read
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t fnv(const unsigned char* p, size_t n, uint64_t h) {
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* A hash of the file's bytes, read in odd-sized pieces. */
static int file_hash(const char* path, uint64_t* hash, long* size) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    static unsigned char buf[70000];
    uint64_t h = 0xcbf29ce484222325ull;
    long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        h = fnv(buf, (size_t)n, h);
        total += n;
    }
    close(fd);
    if (n < 0)
        return -1;
    *hash = h;
    *size = total;
    return 0;
}

static int by_name(const void* a, const void* b) {
    return strcmp(*(char* const*)a, *(char* const*)b);
}

static void list(const char* root, const char* rel) {
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    struct stat st;
    if (lstat(path, &st) != 0) {
        printf("%s: lstat: %s\n", *rel ? rel : ".", strerror(errno));
        return;
    }
    printf("%s %06o %u:%u mtime=%ld", *rel ? rel : ".", (unsigned)st.st_mode, (unsigned)st.st_uid,
           (unsigned)st.st_gid, (long)st.st_mtime);
    if (S_ISREG(st.st_mode)) {
        uint64_t h;
        long size;
        if (file_hash(path, &h, &size) != 0)
            printf(" read: %s\n", strerror(errno));
        else
            printf(" links=%lu size=%ld/%ld hash=%016llx\n", (unsigned long)st.st_nlink,
                   (long)st.st_size, size, (unsigned long long)h);
    } else if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n < 0 ? 0 : n] = 0;
        printf(" -> %s\n", target);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        printf(" dev=%u,%u\n", major(st.st_rdev), minor(st.st_rdev));
    } else {
        printf("\n");
    }
    if (!S_ISDIR(st.st_mode))
        return;
    DIR* d = opendir(path);
    if (!d) {
        printf("%s: opendir: %s\n", *rel ? rel : ".", strerror(errno));
        return;
    }
    char* names[512];
    size_t n = 0;
    struct dirent* e;
    while ((e = readdir(d)) && n < 512)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    for (size_t i = 0; i < n; i++) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        list(root, sub);
        free(names[i]);
    }
}

static void show(const char* root, const char* rel) {
    char path[4096], buf[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (n < 0) {
        printf("%s: %s\n", rel, strerror(errno));
    } else {
        buf[n] = 0;
        printf("%s: \"%s\"\n", rel, buf);
    }
    if (fd >= 0)
        close(fd);
}

static int cow(const char* root) {
    char path[4096];
    snprintf(path, sizeof path, "%s/data/file", root);
    show(root, "data/file");
    /* A private mapping made before the write keeps what it saw only for
     * pages it wrote; a shared one sees the write. */
    int fd = open(path, O_RDWR);
    if (fd < 0) {
        printf("open: %s\n", strerror(errno));
        return 1;
    }
    char* shared = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (shared == MAP_FAILED) {
        printf("mmap: %s\n", strerror(errno));
        return 1;
    }
    if (pwrite(fd, "XY", 2, 2) != 2) {
        printf("pwrite: %s\n", strerror(errno));
        return 1;
    }
    printf("mapped after write: \"%.10s\"\n", shared);
    munmap(shared, 4096);
    if (lseek(fd, 0, SEEK_END) != 8 || write(fd, "+more", 5) != 5) {
        printf("write: %s\n", strerror(errno));
        return 1;
    }
    close(fd);
    show(root, "data/file");
    show(root, "data/link"); /* the same file under another name */
    show(root, "data/other");
    show(root, "data/copy"); /* another file with the same bytes */
    /* Growing a file past its borrowed bytes, then truncating below them. */
    snprintf(path, sizeof path, "%s/data/other", root);
    if (truncate(path, 3) != 0)
        printf("truncate: %s\n", strerror(errno));
    show(root, "data/other");
    if (truncate(path, 6) != 0)
        printf("truncate: %s\n", strerror(errno));
    char buf[8] = {0};
    fd = open(path, O_RDONLY);
    printf("after growing: %zd bytes, byte 4 is %d\n", read(fd, buf, sizeof buf), buf[4]);
    close(fd);
    /* Unlinking a borrowed file. */
    snprintf(path, sizeof path, "%s/data/copy", root);
    printf("unlink: %d\n", unlink(path));
    show(root, "data/copy");
    return 0;
}

/* The bytes `fd` has from `off` on (at most `count`) by read, and how many. */
static uint64_t read_hash(int fd, off_t off, size_t count, size_t* got) {
    static unsigned char buf[65536];
    uint64_t h = 0xcbf29ce484222325ull;
    *got = 0;
    while (*got < count) {
        size_t want = count - *got < sizeof buf ? count - *got : sizeof buf;
        ssize_t n = pread(fd, buf, want, off + (off_t)*got);
        if (n <= 0)
            break;
        h = fnv(buf, (size_t)n, h);
        *got += (size_t)n;
    }
    return h;
}

/* sendfile from `in` (at *off, or its position with off NULL) into a fresh
 * file `out_path`; prints what came and whether it equals what read gives. */
static void send_case(const char* what, int in, off_t* off, size_t count, const char* out_path) {
    off_t start = off ? *off : lseek(in, 0, SEEK_CUR);
    int out = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (out < 0) {
        printf("%s: open %s: %s\n", what, out_path, strerror(errno));
        return;
    }
    size_t total = 0;
    for (;;) {
        ssize_t n = sendfile(out, in, off, count - total);
        if (n < 0) {
            printf("%s: sendfile: %s\n", what, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        if (total == count)
            break;
    }
    size_t got_out, got_in;
    uint64_t h_out = read_hash(out, 0, total, &got_out);
    uint64_t h_in = read_hash(in, start, count, &got_in);
    printf("%s: %zu bytes, hash %016llx, read gives %zu bytes, %s; offset now %lld, position %lld\n",
           what, total, (unsigned long long)h_out, got_in,
           h_out == h_in && got_out == got_in ? "the same" : "DIFFERENT",
           (long long)(off ? *off : -1), (long long)lseek(in, 0, SEEK_CUR));
    close(out);
}

/* sendfile from a file of the initrd, before and after writes to it. */
static int sendfile_cases(const char* root, const char* scratch) {
    char path[4096], out_path[4096];
    snprintf(path, sizeof path, "%s/bin/blob", root);
    snprintf(out_path, sizeof out_path, "%s/sendfile.out", scratch);
    int in = open(path, O_RDWR);
    if (in < 0) {
        printf("open: %s\n", strerror(errno));
        return 1;
    }
    send_case("whole, at the position", in, NULL, 300000, out_path);
    send_case("at the end", in, NULL, 1000, out_path);
    off_t off = 12345;
    send_case("from 12345", in, &off, 100000, out_path);
    off = 299990;
    send_case("past the end", in, &off, 100, out_path);
    /* A page of its own in the middle, then a grown tail. */
    if (pwrite(in, "MODIFIED!!", 10, 150000) != 10 || pwrite(in, "tail", 4, 300000) != 4) {
        printf("pwrite: %s\n", strerror(errno));
        return 1;
    }
    off = 0;
    send_case("after writes", in, &off, 400000, out_path);
    if (ftruncate(in, 200000) != 0)
        printf("ftruncate: %s\n", strerror(errno));
    off = 4096;
    send_case("after truncating", in, &off, 400000, out_path);
    close(in);
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 3 && !strcmp(argv[1], "list")) {
        list(argv[2], "");
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "cow"))
        return cow(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "sendfile"))
        return sendfile_cases(argv[2], argv[3]);
    fprintf(stderr, "usage: initrd_app list|cow DIR | sendfile DIR SCRATCH\n");
    return 2;
}
