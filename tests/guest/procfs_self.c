/* /proc/self as runtimes and libraries read it: stat, status, statm, maps,
 * cmdline, environ, auxv, exe, comm, fd/ and fdinfo/, cwd, mounts, limits
 * and task/. Values are checked against what the process knows of itself
 * (getpid, argv, its own addresses, sigprocmask...), formats against
 * Linux's; every line printed is what the same program prints on Linux. */
//! run: -- one "two words" three
//! native
//! status: 0
//! expect: self ok
//! expect: thread-self ok
//! expect: stat fields 52
//! expect: stat ids ok
//! expect: stat layout ok
//! expect: comm ok
//! expect: comm write hello~~ ESPIPE
//! expect: status names ok
//! expect: status ids ok
//! expect: umask 0027
//! expect: status memory ok
//! expect: status signals ok
//! expect: status cpus ok
//! expect: statm ok
//! expect: maps format ok
//! expect: maps places ok
//! expect: maps split rw-p ---p rw-p
//! expect: maps file ok
//! expect: cmdline ok
//! expect: environ ok
//! expect: auxv ok
//! expect: exe ok
//! expect: fd null /dev/null
//! expect: fd file /tmp/procfs_self/f
//! expect: fd dir /tmp/procfs_self
//! expect: fd modes 500 300 700
//! expect: fd follow ok
//! expect: fd list ok
//! expect: fdinfo ok
//! expect: pipe link ok
//! expect: cwd /tmp/procfs_self
//! expect: cwd follow ok
//! expect: root /
//! expect: fchmodat nofollow ok
//! expect: mounts ok
//! expect: Limit                     Soft Limit           Hard Limit           Units     
//! expect: limits ok
//! expect: task ok
//! expect: thread comm worker
//! expect: thread stat ok
//! expect: chunks ok
//! expect: seq semantics EINVAL 5 EINVAL size 0 mode 100444
//! expect: procfs self done 0
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

extern char** environ;

static int failures;
static char buf[65536];
static int global_var = 42;

static void check(const char* what, int ok) {
    printf("%s %s\n", what, ok ? "ok" : "FAILED");
    failures += !ok;
}

// The whole file into buf (NUL-terminated); its length, or -1.
static long slurp(const char* path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long total = 0, n;
    while ((n = read(fd, buf + total, sizeof buf - 1 - total)) > 0)
        total += n;
    close(fd);
    buf[total] = 0;
    return n < 0 ? -1 : total;
}

static long tid(void) {
    return syscall(SYS_gettid);
}

