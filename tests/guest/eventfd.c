/* eventfd, timerfd and signalfd, each result as Linux gives it:
 * - eventfd: the counter (reads take it all, or one with EFD_SEMAPHORE),
 *   EAGAIN when empty or when a write would overflow, EINVAL for short
 *   buffers and the value 2^64-1, a blocked read woken by a write from
 *   another thread and a blocked write by a read, the count taken even when
 *   the copy out faults, flags (EINVAL, O_NONBLOCK, FD_CLOEXEC), fstat and
 *   lseek as for anon_inode files.
 * - timerfd: the clocks and flags it takes, one-shot and periodic
 *   expirations counted by read (also the periods of an absolute time long
 *   past), gettime before, while and after, the old setting from settime,
 *   disarming, TFD_TIMER_ABSTIME on CLOCK_REALTIME, EAGAIN, EINVAL, EBADF,
 *   EFAULT.
 * - signalfd: a blocked signal read as signalfd_siginfo (raise, sigqueue
 *   with its value), poll readiness, a read woken by a signal from another
 *   thread, EAGAIN, a new mask through the same fd, the errors. */
//! run: --timeout 60 --
//! status: 0
//! native
//! expect: eventfd create: flags -1 EINVAL, nonblock 04002, cloexec 1
//! expect: eventfd fstat: mode 0600, lseek 0, pread -1 ESPIPE
//! expect: eventfd read: 7, then -1 EAGAIN
//! expect: eventfd semaphore: 1 1 1, then -1 EAGAIN
//! expect: eventfd short read: -1 EINVAL, short write: -1 EINVAL
//! expect: eventfd write 2^64-1: -1 EINVAL, 2^64-2: 8, one more: -1 EAGAIN
//! expect: eventfd read after overflow attempt: 18446744073709551614
//! expect: eventfd bad buffer: -1 EFAULT, count gone: -1 EAGAIN
//! expect: eventfd blocked read woken: 8 value 3
//! expect: eventfd blocked write woken: wrote 8, read first 18446744073709551614
//! expect: eventfd initval from eventfd(): 5
//! expect: timerfd create: bad clock -1 EINVAL, cpu clock -1 EINVAL, bad flags -1 EINVAL, boottime ok, realtime ok
//! expect: timerfd disarmed: gettime 0.0 0.0, read -1 EAGAIN
//! expect: timerfd one-shot: read 8 ticks 1, gettime after 0.0
//! expect: timerfd armed: value left 1, interval 2.500000000
//! expect: timerfd settime old: value left 1, interval 2.500000000
//! expect: timerfd disarm: gettime 0.0 0.0
//! expect: timerfd periodic: 3 reads, each at least 1 tick 1
//! expect: timerfd realtime absolute, 10.5 s past, 1 s period: 11 ticks
//! expect: timerfd realtime absolute, soon: 1 tick
//! expect: timerfd short read: -1 EINVAL
//! expect: timerfd settime: bad flags -1 EINVAL, bad nsec -1 EINVAL, closed fd -1 EBADF, not a timerfd -1 EINVAL, bad pointers -1 EFAULT -1 EFAULT
//! expect: timerfd gettime: closed fd -1 EBADF, not a timerfd -1 EINVAL, bad pointer -1 EFAULT
//! expect: signalfd errors: size -1 EINVAL, flags -1 EINVAL, mask -1 EFAULT, not a signalfd -1 EINVAL, closed -1 EBADF
//! expect: signalfd empty: poll 0, read -1 EAGAIN, short read -1 EINVAL
//! expect: signalfd raise: poll 1, read 128, SIGUSR1, SI_TKILL 1, pid ok 1
//! expect: signalfd sigqueue: 128, SIGUSR1, SI_QUEUE 1, int 42
//! expect: signalfd two at once: 256, SIGUSR1 SIGUSR2
//! expect: signalfd blocked read woken: 128, SIGUSR2
//! expect: signalfd new mask: same fd 1, SIGUSR1 ignored now: -1 EAGAIN
//! expect: done
//! reject: FAILED
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static const char* res(long r, char* buf) {
    if (r == -1)
        snprintf(buf, 32, "-1 %s", errname(errno));
    else
        snprintf(buf, 32, "%ld", r);
    return buf;
}
#define R(x) res((long)(x), (char[32]){0})

