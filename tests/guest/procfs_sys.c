/* The system-wide files of /proc and /sys that runtimes read: cpuinfo,
 * meminfo, uptime, stat, loadavg, version, /proc/sys's values, the CPU
 * list libcs count for sysconf(_SC_NPROCESSORS_ONLN) and get_nprocs, and
 * the huge page size. Values that differ between machines (CPU model,
 * memory) are checked for Linux's format and against what the process can
 * learn otherwise (CPUID, sysinfo, uname, clocks); every line printed is
 * what the same program prints on Linux. */
//! run: --
//! native
//! status: 0
//! expect: cpuinfo fields ok
//! expect: cpuinfo count ok
//! expect: cpuinfo vendor ok
//! expect: cpuinfo flags ok
//! expect: meminfo names ok
//! expect: meminfo format ok
//! expect: meminfo values ok
//! expect: uptime ok
//! expect: stat ok
//! expect: loadavg ok
//! expect: version ok
//! expect: ostype Linux
//! expect: kernel ok
//! expect: random ids ok
//! expect: vm ok
//! expect: nprocs ok
//! expect: hpage_pmd_size 2097152
//! expect: proc listing ok
//! expect: proc root 40555 ino 1 magic 9fa0
//! expect: sysfs magic 62656572
//! expect: modes 100444 100400 40500 120777
//! expect: procfs sys done 0
#define _GNU_SOURCE
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int failures;
static char buf[262144];

static void check(const char* what, int ok) {
    printf("%s %s\n", what, ok ? "ok" : "FAILED");
    failures += !ok;
}

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

// The number of CPUs a list such as "0-3,5\n" names, or -1.
static int count_list(const char* s) {
    int count = 0;
    while (*s && *s != '\n') {
        char* end;
        long lo = strtol(s, &end, 10), hi = lo;
        if (end == s)
            return -1;
        s = end;
        if (*s == '-') {
            hi = strtol(s + 1, &end, 10);
            s = end;
        }
        count += (int)(hi - lo + 1);
        if (*s == ',')
            s++;
    }
    return count;
}

static void check_cpuinfo(void) {
    // Field names with Linux's tabs, in Linux's order.
    static const char* fields[] = {
        "processor\t: ",   "vendor_id\t: ",     "cpu family\t: ",  "model\t\t: ",
        "model name\t: ",  "stepping\t: ",      "cpu MHz\t\t: ",   "physical id\t: ",
        "siblings\t: ",    "core id\t\t: ",     "cpu cores\t: ",   "apicid\t\t: ",
        "initial apicid\t: ", "fpu\t\t: ",      "fpu_exception\t: ", "cpuid level\t: ",
        "wp\t\t: ",        "flags\t\t: ",       "bugs\t\t:",       "bogomips\t: ",
        "clflush size\t: ", "cache_alignment\t: ", "address sizes\t: ", "power management:"};
    long n = slurp("/proc/cpuinfo");
    int ok = n > 0 && !strncmp(buf, "processor\t: 0\n", 14);
    const char* at = buf;
    for (size_t i = 0; ok && i < sizeof fields / sizeof fields[0]; i++) {
        const char* f = strstr(at, fields[i]);
        ok = f && (f == buf || f[-1] == '\n');
        if (!ok)
            printf("cpuinfo: '%s' missing or out of order\n", fields[i]);
        at = f ? f : at;
    }
    check("cpuinfo fields", ok);

    int processors = 0;
    for (const char* p = buf; (p = strstr(p, "processor\t: ")); p++)
        processors += p == buf || p[-1] == '\n';
    check("cpuinfo count", processors == sysconf(_SC_NPROCESSORS_ONLN));

    unsigned a = 0, b = 0, c = 0, d = 0;
    __get_cpuid(0, &a, &b, &c, &d);
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    char want[64];
    snprintf(want, sizeof want, "\nvendor_id\t: %s\n", vendor);
    check("cpuinfo vendor", strstr(buf, want) != NULL);

    // Every x86_64 CPU has these; names are single-space separated.
    const char* flags = strstr(buf, "\nflags\t\t: ");
    int have = 0;
    if (flags) {
        flags += 10;
        const char* end = strchr(flags, '\n');
        char line[4096];
        size_t len = end && (size_t)(end - flags) < sizeof line ? (size_t)(end - flags) : 0;
        memcpy(line, flags, len);
        line[len] = 0;
        for (char* w = strtok(line, " "); w; w = strtok(NULL, " ")) {
            static const char* base[] = {"fpu", "sse2", "lm", "cx8"};
            for (int i = 0; i < 4; i++)
                if (!strcmp(w, base[i]))
                    have |= 1 << i;
        }
    }
    check("cpuinfo flags", have == 15);
}

