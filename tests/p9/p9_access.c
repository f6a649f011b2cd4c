/* Refusals on a 9p share. "p9_access ro DIR": DIR is a read-only share
 * (ukrun --share HOST:DIR:ro; natively, a read-only bind mount): reads work,
 * every change fails with EROFS. "p9_access perm DIR": QEMU (natively: the
 * program) runs as an unprivileged user and the host's permissions refuse
 * with EACCES what that user may not do. "p9_access --make-input ro|perm
 * DIR" makes the files the checks expect, on the host. */
#define _GNU_SOURCE
#include "p9.h"

#include <dirent.h>
#include <sys/time.h>

/* "WHAT: ENAME" and a failure unless the call failed with `want`. */
static void expect_err(const char* what, long r, int want) {
    int e = r < 0 ? errno : 0;
    printf("%s: %s\n", what, r < 0 ? errname(e) : "ok");
    if (r >= 0 || e != want) {
        printf("  FAILED: want %s\n", errname(want));
        failures++;
    }
}

static void expect_ok(const char* what, long r) {
    printf("%s: %s\n", what, r >= 0 ? "ok" : errname(errno));
    if (r < 0) {
        printf("  FAILED: want ok\n");
        failures++;
    }
}

static int make_input(const char* mode) {
    mkdir(at("dir"), 0755);
    FILE* f = fopen(at("dir/file"), "w");
    fputs("readable\n", f);
    fclose(f);
    if (!strcmp(mode, "perm")) {
        f = fopen(at("dir/secret"), "w");
        fputs("secret\n", f);
        fclose(f);
        chmod(at("dir/secret"), 0);
        chmod(at("dir/file"), 0444);
        mkdir(at("closed"), 0700);
        /* Root's, not the unprivileged user's: no writes in dir either. */
        chmod(at("dir"), 0755);
        chmod(base_dir, 0755);
        mkdir(at("open"), 0777);
        chmod(at("open"), 0777);
    }
    return 0;
}

static void read_only(void) {
    char buf[32] = {0};
    int fd = open(at("dir/file"), O_RDONLY);
    expect_ok("open for reading", fd);
    expect_ok("read", read(fd, buf, sizeof buf));
    printf("  %s", buf);
    close(fd);
    struct stat st;
    expect_ok("stat", stat(at("dir/file"), &st));
    DIR* d = opendir(at("dir"));
    expect_ok("opendir", d ? 0 : -1);
    if (d)
        closedir(d);
    expect_err("open for writing", open(at("dir/file"), O_WRONLY), EROFS);
    expect_err("open O_RDWR", open(at("dir/file"), O_RDWR), EROFS);
    expect_err("open O_TRUNC", open(at("dir/file"), O_RDONLY | O_TRUNC), EROFS);
    expect_err("create", open(at("dir/new"), O_CREAT | O_WRONLY, 0644), EROFS);
    expect_err("mkdir", mkdir(at("dir/newdir"), 0755), EROFS);
    expect_err("unlink", unlink(at("dir/file")), EROFS);
    expect_err("rmdir", rmdir(at("dir")), EROFS);
    expect_err("rename", rename(at("dir/file"), at("dir/moved")), EROFS);
    expect_err("symlink", symlink("file", at("dir/link")), EROFS);
    expect_err("link", link(at("dir/file"), at("dir/hard")), EROFS);
    expect_err("chmod", chmod(at("dir/file"), 0600), EROFS);
    expect_err("truncate", truncate(at("dir/file"), 0), EROFS);
    expect_err("utimes", utimes(at("dir/file"), NULL), EROFS);
    expect_err("access W_OK", access(at("dir/file"), W_OK), EROFS);
    expect_ok("access R_OK", access(at("dir/file"), R_OK));
    /* An existing file opened O_CREAT without O_EXCL is only opened. */
    fd = open(at("dir/file"), O_CREAT | O_RDONLY, 0644);
    expect_ok("O_CREAT on an existing file, read-only", fd);
    close(fd);
}

static void permissions(void) {
    char buf[32] = {0};
    expect_err("open a mode-000 file", open(at("dir/secret"), O_RDONLY), EACCES);
    expect_err("open a 0444 file for writing", open(at("dir/file"), O_WRONLY), EACCES);
    int fd = open(at("dir/file"), O_RDONLY);
    expect_ok("open the 0444 file for reading", fd);
    expect_ok("read it", read(fd, buf, sizeof buf));
    printf("  %s", buf);
    close(fd);
    expect_err("create in a directory of another user",
               open(at("dir/new"), O_CREAT | O_WRONLY, 0644), EACCES);
    expect_err("mkdir there", mkdir(at("dir/sub"), 0755), EACCES);
    expect_err("unlink there", unlink(at("dir/file")), EACCES);
    expect_err("rename there", rename(at("dir/file"), at("dir/moved")), EACCES);
    expect_err("chmod a file of another user", chmod(at("dir/file"), 0666), EPERM);
    expect_err("opendir a 0700 directory of another user", (long)(opendir(at("closed")) ? 0 : -1),
               EACCES);
    expect_err("stat inside it", stat(at("closed/x"), &(struct stat){0}), EACCES);
    /* Where the user may write, it can. */
    fd = open(at("open/mine"), O_CREAT | O_WRONLY, 0600);
    expect_ok("create in a 0777 directory", fd);
    expect_ok("write there", write(fd, "x", 1));
    close(fd);
    expect_ok("unlink it", unlink(at("open/mine")));
}

int main(int argc, char** argv) {
    if (argc == 4 && !strcmp(argv[1], "--make-input")) {
        base_dir = argv[3];
        return make_input(argv[2]);
    }
    if (argc != 3) {
        fprintf(stderr, "usage: p9_access ro|perm DIR\n");
        return 2;
    }
    base_dir = argv[2];
    if (!strcmp(argv[1], "ro"))
        read_only();
    else
        permissions();
    printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