static void* volatile bad_ptr = (void*)8;
static int efd;

static void* delayed_write(void* arg) {
    sleep_ms(50);
    uint64_t v = (uint64_t)(uintptr_t)arg;
    write(efd, &v, 8);
    return NULL;
}

static void* delayed_read(void* arg) {
    (void)arg;
    sleep_ms(50);
    uint64_t v;
    read(efd, &v, 8);
    return (void*)(uintptr_t)v;
}

static void eventfds(void) {
    const char* r0 = R(eventfd(0, 0x10));
    int a = eventfd(0, EFD_NONBLOCK), b = eventfd(0, EFD_CLOEXEC);
    printf("eventfd create: flags %s, nonblock 0%o, cloexec %d\n", r0, fcntl(a, F_GETFL),
           fcntl(b, F_GETFD));
    close(b);
    struct stat st;
    fstat(a, &st);
    uint64_t v = 0;
    r0 = R(lseek(a, 5, SEEK_SET));
    const char* r1 = R(pread(a, &v, 8, 0));
    printf("eventfd fstat: mode 0%o, lseek %s, pread %s\n", st.st_mode, r0, r1);

    v = 3;
    write(a, &v, 8);
    v = 4;
    write(a, &v, 8);
    read(a, &v, 8);
    printf("eventfd read: %llu, then %s\n", (unsigned long long)v, R(read(a, &v, 8)));
    close(a);

    a = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    uint64_t x[3];
    for (int i = 0; i < 3; i++)
        read(a, &x[i], 8);
    printf("eventfd semaphore: %llu %llu %llu, then %s\n", (unsigned long long)x[0],
           (unsigned long long)x[1], (unsigned long long)x[2], R(read(a, &v, 8)));
    close(a);

    a = eventfd(0, EFD_NONBLOCK);
    r0 = R(read(a, &v, 7));
    r1 = R(write(a, &v, 7));
    printf("eventfd short read: %s, short write: %s\n", r0, r1);
    v = UINT64_MAX;
    r0 = R(write(a, &v, 8));
    v = UINT64_MAX - 1;
    r1 = R(write(a, &v, 8));
    v = 1;
    const char* r2 = R(write(a, &v, 8));
    printf("eventfd write 2^64-1: %s, 2^64-2: %s, one more: %s\n", r0, r1, r2);
    read(a, &v, 8);
    printf("eventfd read after overflow attempt: %llu\n", (unsigned long long)v);
    v = 9;
    write(a, &v, 8);
    r0 = R(read(a, bad_ptr, 8));
    r1 = R(read(a, &v, 8));
    printf("eventfd bad buffer: %s, count gone: %s\n", r0, r1);
    close(a);

    efd = eventfd(0, 0);
    pthread_t t;
    pthread_create(&t, NULL, delayed_write, (void*)3);
    long n = read(efd, &v, 8);
    pthread_join(t, NULL);
    printf("eventfd blocked read woken: %ld value %llu\n", n, (unsigned long long)v);
    v = UINT64_MAX - 1;
    write(efd, &v, 8);
    pthread_create(&t, NULL, delayed_read, NULL);
    v = 1;
    n = write(efd, &v, 8);
    void* first;
    pthread_join(t, &first);
    printf("eventfd blocked write woken: wrote %ld, read first %llu\n", n,
           (unsigned long long)(uintptr_t)first);
    close(efd);

    a = syscall(SYS_eventfd, 5);
    read(a, &v, 8);
    printf("eventfd initval from eventfd(): %llu\n", (unsigned long long)v);
    close(a);
}

static void show_its(const char* what, const struct itimerspec* its) {
    printf("%s: value left %d, interval %ld.%09ld\n", what,
           its->it_value.tv_sec > 0 || its->it_value.tv_nsec > 0, (long)its->it_interval.tv_sec,
           its->it_interval.tv_nsec);
}