// The value after "Name:\t" in status text.
static const char* field(const char* text, const char* name) {
    size_t n = strlen(name);
    for (const char* p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        if (!strncmp(p, name, n) && p[n] == ':' && p[n + 1] == '\t')
            return p + n + 2;
    return NULL;
}

static void check_stat(int argc, char** argv) {
    long n = slurp("/proc/self/stat");
    char* close_paren = strrchr(buf, ')');
    if (n <= 0 || !close_paren) {
        check("stat", 0);
        return;
    }
    // Fields 3.. after the comm.
    unsigned long f[53] = {0};
    char state = 0;
    int count = 2;
    char* p = close_paren + 2;
    state = *p;
    count++;
    p += 2;
    while (*p && *p != '\n') {
        char* end;
        long long v = strtoll(p, &end, 10);
        count++;
        if (count < 53)
            f[count] = (unsigned long)v;
        p = end;
        while (*p == ' ')
            p++;
    }
    printf("stat fields %d\n", count);
    long pid = strtol(buf, NULL, 10);
    check("stat ids", pid == getpid() && state == 'R' && (long)f[4] == getppid() &&
                          (long)f[5] == getpgrp() && (long)f[6] == getsid(0) && f[20] == 1 &&
                          f[38] == SIGCHLD);
    int local;
    size_t last = strlen(argv[argc - 1]);
    int env_ok = environ[0] ? f[50] == (unsigned long)environ[0] : f[50] == f[51];
    check("stat layout", f[23] > 0 && f[24] > 0 && f[26] <= (unsigned long)&check_stat &&
                             (unsigned long)&check_stat < f[27] &&
                             (unsigned long)&local < f[28] && f[47] <= (unsigned long)sbrk(0) &&
                             f[48] == (unsigned long)argv[0] &&
                             f[49] == (unsigned long)argv[argc - 1] + last + 1 && env_ok);
}

static void check_comm(void) {
    char name[16] = {0}, from_stat[64] = {0};
    prctl(PR_GET_NAME, name);
    slurp("/proc/self/stat");
    char* open_paren = strchr(buf, '(');
    char* close_paren = strrchr(buf, ')');
    if (open_paren && close_paren && close_paren - open_paren < 60)
        memcpy(from_stat, open_paren + 1, close_paren - open_paren - 1);
    slurp("/proc/self/comm");
    int ok = !strcmp(from_stat, name) && strlen(buf) == strlen(name) + 1 &&
             !strncmp(buf, name, strlen(name)) && buf[strlen(name)] == '\n';
    slurp("/proc/self/status");
    const char* st = field(buf, "Name");
    ok = ok && st && !strncmp(st, name, strlen(name)) && st[strlen(name)] == '\n';
    check("comm", ok);
    // Linux keeps what was written, newline included (shown as ~); no
    // pwrite.
    int fd = open("/proc/self/comm", O_WRONLY);
    long w = write(fd, "hello\n", 6);
    errno = 0;
    long pw = pwrite(fd, "x", 1, 0);
    int pe = errno;
    close(fd);
    slurp("/proc/self/comm");
    printf("comm write ");
    for (char* c = buf; *c; c++)
        putchar(*c == '\n' ? '~' : *c);
    printf(" %s\n", w == 6 && pw == -1 && pe == ESPIPE ? "ESPIPE" : "FAILED");
    prctl(PR_SET_NAME, name);
}

static void check_status(void) {
    static const char* names[] = {
        "Name",          "Umask",          "State",         "Tgid",
        "Ngid",          "Pid",            "PPid",          "TracerPid",
        "Uid",           "Gid",            "FDSize",        "Groups",
        "NStgid",        "NSpid",          "NSpgid",        "NSsid",
        "VmPeak",        "VmSize",         "VmLck",         "VmPin",
        "VmHWM",         "VmRSS",          "RssAnon",       "RssFile",
        "RssShmem",      "VmData",         "VmStk",         "VmExe",
        "VmLib",         "VmPTE",          "VmSwap",        "HugetlbPages",
        "CoreDumping",   "THP_enabled",    "Threads",       "SigQ",
        "SigPnd",        "ShdPnd",         "SigBlk",        "SigIgn",
        "SigCgt",        "CapInh",         "CapPrm",        "CapEff",
        "CapBnd",        "CapAmb",         "NoNewPrivs",    "Seccomp",
        "Seccomp_filters", "Cpus_allowed", "Cpus_allowed_list", "Mems_allowed",
        "Mems_allowed_list", "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"};
    umask(027);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {0};
    sa.sa_handler = (void (*)(int))check;
    sigaction(SIGUSR2, &sa, NULL);
    slurp("/proc/self/status");

    // Each name in Linux's order, each line "Name:\t".
    const char* at = buf;
    int ok = 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char key[64];
        snprintf(key, sizeof key, "\n%s:\t", names[i]);
        const char* found = i == 0 ? (strncmp(buf, "Name:\t", 6) ? NULL : buf) : strstr(at, key);
        if (!found) {
            printf("status: %s missing or out of order\n", names[i]);
            ok = 0;
            break;
        }
        at = found + 1;
    }
    check("status names", ok);

    char want[64];
    snprintf(want, sizeof want, "%d\n", getpid());
    const char* pid = field(buf, "Pid");
    const char* tgid = field(buf, "Tgid");
    const char* ppid = field(buf, "PPid");
    char ppid_want[32], ids[64];
    snprintf(ppid_want, sizeof ppid_want, "%d\n", getppid());
    snprintf(ids, sizeof ids, "%d\t%d\t%d\t%d\n", getuid(), geteuid(), getuid(), getuid());
    const char* uid = field(buf, "Uid");
    check("status ids", pid && !strncmp(pid, want, strlen(want)) && tgid &&
                            !strncmp(tgid, want, strlen(want)) && ppid &&
                            !strncmp(ppid, ppid_want, strlen(ppid_want)) && uid &&
                            !strncmp(uid, ids, strlen(ids)) &&
                            !strncmp(field(buf, "State"), "R (running)\n", 12) &&
                            !strncmp(field(buf, "Threads"), "1\n", 2));
    const char* um = field(buf, "Umask");
    printf("umask %.4s\n", um ? um : "none");

    // Sizes: "%8lu kB", right-aligned in eight columns.
    ok = 1;
    unsigned long size = 0, rss = 0, stk = 0, exe = 0;
    const char* vm[] = {"VmPeak", "VmSize", "VmLck", "VmRSS", "VmData", "VmStk", "VmExe"};
    for (size_t i = 0; i < sizeof vm / sizeof vm[0]; i++) {
        const char* v = field(buf, vm[i]);
        const char* nl = v ? strchr(v, '\n') : NULL;
        unsigned long x = 0;
        if (!v || !nl || sscanf(v, "%lu kB", &x) != 1 || strncmp(nl - 3, " kB", 3) ||
            (x < 10000000 && nl - v != 11)) {
            printf("status: %s badly formatted\n", vm[i]);
            ok = 0;
        }
        if (!strcmp(vm[i], "VmSize"))
            size = x;
        if (!strcmp(vm[i], "VmRSS"))
            rss = x;
        if (!strcmp(vm[i], "VmStk"))
            stk = x;
        if (!strcmp(vm[i], "VmExe"))
            exe = x;
    }
    check("status memory", ok && rss > 0 && size >= rss && stk > 0 && exe > 0);

    unsigned long long blk = 0, ign = 0, cgt = 0;
    const char* sb = field(buf, "SigBlk");
    const char* si = field(buf, "SigIgn");
    const char* sc = field(buf, "SigCgt");
    ok = sb && si && sc && strchr(sb, '\n') - sb == 16 && sscanf(sb, "%llx", &blk) == 1 &&
         sscanf(si, "%llx", &ign) == 1 && sscanf(sc, "%llx", &cgt) == 1;
    check("status signals", ok && (blk & (1ull << (SIGUSR1 - 1))) &&
                                !(blk & (1ull << (SIGUSR2 - 1))) &&
                                (ign & (1ull << (SIGPIPE - 1))) &&
                                (cgt & (1ull << (SIGUSR2 - 1))) &&
                                !(cgt & (1ull << (SIGPIPE - 1))));
    sigprocmask(SIG_UNBLOCK, &set, NULL);

    // Cpus_allowed_list names the CPUs sched_getaffinity gives.
    cpu_set_t cpus;
    sched_getaffinity(0, sizeof cpus, &cpus);
    const char* list = field(buf, "Cpus_allowed_list");
    int count = 0;
    while (list && *list && *list != '\n') {
        int lo = (int)strtol(list, (char**)&list, 10), hi = lo;
        if (*list == '-')
            hi = (int)strtol(list + 1, (char**)&list, 10);
        count += hi - lo + 1;
        if (*list == ',')
            list++;
    }
    check("status cpus", count == CPU_COUNT(&cpus));
}