static void check_meminfo(void) {
    static const char* names[] = {
        "MemTotal",    "MemFree",      "MemAvailable",  "Buffers",        "Cached",
        "SwapCached",  "Active",       "Inactive",      "Active(anon)",   "Inactive(anon)",
        "Active(file)", "Inactive(file)", "Unevictable", "Mlocked",       "SwapTotal",
        "SwapFree",    "Dirty",        "Writeback",     "AnonPages",      "Mapped",
        "Shmem",       "KReclaimable", "Slab",          "SReclaimable",   "SUnreclaim",
        "KernelStack", "PageTables",   "NFS_Unstable",  "Bounce",         "WritebackTmp",
        "CommitLimit", "Committed_AS", "VmallocTotal",  "VmallocUsed",    "VmallocChunk",
        "Percpu",      "AnonHugePages", "ShmemHugePages", "ShmemPmdMapped", "FileHugePages",
        "FilePmdMapped", "HugePages_Total", "HugePages_Free", "HugePages_Rsvd",
        "HugePages_Surp", "Hugepagesize", "Hugetlb"};
    slurp("/proc/meminfo");
    int ok = !strncmp(buf, "MemTotal:", 9);
    const char* at = buf;
    for (size_t i = 1; ok && i < sizeof names / sizeof names[0]; i++) {
        char key[64];
        snprintf(key, sizeof key, "\n%s:", names[i]);
        const char* f = strstr(at, key);
        if (!f)
            printf("meminfo: %s missing or out of order\n", names[i]);
        ok = f != NULL;
        at = f ? f : at;
    }
    check("meminfo names", ok);

    // "%-16s%8lu kB": the name padded to 16 columns, the number right-aligned
    // in 8 (wider numbers push on).
    ok = 1;
    for (char* line = buf; *line;) {
        char* nl = strchr(line, '\n');
        if (!nl)
            break;
        size_t len = (size_t)(nl - line);
        char* colon = memchr(line, ':', len);
        size_t digits = 0;
        const char* end = nl;
        int kb = len > 3 && !strncmp(nl - 3, " kB", 3);
        if (kb)
            end -= 3;
        while (end - digits > line && end[-1 - (long)digits] >= '0' && end[-1 - (long)digits] <= '9')
            digits++;
        size_t want = 16 + (digits > 8 ? digits : 8) + (kb ? 3 : 0);
        if (!colon || colon - line > 15 || len != want) {
            printf("meminfo: bad line %.*s\n", (int)len, line);
            ok = 0;
            break;
        }
        line = nl + 1;
    }
    check("meminfo format", ok);

    unsigned long total = 0, free_kb = 0, avail = 0;
    sscanf(strstr(buf, "MemTotal:") + 9, "%lu", &total);
    sscanf(strstr(buf, "MemFree:") + 8, "%lu", &free_kb);
    sscanf(strstr(buf, "MemAvailable:") + 13, "%lu", &avail);
    struct sysinfo si;
    sysinfo(&si);
    check("meminfo values", total == si.totalram * (unsigned long long)si.mem_unit / 1024 &&
                                free_kb <= total && avail <= total && free_kb > 0);
}

static double boottime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check_times(void) {
    slurp("/proc/uptime");
    double now = boottime();
    unsigned long us, uc, is, ic;
    char nl = 0;
    int n = sscanf(buf, "%lu.%2lu %lu.%2lu%c", &us, &uc, &is, &ic, &nl);
    // Two decimals each, as Linux prints them.
    const char* dot = strchr(buf, '.');
    const char* dot2 = dot ? strchr(dot + 1, '.') : NULL;
    double up = (double)us + uc / 100.0;
    check("uptime", n == 5 && nl == '\n' && dot && dot[3] == ' ' && dot2 && dot2[3] == '\n' &&
                        up <= now + 1 && up >= now - 2);

    slurp("/proc/stat");
    int ok = !strncmp(buf, "cpu  ", 5);
    unsigned long v[10];
    ok = ok && sscanf(buf + 5, "%lu %lu %lu %lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2],
                      &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) == 10;
    static const char* lines[] = {"\ncpu0 ", "\nintr ", "\nctxt ", "\nbtime ", "\nprocesses ",
                                  "\nprocs_running ", "\nprocs_blocked ", "\nsoftirq "};
    const char* at = buf;
    for (size_t i = 0; ok && i < sizeof lines / sizeof lines[0]; i++) {
        at = strstr(at, lines[i]);
        ok = at != NULL;
    }
    unsigned long btime = 0, running = 0;
    if (ok) {
        sscanf(strstr(buf, "\nbtime ") + 7, "%lu", &btime);
        sscanf(strstr(buf, "\nprocs_running ") + 15, "%lu", &running);
    }
    long drift = (long)(btime + (unsigned long)now) - (long)time(NULL);
    check("stat", ok && running >= 1 && drift >= -3 && drift <= 3);

    slurp("/proc/loadavg");
    float l1, l5, l15;
    int run, total, last;
    check("loadavg", sscanf(buf, "%f %f %f %d/%d %d", &l1, &l5, &l15, &run, &total, &last) == 6 &&
                         run >= 1 && total >= run && last > 0 && buf[strlen(buf) - 1] == '\n');
}