static void timerfds(void) {
    const char* r0 = R(timerfd_create(99, 0));
    const char* r1 = R(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
    const char* r2 = R(timerfd_create(CLOCK_MONOTONIC, 1));
    int bt = timerfd_create(CLOCK_BOOTTIME, 0);
    int rt = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    printf("timerfd create: bad clock %s, cpu clock %s, bad flags %s, boottime %s, realtime %s\n",
           r0, r1, r2, bt >= 0 ? "ok" : "FAILED", rt >= 0 ? "ok" : "FAILED");
    close(bt);

    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct itimerspec its, old;
    timerfd_gettime(t, &its);
    uint64_t ticks = 0;
    r0 = R(read(t, &ticks, 8));
    printf("timerfd disarmed: gettime %ld.%ld %ld.%ld, read %s\n", (long)its.it_value.tv_sec,
           its.it_value.tv_nsec, (long)its.it_interval.tv_sec, its.it_interval.tv_nsec, r0);

    its = (struct itimerspec){{0, 0}, {0, 10000000}};
    timerfd_settime(t, 0, &its, NULL);
    struct pollfd pf = {t, POLLIN, 0};
    poll(&pf, 1, -1);
    long n = read(t, &ticks, 8);
    timerfd_gettime(t, &its);
    printf("timerfd one-shot: read %ld ticks %llu, gettime after %ld.%ld\n", n,
           (unsigned long long)ticks, (long)its.it_value.tv_sec, its.it_value.tv_nsec);

    /* A 2.5 s period, the first expiry in 100 s. */
    its = (struct itimerspec){{2, 500000000}, {100, 0}};
    timerfd_settime(t, 0, &its, NULL);
    timerfd_gettime(t, &its);
    show_its("timerfd armed", &its);
    its = (struct itimerspec){{0, 0}, {0, 0}};
    timerfd_settime(t, 0, &its, &old);
    show_its("timerfd settime old", &old);
    timerfd_gettime(t, &its);
    printf("timerfd disarm: gettime %ld.%ld %ld.%ld\n", (long)its.it_value.tv_sec,
           its.it_value.tv_nsec, (long)its.it_interval.tv_sec, its.it_interval.tv_nsec);
    close(t);

    t = timerfd_create(CLOCK_MONOTONIC, 0);
    its = (struct itimerspec){{0, 10000000}, {0, 10000000}};
    timerfd_settime(t, 0, &its, NULL);
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        ticks = 0;
        ok &= read(t, &ticks, 8) == 8 && ticks >= 1;
    }
    printf("timerfd periodic: 3 reads, each at least 1 tick %d\n", ok);
    close(t);

    /* The wall clock: monotonic time 10.5 s ago may be before boot. */
    t = timerfd_create(CLOCK_REALTIME, 0);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    its.it_interval = (struct timespec){1, 0};
    its.it_value = now;
    its.it_value.tv_sec -= 11;
    its.it_value.tv_nsec += 500000000;
    if (its.it_value.tv_nsec >= 1000000000) {
        its.it_value.tv_sec++;
        its.it_value.tv_nsec -= 1000000000;
    }
    timerfd_settime(t, TFD_TIMER_ABSTIME, &its, NULL);
    read(t, &ticks, 8);
    printf("timerfd realtime absolute, 10.5 s past, 1 s period: %llu ticks\n", (unsigned long long)ticks);
    close(t);

    clock_gettime(CLOCK_REALTIME, &now);
    its = (struct itimerspec){{0, 0}, now};
    its.it_value.tv_nsec += 20000000;
    if (its.it_value.tv_nsec >= 1000000000) {
        its.it_value.tv_sec++;
        its.it_value.tv_nsec -= 1000000000;
    }
    timerfd_settime(rt, TFD_TIMER_ABSTIME, &its, NULL);
    pf = (struct pollfd){rt, POLLIN, 0};
    poll(&pf, 1, -1);
    read(rt, &ticks, 8);
    printf("timerfd realtime absolute, soon: %llu tick\n", (unsigned long long)ticks);
    printf("timerfd short read: %s\n", R(read(rt, &ticks, 4)));

    its = (struct itimerspec){{0, 0}, {1, 0}};
    r0 = R(timerfd_settime(rt, 4, &its, NULL));
    its.it_value.tv_nsec = -1;
    r1 = R(timerfd_settime(rt, 0, &its, NULL));
    its.it_value.tv_nsec = 0;
    int e = eventfd(0, 0);
    int closed = dup(rt);
    close(closed);
    r2 = R(timerfd_settime(closed, 0, &its, NULL));
    const char* r3 = R(timerfd_settime(e, 0, &its, NULL));
    const char* r4 = R(timerfd_settime(rt, 0, bad_ptr, NULL));
    const char* r5 = R(timerfd_settime(rt, 0, &its, bad_ptr));
    printf("timerfd settime: bad flags %s, bad nsec %s, closed fd %s, not a timerfd %s, bad "
           "pointers %s %s\n",
           r0, r1, r2, r3, r4, r5);
    r0 = R(timerfd_gettime(closed, &its));
    r1 = R(timerfd_gettime(e, &its));
    r2 = R(timerfd_gettime(rt, bad_ptr));
    printf("timerfd gettime: closed fd %s, not a timerfd %s, bad pointer %s\n", r0, r1, r2);
    close(e);
    close(rt);
}