static void check_statm(void) {
    slurp("/proc/self/status");
    unsigned long vmsize = 0;
    sscanf(field(buf, "VmSize"), "%lu", &vmsize);
    slurp("/proc/self/statm");
    unsigned long v[7];
    int n = sscanf(buf, "%lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                   &v[6]);
    long kb = (long)(v[0] * (sysconf(_SC_PAGESIZE) / 1024)) - (long)vmsize;
    check("statm", n == 7 && v[1] > 0 && v[1] <= v[0] && kb > -1024 && kb < 1024 &&
                       buf[strlen(buf) - 1] == '\n');
}

struct Map {
    unsigned long lo, hi;
    char perms[5];
    char path[256];
};

static int read_maps(struct Map* maps, int cap) {
    slurp("/proc/self/maps");
    int n = 0;
    char* line = buf;
    while (*line && n < cap) {
        char* nl = strchr(line, '\n');
        if (!nl)
            return -1;
        *nl = 0;
        struct Map* m = &maps[n];
        unsigned long off, ino;
        unsigned maj, min;
        int used = 0;
        if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &m->lo, &m->hi, m->perms, &off, &maj, &min,
                   &ino, &used) != 7)
            return -1;
        m->path[0] = 0;
        if (line[used]) {
            // The name starts in column 73, as Linux pads it.
            if (used != 73 || strlen(line + used) >= sizeof m->path)
                return -1;
            strcpy(m->path, line + used);
        }
        n++;
        line = nl + 1;
    }
    return n;
}

