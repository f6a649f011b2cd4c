/* 9p share throughput and small-file rates, measured the same way in the
 * unikernel (on a ukrun --share) and as /init of a Linux guest (on its own
 * 9p mount of a host directory), so bench/p9.sh can put them side by side.
 *
 *   unikernel:    gcc -O2 -c p9bench.c && kraftld -o p9bench p9bench.o
 *                 ukrun --share DIR:/data p9bench /data
 *   Linux /init:  gcc -O2 -static -DP9BENCH_LINUX_INIT -o init p9bench.c
 *                 (loads the 9p modules listed in /modules/order, mounts the
 *                 virtio-9p tag uk9p0 on /mnt with msize=524288, no cache)
 *
 * Prints "bench <name> <value> <unit>" lines: MB/s (10^6 bytes) for
 * sequential writes and reads of a file in 4 KiB and 1 MiB blocks, and
 * operations per second for creating (open O_CREAT, write 100 bytes,
 * close), stat-ing and unlinking small files. Each row is the best of
 * three runs. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef P9BENCH_LINUX_INIT
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#endif

#define RUNS 3
#define SMALL_FILES 1000

static const char* dir;
static char* buf;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char* what) {
    printf("p9bench: %s failed\n", what);
    fflush(stdout);
    exit(1);
}

static const char* path(const char* name, int i) {
    static char p[4096];
    if (i < 0)
        snprintf(p, sizeof p, "%s/%s", dir, name);
    else
        snprintf(p, sizeof p, "%s/%s%05d", dir, name, i);
    return p;
}

/* Seconds to write `total` bytes in `block`-byte writes to a new file. */
static double seq_write(const char* name, size_t total, size_t block) {
    int fd = open(path(name, -1), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0)
        die("open for writing");
    double t = now_s();
    for (size_t done = 0; done < total; done += block)
        if (write(fd, buf, block) != (ssize_t)block)
            die("write");
    t = now_s() - t;
    close(fd);
    return t;
}

/* Seconds to read the file in `block`-byte reads; it must hold `total`. */
static double seq_read(const char* name, size_t total, size_t block) {
    int fd = open(path(name, -1), O_RDONLY);
    if (fd < 0)
        die("open for reading");
    size_t done = 0;
    double t = now_s();
    for (;;) {
        ssize_t n = read(fd, buf, block);
        if (n < 0)
            die("read");
        if (n == 0)
            break;
        done += (size_t)n;
    }
    t = now_s() - t;
    close(fd);
    if (done != total)
        die("read size");
    return t;
}

static double create_files(void) {
    double t = now_s();
    for (int i = 0; i < SMALL_FILES; i++) {
        int fd = open(path("small", i), O_CREAT | O_TRUNC | O_WRONLY, 0644);
        if (fd < 0 || write(fd, buf, 100) != 100)
            die("create");
        close(fd);
    }
    return now_s() - t;
}

static double stat_files(void) {
    struct stat st;
    double t = now_s();
    for (int i = 0; i < SMALL_FILES; i++)
        if (stat(path("small", i), &st) != 0 || st.st_size != 100)
            die("stat");
    return now_s() - t;
}

static double unlink_files(void) {
    double t = now_s();
    for (int i = 0; i < SMALL_FILES; i++)
        if (unlink(path("small", i)) != 0)
            die("unlink");
    return now_s() - t;
}

static void throughput(const char* row, size_t total, size_t block) {
    char name[32];
    snprintf(name, sizeof name, "seq%zu", block);
    double best_w = 0, best_r = 0;
    for (int r = 0; r < RUNS; r++) {
        double w = (double)total / seq_write(name, total, block) / 1e6;
        double rd = (double)total / seq_read(name, total, block) / 1e6;
        best_w = w > best_w ? w : best_w;
        best_r = rd > best_r ? rd : best_r;
    }
    unlink(path(name, -1));
    printf("bench write_%s %.1f MB/s\n", row, best_w);
    printf("bench read_%s %.1f MB/s\n", row, best_r);
    fflush(stdout);
}

static void small_files(void) {
    double best_c = 0, best_s = 0, best_u = 0;
    for (int r = 0; r < RUNS; r++) {
        double c = SMALL_FILES / create_files();
        double s = SMALL_FILES / stat_files();
        double u = SMALL_FILES / unlink_files();
        best_c = c > best_c ? c : best_c;
        best_s = s > best_s ? s : best_s;
        best_u = u > best_u ? u : best_u;
    }
    printf("bench create %.0f ops/s\n", best_c);
    printf("bench stat %.0f ops/s\n", best_s);
    printf("bench unlink %.0f ops/s\n", best_u);
    fflush(stdout);
}

#ifdef P9BENCH_LINUX_INIT
/* Loads the modules 9p needs, in the order /modules/order lists them. */
static void load_modules(void) {
    FILE* order = fopen("/modules/order", "r");
    if (!order)
        die("open /modules/order");
    char name[256];
    while (fscanf(order, "%255s", name) == 1) {
        char p[300];
        snprintf(p, sizeof p, "/modules/%s", name);
        int fd = open(p, O_RDONLY);
        if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0) {
            printf("p9bench: loading %s failed\n", name);
            die("finit_module");
        }
        close(fd);
    }
    fclose(order);
}
#endif

int main(int argc, char** argv) {
#ifdef P9BENCH_LINUX_INIT
    (void)argc;
    (void)argv;
    load_modules();
    mkdir("/mnt", 0755);
    if (mount("uk9p0", "/mnt", "9p", 0, "trans=virtio,version=9p2000.L,msize=524288,cache=none"))
        die("mount");
    dir = "/mnt";
#else
    if (argc < 2) {
        fprintf(stderr, "usage: p9bench DIR\n");
        return 2;
    }
    dir = argv[1];
#endif
    buf = malloc(1 << 20);
    if (!buf)
        die("malloc");
    for (int i = 0; i < 1 << 20; i++)
        buf[i] = (char)(i * 7);
    throughput("4k", 32 << 20, 4096);
    throughput("1m", 64 << 20, 1 << 20);
    small_files();
    printf("p9bench: done\n");
    fflush(stdout);
#ifdef P9BENCH_LINUX_INIT
    if (getpid() == 1) {
        sync();
        reboot(RB_POWER_OFF);
    }
#endif
    return 0;
}
