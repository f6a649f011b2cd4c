/* mount(2) and umount2(2) of 9p in the guest, as on a Linux guest: the
 * share's tag (argv[2]) mounted a second time, read-only, with Linux's 9p
 * options; statfs's type; an unknown tag; a bad msize. argv[1] is where
 * ukrun mounted the same tag read-write. Each check says what Linux does. */
#define _GNU_SOURCE
#include "p9.h"

#include <sys/mount.h>
#include <sys/statfs.h>

static void expect(const char* what, long r, int want_errno) {
    int e = r < 0 ? errno : 0;
    printf("%s: %s\n", what, r < 0 ? errname(e) : "ok");
    if ((want_errno == 0) != (r >= 0) || (r < 0 && e != want_errno)) {
        printf("  FAILED: want %s\n", want_errno ? errname(want_errno) : "ok");
        failures++;
    }
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: p9_mount SHARE TAG\n");
        return 2;
    }
    base_dir = argv[1];
    const char* tag = argv[2];
    int fd = open(at("written-through-the-first"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    expect("create through the first mount", fd, 0);
    expect("write", write(fd, "shared\n", 7), 0);
    close(fd);

    struct statfs sf;
    expect("statfs", statfs(base_dir, &sf), 0);
    check("f_type is V9FS_MAGIC", sf.f_type == 0x01021997, "another type");

    expect("mkdir /again", mkdir("/again", 0755), 0);
    expect("mount the tag again, read-only",
           mount(tag, "/again", "9p", MS_RDONLY, "trans=virtio,version=9p2000.L,msize=65536"), 0);
    char buf[16] = {0};
    fd = open("/again/written-through-the-first", O_RDONLY);
    expect("open the file through the second", fd, 0);
    check("same contents", read(fd, buf, sizeof buf) == 7 && !strcmp(buf, "shared\n"), buf);
    expect("umount while a file is open", umount2("/again", 0), EBUSY);
    close(fd);
    expect("write through the second", open("/again/new", O_CREAT | O_WRONLY, 0644), EROFS);
    struct stat a, b;
    stat(at("written-through-the-first"), &a);
    stat("/again/written-through-the-first", &b);
    check("same inode number", a.st_ino == b.st_ino, "differ");
    check("different devices", a.st_dev != b.st_dev, "same");
    expect("umount", umount2("/again", 0), 0);
    expect("gone", access("/again/written-through-the-first", F_OK), ENOENT);
    expect("mount an unknown tag", mount("no-such-tag", "/again", "9p", 0, ""), ENODEV);
    expect("mount with a bad msize", mount(tag, "/again", "9p", 0, "msize=12x"), EINVAL);
    expect("mount as 9pfs", mount(tag, "/again", "9pfs", 0, ""), 0);
    expect("  and a directory listing there", access("/again/written-through-the-first", R_OK), 0);
    expect("umount it", umount2("/again", 0), 0);
    printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