static struct Map maps[512];

static const struct Map* map_of(int n, const void* addr) {
    for (int i = 0; i < n; i++)
        if ((unsigned long)addr >= maps[i].lo && (unsigned long)addr < maps[i].hi)
            return &maps[i];
    return NULL;
}

static void check_maps(void) {
    int n = read_maps(maps, 512);
    int ok = n > 0;
    for (int i = 0; ok && i < n; i++) {
        const char* p = maps[i].perms;
        ok = maps[i].lo < maps[i].hi && (i == 0 || maps[i - 1].hi <= maps[i].lo) &&
             strlen(p) == 4 && (p[0] == 'r' || p[0] == '-') && (p[1] == 'w' || p[1] == '-') &&
             (p[2] == 'x' || p[2] == '-') && (p[3] == 'p' || p[3] == 's');
    }
    check("maps format", ok);

    char exe[256];
    long len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = 0;
    int local = 0;
    const struct Map* text = map_of(n, (void*)&check_maps);
    const struct Map* stack = map_of(n, &local);
    const struct Map* data = map_of(n, &global_var);
    check("maps places", text && text->perms[2] == 'x' && !strcmp(text->path, exe) && stack &&
                             !strcmp(stack->path, "[stack]") && data && data->perms[0] == 'r' &&
                             data->perms[1] == 'w');

    // Three pages, the middle one made inaccessible: three ranges.
    char* want = (char*)0x200000000000ul;
    char* m = mmap(want, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
                   MAP_FIXED_NOREPLACE, -1, 0);
    mprotect(m + 4096, 4096, PROT_NONE);
    n = read_maps(maps, 512);
    const struct Map* a = map_of(n, m);
    const struct Map* b = map_of(n, m + 4096);
    const struct Map* c = map_of(n, m + 8192);
    if (m == want && a && b && c && a->lo == (unsigned long)m && a->hi == b->lo &&
        b->hi == c->lo && c->hi == (unsigned long)m + 3 * 4096 && !a->path[0] && !b->path[0])
        printf("maps split %s %s %s\n", a->perms, b->perms, c->perms);
    else
        check("maps split", 0);
    munmap(m, 3 * 4096);

    // A file's pages: its path, offset, device and inode.
    int fd = open("/tmp/procfs_maps", O_RDWR | O_CREAT | O_TRUNC, 0600);
    int ok_file = fd >= 0 && ftruncate(fd, 3 * 4096) == 0;
    char* fm = ok_file ? mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd, 4096) : MAP_FAILED;
    struct stat st;
    fstat(fd, &st);
    ok_file = ok_file && fm != MAP_FAILED && fm[0] == 0;
    char line[512] = "";
    snprintf(line, sizeof line, "%08lx-%08lx r--s 00001000 %02x:%02x %lu", (unsigned long)fm,
             (unsigned long)fm + 2 * 4096, major(st.st_dev), minor(st.st_dev),
             (unsigned long)st.st_ino);
    slurp("/proc/self/maps");
    char* at = ok_file ? strstr(buf, line) : NULL;
    char* nl = at ? strchr(at, '\n') : NULL;
    ok_file = at && nl && nl - at > 73 && !strncmp(at + 73, "/tmp/procfs_maps\n", 17);
    check("maps file", ok_file);
    if (fm != MAP_FAILED)
        munmap(fm, 2 * 4096);
    close(fd);
    unlink("/tmp/procfs_maps");
}

