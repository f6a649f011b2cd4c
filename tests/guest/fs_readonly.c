/* A read-only mount: every call that would change it fails with EROFS, in
 * Linux's order of checks, while reading works; remounting and unmounting
 * as Linux allows. (The same program run as root in a private mount
 * namespace on Linux, `unshare -m`, prints the same lines.) */
//! run: --
//! status: 0
//! expect: mount: 0
//! expect: remount ro: 0
//! expect: open O_WRONLY: EROFS
//! expect: open O_RDWR: EROFS
//! expect: open O_RDONLY|O_TRUNC: EROFS
//! expect: open O_CREAT new: EROFS
//! expect: open O_CREAT existing O_RDONLY: 0
//! expect: open O_RDONLY: 0
//! expect: read: 5
//! expect: mkdir: EROFS
//! expect: mkdir existing: EEXIST
//! expect: rmdir: EROFS
//! expect: unlink: EROFS
//! expect: unlink missing: EROFS
//! expect: rename: EROFS
//! expect: link: EROFS
//! expect: symlink: EROFS
//! expect: chmod: EROFS
//! expect: chown: EROFS
//! expect: utimensat: EROFS
//! expect: truncate: EROFS
//! expect: access W_OK: EROFS
//! expect: access R_OK: 0
//! expect: mknod fifo: EROFS
//! expect: statfs ST_RDONLY: 1
//! expect: umount busy: EBUSY
//! expect: remount rw: 0
//! expect: write after remount: 0
//! expect: umount: 0
//! expect: gone: ENOENT
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static const char* en(long r) {
    if (r >= 0)
        return "0";
    switch (errno) {
    case EROFS: return "EROFS";
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    default: return "other";
    }
}

#define SHOW(what, expr)                                                                           \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long r_ = (long)(expr);                                                                    \
        printf("%s: %s\n", what, en(r_));                                                          \
    } while (0)

int main(void) {
    const char* m = "/tmp/uk-ro";
    mkdir(m, 0755);
    SHOW("mount", mount("none", m, "tmpfs", 0, ""));
    int fd = open("/tmp/uk-ro/f", O_CREAT | O_RDWR, 0644);
    write(fd, "hello", 5);
    close(fd);
    mkdir("/tmp/uk-ro/d", 0755);
    SHOW("remount ro", mount("none", m, "tmpfs", MS_REMOUNT | MS_RDONLY, ""));
    SHOW("open O_WRONLY", open("/tmp/uk-ro/f", O_WRONLY));
    SHOW("open O_RDWR", open("/tmp/uk-ro/f", O_RDWR));
    SHOW("open O_RDONLY|O_TRUNC", open("/tmp/uk-ro/f", O_RDONLY | O_TRUNC));
    SHOW("open O_CREAT new", open("/tmp/uk-ro/new", O_CREAT | O_RDWR, 0644));
    int c = open("/tmp/uk-ro/f", O_CREAT | O_RDONLY, 0644);
    SHOW("open O_CREAT existing O_RDONLY", c < 0 ? c : 0);
    close(c);
    fd = open("/tmp/uk-ro/f", O_RDONLY);
    SHOW("open O_RDONLY", fd < 0 ? fd : 0);
    char buf[8];
    printf("read: %ld\n", (long)pread(fd, buf, sizeof buf, 0));
    SHOW("mkdir", mkdir("/tmp/uk-ro/d2", 0755));
    SHOW("mkdir existing", mkdir("/tmp/uk-ro/d", 0755));
    SHOW("rmdir", rmdir("/tmp/uk-ro/d"));
    SHOW("unlink", unlink("/tmp/uk-ro/f"));
    SHOW("unlink missing", unlink("/tmp/uk-ro/missing"));
    SHOW("rename", rename("/tmp/uk-ro/f", "/tmp/uk-ro/g"));
    SHOW("link", link("/tmp/uk-ro/f", "/tmp/uk-ro/h"));
    SHOW("symlink", symlink("f", "/tmp/uk-ro/s"));
    SHOW("chmod", chmod("/tmp/uk-ro/f", 0600));
    SHOW("chown", chown("/tmp/uk-ro/f", 1, 1));
    SHOW("utimensat", utimensat(AT_FDCWD, "/tmp/uk-ro/f", NULL, 0));
    SHOW("truncate", truncate("/tmp/uk-ro/f", 0));
    SHOW("access W_OK", access("/tmp/uk-ro/f", W_OK));
    SHOW("access R_OK", access("/tmp/uk-ro/f", R_OK));
    SHOW("mknod fifo", mknod("/tmp/uk-ro/p", S_IFIFO | 0644, 0));
    struct statvfs sv;
    statvfs(m, &sv);
    printf("statfs ST_RDONLY: %d\n", (sv.f_flag & ST_RDONLY) != 0);
    SHOW("umount busy", umount(m));
    close(fd);
    SHOW("remount rw", mount("none", m, "tmpfs", MS_REMOUNT, ""));
    fd = open("/tmp/uk-ro/f", O_WRONLY | O_APPEND);
    SHOW("write after remount", write(fd, "!", 1) == 1 ? 0 : -1);
    close(fd);
    SHOW("umount", umount(m));
    SHOW("gone", access("/tmp/uk-ro/f", F_OK));
    rmdir(m);
    return 0;
}