static const char* sname(int sig) {
    return sig == SIGUSR1 ? "SIGUSR1" : sig == SIGUSR2 ? "SIGUSR2" : "other";
}

static pthread_t main_thread;
static void* send_usr2(void* arg) {
    (void)arg;
    sleep_ms(50);
    pthread_kill(main_thread, SIGUSR2);
    return NULL;
}

static void signalfds(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &mask, NULL);

    const char* r0 = R(syscall(SYS_signalfd4, -1, &mask, 4, 0));
    const char* r1 = R(syscall(SYS_signalfd4, -1, &mask, 8, 1));
    const char* r2 = R(syscall(SYS_signalfd4, -1, bad_ptr, 8, 0));
    int e = eventfd(0, 0);
    const char* r3 = R(signalfd(e, &mask, 0));
    int closed = dup(e);
    close(closed);
    const char* r4 = R(signalfd(closed, &mask, 0));
    printf("signalfd errors: size %s, flags %s, mask %s, not a signalfd %s, closed %s\n", r0, r1,
           r2, r3, r4);
    close(e);

    int s = signalfd(-1, &mask, SFD_NONBLOCK);
    struct pollfd pf = {s, POLLIN, 0};
    int pr = poll(&pf, 1, 0);
    struct signalfd_siginfo si[2];
    r0 = R(read(s, si, sizeof(si)));
    r1 = R(read(s, si, 100));
    printf("signalfd empty: poll %d, read %s, short read %s\n", pr, r0, r1);

    raise(SIGUSR1);
    pr = poll(&pf, 1, 0);
    long n = read(s, si, sizeof(si));
    printf("signalfd raise: poll %d, read %ld, %s, SI_TKILL %d, pid ok %d\n", pr, n,
           sname(si[0].ssi_signo), si[0].ssi_code == SI_TKILL, si[0].ssi_pid == (uint32_t)getpid());

    sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = 42});
    n = read(s, si, sizeof(si));
    printf("signalfd sigqueue: %ld, %s, SI_QUEUE %d, int %d\n", n, sname(si[0].ssi_signo),
           si[0].ssi_code == SI_QUEUE, si[0].ssi_int);

    raise(SIGUSR2);
    raise(SIGUSR1);
    n = read(s, si, sizeof(si));
    printf("signalfd two at once: %ld, %s %s\n", n, sname(si[0].ssi_signo), sname(si[1].ssi_signo));

    fcntl(s, F_SETFL, 0);
    pthread_t t;
    pthread_create(&t, NULL, send_usr2, NULL);
    n = read(s, si, sizeof(si));
    pthread_join(t, NULL);
    printf("signalfd blocked read woken: %ld, %s\n", n, sname(si[0].ssi_signo));

    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    int same = signalfd(s, &only2, 0);
    fcntl(s, F_SETFL, O_NONBLOCK);
    raise(SIGUSR1);
    r0 = R(read(s, si, sizeof(si)));
    printf("signalfd new mask: same fd %d, SIGUSR1 ignored now: %s\n", same == s, r0);
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGUSR1)) {
        int sig;
        sigwait(&mask, &sig);
    }
    close(s);
}

int main(void) {
    main_thread = pthread_self();
    eventfds();
    timerfds();
    signalfds();
    printf("done\n");
    return failures ? 1 : 0;
}