static void check_strings(int argc, char** argv, char** env_at_start) {
    long n = slurp("/proc/self/cmdline");
    long at = 0;
    int ok = n > 0;
    for (int i = 0; ok && i < argc; i++) {
        ok = !strcmp(buf + at, argv[i]);
        at += strlen(argv[i]) + 1;
    }
    check("cmdline", ok && at == n);
    n = slurp("/proc/self/environ");
    at = 0;
    ok = n >= 0;
    for (char** e = env_at_start; ok && *e; e++) {
        ok = !strcmp(buf + at, *e);
        at += strlen(*e) + 1;
    }
    check("environ", ok && at == n);

    n = slurp("/proc/self/auxv");
    unsigned long* av = (unsigned long*)buf;
    ok = n > 0 && n % 16 == 0 && av[n / 8 - 2] == AT_NULL;
    int seen = 0;
    for (long i = 0; ok && i + 1 < n / 8; i += 2) {
        if (av[i] == AT_PAGESZ)
            seen |= 1, ok = av[i + 1] == getauxval(AT_PAGESZ) && av[i + 1] == 4096;
        if (av[i] == AT_ENTRY)
            seen |= 2, ok = av[i + 1] == getauxval(AT_ENTRY);
        if (av[i] == AT_RANDOM)
            seen |= 4, ok = av[i + 1] == getauxval(AT_RANDOM);
    }
    check("auxv", ok && seen == 7);

    char exe[256];
    long len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = 0;
    const char* base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    const char* exe_base = strrchr(exe, '/');
    check("exe", len > 1 && exe[0] == '/' && exe_base && !strcmp(exe_base + 1, base));
}

static void link_text(const char* path, char* out, size_t cap) {
    long n = readlink(path, out, cap - 1);
    out[n > 0 ? n : 0] = 0;
}

