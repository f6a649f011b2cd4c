/* Supplementary groups (getgroups/setgroups) and the nice value
 * (getpriority/setpriority) of the one process: each result and errno as
 * the same program, run as root, prints them on Linux. */
//! run: --
//! status: 0
//! native
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void show(const char *what, long r) {
    if (r < 0)
        printf("%s -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s %ld\n", what, r);
}

int main(void) {
    gid_t set[3] = {5, 100, 7}, got[8];
    show("setgroups", setgroups(3, set));
    show("count", getgroups(0, NULL));
    memset(got, 0xff, sizeof got);
    int n = getgroups(8, got);
    printf("getgroups %d:", n);
    for (int i = 0; i < n; i++)
        printf(" %u", got[i]);
    printf("\n");
    show("too small", getgroups(2, got));
    show("negative", syscall(115, -1, got));
    show("bad pointer", syscall(115, 8, 8L));
    show("set bad pointer", setgroups(2, (gid_t *)8));
    show("set negative", syscall(116, -1, set));
    show("setgroups none", setgroups(0, NULL));
    show("count", getgroups(0, NULL));

    errno = 0;
    show("setpriority 5", setpriority(PRIO_PROCESS, 0, 5));
    errno = 0;
    printf("getpriority %d %d\n", getpriority(PRIO_PROCESS, 0), errno);
    printf("getpriority pid %d\n", getpriority(PRIO_PROCESS, getpid()));
    printf("raw 20 - nice %ld\n", syscall(140, PRIO_PROCESS, 0));
    show("setpriority 40", setpriority(PRIO_PROCESS, 0, 40));
    printf("clamped %d\n", getpriority(PRIO_PROCESS, 0));
    show("setpriority -30", setpriority(PRIO_PROCESS, 0, -30));
    printf("clamped %d\n", getpriority(PRIO_PROCESS, 0));
    show("setpriority 0", setpriority(PRIO_PROCESS, 0, 0));
    errno = 0;
    int p = getpriority(PRIO_PROCESS, 0);
    printf("zero %d %d\n", p, errno);
    errno = 0;
    p = getpriority(7, 0);
    printf("bad which %d %s\n", p, strerrorname_np(errno));
    errno = 0;
    p = getpriority(PRIO_PROCESS, 999999);
    printf("no such process %d %s\n", p, strerrorname_np(errno));
    show("set no such process", setpriority(PRIO_PROCESS, 999999, 1));
    show("set bad which", setpriority(9, 0, 1));
    return 0;
}