static int read_line(const char* path, char* out, size_t cap) {
    if (slurp(path) <= 0 || buf[strlen(buf) - 1] != '\n')
        return 0;
    snprintf(out, cap, "%s", buf);
    out[strlen(out) - 1] = 0;
    return 1;
}

static int is_uuid(const char* s) {
    if (strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
            return 0;
    }
    return 1;
}

static void check_sys(void) {
    struct utsname u;
    uname(&u);
    char want[512], got[512];
    snprintf(want, sizeof want, "Linux version %s ", u.release);
    slurp("/proc/version");
    check("version", !strncmp(buf, want, strlen(want)) && buf[strlen(buf) - 1] == '\n');

    read_line("/proc/sys/kernel/ostype", got, sizeof got);
    printf("ostype %s\n", got);
    int ok = read_line("/proc/sys/kernel/osrelease", got, sizeof got) && !strcmp(got, u.release);
    ok = ok && read_line("/proc/sys/kernel/hostname", got, sizeof got) && !strcmp(got, u.nodename);
    ok = ok && read_line("/proc/sys/kernel/version", got, sizeof got) && !strcmp(got, u.version);
    ok = ok && read_line("/proc/sys/kernel/pid_max", got, sizeof got) && atol(got) > 0;
    ok = ok && read_line("/proc/sys/kernel/threads-max", got, sizeof got) && atol(got) > 0;
    check("kernel", ok);

    char id1[64] = "", id2[64] = "", u1[64] = "", u2[64] = "";
    read_line("/proc/sys/kernel/random/boot_id", id1, sizeof id1);
    read_line("/proc/sys/kernel/random/boot_id", id2, sizeof id2);
    read_line("/proc/sys/kernel/random/uuid", u1, sizeof u1);
    read_line("/proc/sys/kernel/random/uuid", u2, sizeof u2);
    check("random ids", is_uuid(id1) && !strcmp(id1, id2) && is_uuid(u1) && is_uuid(u2) &&
                            strcmp(u1, u2) && u1[14] == '4');

    ok = read_line("/proc/sys/vm/overcommit_memory", got, sizeof got) && strlen(got) == 1 &&
         got[0] >= '0' && got[0] <= '2';
    ok = ok && read_line("/proc/sys/vm/max_map_count", got, sizeof got) && atol(got) > 0;
    check("vm", ok);

    // What libcs count for the number of CPUs.
    int online = slurp("/sys/devices/system/cpu/online") > 0 ? count_list(buf) : -1;
    int possible = slurp("/sys/devices/system/cpu/possible") > 0 ? count_list(buf) : -1;
    check("nprocs", online >= 1 && online == sysconf(_SC_NPROCESSORS_ONLN) &&
                        online == get_nprocs() && possible >= online);

    read_line("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", got, sizeof got);
    printf("hpage_pmd_size %s\n", got);
}

static void check_tree(void) {
    char pid[32];
    snprintf(pid, sizeof pid, "%d", getpid());
    const char* want[] = {"self", "thread-self", "cpuinfo", "meminfo", "uptime",
                          "stat", "loadavg",     "mounts",  "sys",     pid};
    int seen = 0;
    DIR* d = opendir("/proc");
    struct dirent* e;
    while (d && (e = readdir(d)))
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
            if (!strcmp(e->d_name, want[i]))
                seen |= 1 << i;
    closedir(d);
    check("proc listing", seen == (1 << (sizeof want / sizeof want[0])) - 1);

    struct stat st;
    struct statfs sf;
    stat("/proc", &st);
    statfs("/proc", &sf);
    printf("proc root %o ino %lu magic %lx\n", st.st_mode, (unsigned long)st.st_ino,
           (unsigned long)sf.f_type);
    statfs("/sys", &sf);
    printf("sysfs magic %lx\n", (unsigned long)sf.f_type);
    struct stat s1, s2, s3, s4;
    stat("/proc/self/status", &s1);
    stat("/proc/self/environ", &s2);
    stat("/proc/self/fd", &s3);
    lstat("/proc/self", &s4);
    printf("modes %o %o %o %o\n", s1.st_mode, s2.st_mode, s3.st_mode, s4.st_mode);
}

int main(void) {
    check_cpuinfo();
    check_meminfo();
    check_times();
    check_sys();
    check_tree();
    printf("procfs sys done %d\n", failures);
    return failures != 0;
}