static void check_fds(void) {
    char path[64], l[256];
    mkdir("/tmp/procfs_self", 0755);
    int null_fd = open("/dev/null", O_RDONLY);
    int file_fd = open("/tmp/procfs_self/f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int dir_fd = open("/tmp/procfs_self", O_RDONLY | O_DIRECTORY);
    int rw_fd = open("/tmp/procfs_self/f", O_RDWR | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/self/fd/%d", null_fd);
    link_text(path, l, sizeof l);
    printf("fd null %s\n", l);
    snprintf(path, sizeof path, "/proc/self/fd/%d", file_fd);
    link_text(path, l, sizeof l);
    printf("fd file %s\n", l);
    snprintf(path, sizeof path, "/proc/self/fd/%d", dir_fd);
    link_text(path, l, sizeof l);
    printf("fd dir %s\n", l);

    struct stat s1, s2, s3;
    snprintf(path, sizeof path, "/proc/self/fd/%d", null_fd);
    lstat(path, &s1);
    snprintf(path, sizeof path, "/proc/self/fd/%d", file_fd);
    lstat(path, &s2);
    snprintf(path, sizeof path, "/proc/self/fd/%d", rw_fd);
    lstat(path, &s3);
    printf("fd modes %o %o %o\n", s1.st_mode & 0777, s2.st_mode & 0777, s3.st_mode & 0777);
    int ok = S_ISLNK(s1.st_mode) && stat(path, &s1) == 0 && fstat(rw_fd, &s2) == 0 &&
             s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev;
    check("fd follow", ok);

    // The listing is the open fds, the directory's own included.
    DIR* d = opendir("/proc/self/fd");
    static int open_fds[1024], listed[1024];
    for (int fd = 0; fd < 1024; fd++)
        open_fds[fd] = fcntl(fd, F_GETFD) >= 0;
    struct dirent* e;
    ok = d != NULL;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        int fd = atoi(e->d_name);
        if (fd >= 0 && fd < 1024)
            listed[fd] = 1;
        else
            ok = 0;
        ok = ok && e->d_type == DT_LNK;
    }
    closedir(d);
    check("fd list", ok && !memcmp(open_fds, listed, sizeof listed));

    lseek(rw_fd, 3, SEEK_SET);
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", rw_fd);
    slurp(path);
    unsigned long flags = 0;
    const char* fl = field(buf, "flags");
    ok = !strncmp(buf, "pos:\t3\nflags:\t0", 15) && fl && sscanf(fl, "%lo", &flags) == 1 &&
         (flags & O_ACCMODE) == O_RDWR && (flags & O_CLOEXEC) && field(buf, "mnt_id");
    check("fdinfo", ok);

    int p[2];
    if (pipe(p) == 0) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
        link_text(path, l, sizeof l);
        struct stat ps;
        fstat(p[0], &ps);
        char want[64];
        snprintf(want, sizeof want, "pipe:[%lu]", (unsigned long)ps.st_ino);
        check("pipe link", !strcmp(l, want));
        close(p[0]);
        close(p[1]);
    } else {
        check("pipe link", 0);
    }

    chdir("/tmp/procfs_self");
    link_text("/proc/self/cwd", l, sizeof l);
    printf("cwd %s\n", l);
    int f2 = open("/proc/self/cwd/f2", O_CREAT | O_WRONLY, 0600);
    check("cwd follow", f2 >= 0 && access("/tmp/procfs_self/f2", F_OK) == 0);
    close(f2);
    chdir("/");
    link_text("/proc/self/root", l, sizeof l);
    printf("root %s\n", l);

    // musl's fchmodat with AT_SYMLINK_NOFOLLOW changes the file through
    // /proc/self/fd/N of an O_PATH fd.
    struct stat ms;
    ok = fchmodat(AT_FDCWD, "/tmp/procfs_self/f", 0640, AT_SYMLINK_NOFOLLOW) == 0 &&
         stat("/tmp/procfs_self/f", &ms) == 0 && (ms.st_mode & 07777) == 0640;
    check("fchmodat nofollow", ok);

    close(null_fd);
    close(file_fd);
    close(dir_fd);
    close(rw_fd);
    unlink("/tmp/procfs_self/f");
    unlink("/tmp/procfs_self/f2");
    rmdir("/tmp/procfs_self");
}

static void check_mounts(void) {
    char l[64];
    link_text("/proc/mounts", l, sizeof l);
    int ok = !strcmp(l, "self/mounts") && slurp("/proc/mounts") > 0;
    int seen = 0;
    for (char* line = strtok(buf, "\n"); ok && line; line = strtok(NULL, "\n")) {
        char src[256], dir[256], type[64], opts[256];
        int a, b;
        if (sscanf(line, "%255s %255s %63s %255s %d %d", src, dir, type, opts, &a, &b) != 6) {
            ok = 0;
            break;
        }
        if (!strcmp(dir, "/proc"))
            seen |= !strcmp(type, "proc");
        if (!strcmp(dir, "/sys"))
            seen |= !strcmp(type, "sysfs") << 1;
        if (!strcmp(dir, "/dev"))
            seen |= !strcmp(type, "devtmpfs") << 2;
        ok = !strncmp(opts, "rw", 2) || !strncmp(opts, "ro", 2);
    }
    slurp("/proc/self/mountinfo");
    ok = ok && strstr(buf, " /proc ") && strstr(buf, " - proc ");
    check("mounts", ok && seen == 7);
}

static void check_limits(void) {
    slurp("/proc/self/limits");
    char* nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    printf("%s\n", buf);
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    char want[128];
    snprintf(want, sizeof want, "\nMax open files            %-20lu %-20lu files     \n",
             (unsigned long)r.rlim_cur, (unsigned long)r.rlim_max);
    if (nl)
        *nl = '\n';
    check("limits", strstr(buf, want) != NULL);
}

