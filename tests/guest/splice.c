/* splice(2) between a pipe and a file, in both directions, at offsets and
 * at the file positions, and its errors: each result and errno as the same
 * program prints them on Linux. */
//! run: --
//! status: 0
//! native
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void show(const char *what, long r) {
    if (r < 0)
        printf("%s -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s %ld\n", what, r);
}

int main(void) {
    int p[2];
    if (pipe(p))
        return 1;
    int f = open("/tmp/splice_src", O_RDWR | O_CREAT | O_TRUNC, 0600);
    show("write", write(f, "abcdefghijklmnopqrstuvwxyz", 26));

    /* File to pipe at an offset: the offset moves, the position does not. */
    __off64_t off = 3;
    show("file to pipe at offset", splice(f, &off, p[1], NULL, 5, 0));
    printf("offset %lld position %ld\n", (long long)off, (long)lseek(f, 0, SEEK_CUR));
    char buf[64] = {0};
    show("read pipe", read(p[0], buf, sizeof buf - 1));
    printf("got %s\n", buf);

    /* File to pipe at the position, which moves. */
    lseek(f, 20, SEEK_SET);
    show("file to pipe at position", splice(f, NULL, p[1], NULL, 100, SPLICE_F_MORE));
    printf("position %ld\n", (long)lseek(f, 0, SEEK_CUR));

    /* Pipe to a file at an offset. */
    int g = open("/tmp/splice_dst", O_RDWR | O_CREAT | O_TRUNC, 0600);
    off = 2;
    show("pipe to file at offset", splice(p[0], NULL, g, &off, 100, 0));
    printf("offset %lld position %ld\n", (long long)off, (long)lseek(g, 0, SEEK_CUR));
    memset(buf, 0, sizeof buf);
    show("pread", pread(g, buf, sizeof buf - 1, 0));
    printf("file %d %d %s\n", buf[0], buf[1], buf + 2);

    /* Pipe to pipe. */
    int q[2];
    if (pipe(q))
        return 1;
    show("write pipe", write(p[1], "12345", 5));
    show("pipe to pipe", splice(p[0], NULL, q[1], NULL, 3, 0));
    memset(buf, 0, sizeof buf);
    show("read other pipe", read(q[0], buf, sizeof buf - 1));
    printf("got %s\n", buf);

    /* Errors. */
    show("zero length", splice(f, NULL, g, NULL, 0, 0));
    show("no pipe", splice(f, NULL, g, NULL, 4, 0));
    off = 0;
    show("offset on a pipe", splice(p[0], &off, g, NULL, 4, 0));
    show("offset on the out pipe", splice(f, NULL, p[1], &off, 4, 0));
    show("bad flags", splice(f, NULL, p[1], NULL, 4, 0x100));
    show("bad fd", splice(99, NULL, p[1], NULL, 4, 0));
    show("write end as input", splice(p[1], NULL, g, NULL, 4, 0));
    off = -1;
    show("negative offset", splice(f, &off, p[1], NULL, 4, 0));
    show("bad offset pointer", splice(f, (__off64_t *)8, p[1], NULL, 4, 0));
    show("same pipe", splice(p[0], NULL, p[1], NULL, 1, 0));
    int a = open("/tmp/splice_dst", O_WRONLY | O_APPEND);
    show("write pipe", write(p[1], "x", 1));
    show("append file", splice(p[0], NULL, a, NULL, 1, 0));
    unlink("/tmp/splice_src");
    unlink("/tmp/splice_dst");
    return 0;
}