static pthread_barrier_t barrier;
static long worker_tid;

static void* worker(void* arg) {
    (void)arg;
    worker_tid = tid();
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    return NULL;
}

static int task_list(long* out, int cap) {
    DIR* d = opendir("/proc/self/task");
    struct dirent* e;
    int n = 0;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' && n < cap)
            out[n++] = atol(e->d_name);
    closedir(d);
    return n;
}

static void check_tasks(void) {
    long tids[8];
    int n = task_list(tids, 8);
    char l[64], want[64];
    link_text("/proc/thread-self", l, sizeof l);
    snprintf(want, sizeof want, "%d/task/%ld", getpid(), tid());
    int ok = n == 1 && tids[0] == tid() && !strcmp(l, want);
    pthread_t t;
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_create(&t, NULL, worker, NULL);
    pthread_barrier_wait(&barrier);
    n = task_list(tids, 8);
    ok = ok && n == 2 && ((tids[0] == tid() && tids[1] == worker_tid) ||
                          (tids[1] == tid() && tids[0] == worker_tid));
    slurp("/proc/self/status");
    ok = ok && !strncmp(field(buf, "Threads"), "2\n", 2);
    check("task", ok);
    pthread_setname_np(t, "worker");
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/comm", worker_tid);
    slurp(path);
    char* nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    printf("thread comm %s\n", buf);
    char name[16] = {0};
    pthread_getname_np(t, name, sizeof name);
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", worker_tid);
    slurp(path);
    char stat_want[64];
    snprintf(stat_want, sizeof stat_want, "%ld (worker) ", worker_tid);
    check("thread stat", !strncmp(buf, stat_want, strlen(stat_want)) && !strcmp(name, "worker"));
    pthread_barrier_wait(&barrier);
    pthread_join(t, NULL);
}

static void check_seq(void) {
    // Small reads put together give what one read gives.
    static char whole[8192], parts[8192];
    long n = slurp("/proc/self/limits");
    memcpy(whole, buf, n + 1);
    int fd = open("/proc/self/limits", O_RDONLY);
    long total = 0, k;
    while ((k = read(fd, parts + total, 7)) > 0)
        total += k;
    close(fd);
    check("chunks", total == n && !memcmp(whole, parts, n));

    fd = open("/proc/self/status", O_RDONLY);
    errno = 0;
    long end = lseek(fd, 0, SEEK_END);
    int end_e = errno;
    long set = lseek(fd, 5, SEEK_SET);
    struct stat st;
    fstat(fd, &st);
    close(fd);
    fd = open("/proc/self/stat", O_WRONLY);
    errno = 0;
    long w = write(fd, "x", 1);
    int w_e = errno;
    close(fd);
    printf("seq semantics %s %ld %s size %ld mode %o\n",
           end == -1 && end_e == EINVAL ? "EINVAL" : "FAILED", set,
           w == -1 && w_e == EINVAL ? "EINVAL" : "FAILED", (long)st.st_size, st.st_mode);
}

int main(int argc, char** argv) {
    // The environment as it was at the start, before stdio or anything
    // else changes it.
    static char* env_at_start[256];
    int ne = 0;
    for (char** e = environ; *e && ne < 255; e++)
        env_at_start[ne++] = *e;
    env_at_start[ne] = NULL;

    char l[64], want[64];
    link_text("/proc/self", l, sizeof l);
    snprintf(want, sizeof want, "%d", getpid());
    check("self", !strcmp(l, want));
    link_text("/proc/thread-self", l, sizeof l);
    snprintf(want, sizeof want, "%d/task/%ld", getpid(), tid());
    check("thread-self", !strcmp(l, want));

    check_stat(argc, argv);
    check_comm();
    check_status();
    check_statm();
    check_maps();
    check_strings(argc, argv, env_at_start);
    check_fds();
    check_mounts();
    check_limits();
    check_tasks();
    check_seq();
    printf("procfs self done %d\n", failures);
    return failures != 0;
}
