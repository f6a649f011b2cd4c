/* epoll, each result as Linux gives it: creation flags; epoll_ctl's errors
 * (EEXIST, ENOENT, EPERM for a regular file, EINVAL, EBADF, EFAULT, ELOOP
 * for cycles and for nesting too deep, EPOLLEXCLUSIVE's rules);
 * epoll_wait's errors; level-triggered, edge-triggered and one-shot
 * interests; the order ready interests come back in when maxevents is
 * smaller; the interest leaving with the last close of its file (not with
 * a close of one of two fds); waiting woken by another thread, a timer or
 * a signal; an epoll fd that is itself polled or watched by another;
 * epoll_pwait's mask and epoll_pwait2's timeout. */
//! run: --timeout 60 --
//! status: 0
//! native
//! expect: epoll_create 0: -1 EINVAL, 1: ok, epoll_create1 bad flag: -1 EINVAL, cloexec 1
//! expect: fstat: mode 0600
//! expect: add twice: -1 EEXIST
//! expect: mod and del of an unknown fd: -1 ENOENT -1 ENOENT
//! expect: regular file: -1 EPERM
//! expect: not an epoll fd: -1 EINVAL, itself: -1 EINVAL, bad op: -1 EINVAL
//! expect: closed fds: -1 EBADF -1 EBADF
//! expect: bad event pointer: -1 EFAULT, del ignores it: 0
//! expect: exclusive: add 0, with oneshot -1 EINVAL, mod -1 EINVAL, mod of it -1 EINVAL, of an epoll -1 EINVAL
//! expect: wait maxevents 0: -1 EINVAL, not epoll: -1 EINVAL, closed: -1 EBADF
//! expect: bad array: nothing ready 0, one ready -1 EFAULT, kernel address -1 EFAULT, event kept 1
//! expect: level: 1 0x1 data 11, again 1, after reading 0
//! expect: edge: 1, again 0, after another write 1
//! expect: oneshot: 1, again 0, after a write 0, after mod 1
//! expect: interest limits events: 0, hang-up always reported: 1 0x8
//! expect: order with maxevents 1: A B A
//! expect: several at once: 2
//! expect: last close removes it: 0
//! expect: close of one of two fds keeps it: 1 data 5
//! expect: woken by a writer thread: 1 data 7
//! expect: timeout: 0
//! expect: timerfd: 1 0x1
//! expect: interrupted (SA_RESTART): -1 EINTR, handler ran 1
//! expect: poll on the epoll fd: 0, when ready 1 0x1
//! expect: nested: 1 data 99
//! expect: cycle: -1 ELOOP
//! expect: chain of epolls: adding level 5 gives -1 ELOOP
//! expect: epoll_pwait temporary mask: -1 EINTR, handler ran 1, mask back 1
//! expect: epoll_pwait2 timeout: 0, bad timespec: -1 EINVAL
//! expect: done
//! reject: FAILED
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
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

static int add(int ep, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev = {events, {.u64 = data}};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev = {events, {.u64 = data}};
    return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

static atomic_int handled;
static void on_usr1(int sig) {
    (void)sig;
    handled++;
}

static pthread_t main_thread;
static int wfd;

static atomic_int stop;

/* After 50 ms, writes a byte to wfd (when >= 0); else sends SIGUSR1 to the
 * main thread every 50 ms until stop_later(), so that one comes while the
 * main thread waits. */
static void* later(void* arg) {
    (void)arg;
    sleep_ms(50);
    if (wfd >= 0) {
        write(wfd, "x", 1);
        return NULL;
    }
    while (!stop) {
        pthread_kill(main_thread, SIGUSR1);
        sleep_ms(50);
    }
    return NULL;
}

static void stop_later(pthread_t t) {
    stop = 1;
    pthread_join(t, NULL);
}

static pthread_t start_later(int fd) {
    wfd = fd;
    stop = 0;
    pthread_t t;
    pthread_create(&t, NULL, later, NULL);
    return t;
}

static void errors(void) {
    /* Raw: musl's epoll_create does not pass the size on. */
    const char* r0 = R(syscall(SYS_epoll_create, 0));
    int ep = epoll_create(1);
    const char* r1 = R(epoll_create1(1));
    int ce = epoll_create1(EPOLL_CLOEXEC);
    printf("epoll_create 0: %s, 1: %s, epoll_create1 bad flag: %s, cloexec %d\n", r0,
           ep >= 0 ? "ok" : "FAILED", r1, fcntl(ce, F_GETFD));
    close(ce);
    struct stat st;
    fstat(ep, &st);
    printf("fstat: mode 0%o\n", st.st_mode);

    int p[2];
    pipe(p);
    add(ep, p[0], EPOLLIN, 1);
    printf("add twice: %s\n", R(add(ep, p[0], EPOLLIN, 1)));
    r0 = R(mod(ep, p[1], EPOLLOUT, 1));
    r1 = R(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    printf("mod and del of an unknown fd: %s %s\n", r0, r1);
    int file = open("/tmp/epoll-test-file", O_CREAT | O_RDWR, 0600);
    printf("regular file: %s\n", R(add(ep, file, EPOLLIN, 1)));
    close(file);
    unlink("/tmp/epoll-test-file");
    r0 = R(add(p[1], p[0], EPOLLIN, 1));
    r1 = R(add(ep, ep, EPOLLIN, 1));
    struct epoll_event ev = {EPOLLIN, {0}};
    const char* r2 = R(epoll_ctl(ep, 99, p[1], &ev));
    printf("not an epoll fd: %s, itself: %s, bad op: %s\n", r0, r1, r2);
    int closed = dup(p[0]);
    close(closed);
    r0 = R(add(closed, p[0], EPOLLIN, 1));
    r1 = R(add(ep, closed, EPOLLIN, 1));
    printf("closed fds: %s %s\n", r0, r1);
    r0 = R(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], bad_ptr));
    r1 = R(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], bad_ptr));
    printf("bad event pointer: %s, del ignores it: %s\n", r0, r1);

    int e = eventfd(0, 0);
    r0 = R(add(ep, e, EPOLLIN | EPOLLEXCLUSIVE, 1));
    r1 = R(add(ep, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT, 1));
    r2 = R(mod(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, 1));
    const char* r3 = R(mod(ep, e, EPOLLIN, 1));
    int inner = epoll_create1(0);
    const char* r4 = R(add(ep, inner, EPOLLIN | EPOLLEXCLUSIVE, 1));
    printf("exclusive: add %s, with oneshot %s, mod %s, mod of it %s, of an epoll %s\n", r0, r1, r2,
           r3, r4);
    close(inner);
    close(e);

    struct epoll_event out[4];
    r0 = R(epoll_wait(ep, out, 0, 0));
    r1 = R(epoll_wait(p[0], out, 4, 0));
    r2 = R(epoll_wait(closed, out, 4, 0));
    printf("wait maxevents 0: %s, not epoll: %s, closed: %s\n", r0, r1, r2);
    /* The array is only checked to lie in the app's half until an event
     * is copied to it. */
    add(ep, p[0], EPOLLIN, 1);
    r0 = R(epoll_wait(ep, bad_ptr, 4, 0));
    write(p[1], "a", 1);
    r1 = R(epoll_wait(ep, bad_ptr, 4, 0));
    r2 = R(epoll_wait(ep, (void*)0xffff800000000000ul, 4, 0));
    r3 = R(epoll_wait(ep, out, 4, 0));
    printf("bad array: nothing ready %s, one ready %s, kernel address %s, event kept %s\n", r0, r1,
           r2, r3);
    close(p[0]);
    close(p[1]);
    close(ep);
}

static void triggers(void) {
    struct epoll_event out[4];
    char buf[16];
    int p[2];
    pipe(p);
    int ep = epoll_create1(0);
    add(ep, p[0], EPOLLIN, 11);
    write(p[1], "a", 1);
    int a = epoll_wait(ep, out, 4, 0);
    uint32_t ev0 = out[0].events;
    uint64_t d0 = out[0].data.u64;
    int b = epoll_wait(ep, out, 4, 0);
    read(p[0], buf, sizeof(buf));
    int c = epoll_wait(ep, out, 4, 0);
    printf("level: %d 0x%x data %llu, again %d, after reading %d\n", a, ev0,
           (unsigned long long)d0, b, c);

    mod(ep, p[0], EPOLLIN | EPOLLET, 12);
    write(p[1], "a", 1);
    a = epoll_wait(ep, out, 4, 0);
    b = epoll_wait(ep, out, 4, 0);
    write(p[1], "a", 1);
    c = epoll_wait(ep, out, 4, 0);
    printf("edge: %d, again %d, after another write %d\n", a, b, c);
    read(p[0], buf, sizeof(buf));

    mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 13);
    write(p[1], "a", 1);
    a = epoll_wait(ep, out, 4, 0);
    b = epoll_wait(ep, out, 4, 0);
    write(p[1], "a", 1);
    c = epoll_wait(ep, out, 4, 0);
    mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 13);
    int d = epoll_wait(ep, out, 4, 0);
    printf("oneshot: %d, again %d, after a write %d, after mod %d\n", a, b, c, d);
    read(p[0], buf, sizeof(buf));

    /* The write end asked for nothing but EPOLLIN: writable is no news;
     * the reader's close is (EPOLLERR comes whatever was asked). */
    add(ep, p[1], EPOLLIN, 14);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
    a = epoll_wait(ep, out, 4, 0);
    close(p[0]);
    b = epoll_wait(ep, out, 4, 0);
    printf("interest limits events: %d, hang-up always reported: %d 0x%x\n", a, b, out[0].events);
    close(p[1]);
    close(ep);

    ep = epoll_create1(0);
    int ea = eventfd(1, 0), eb = eventfd(1, 0);
    add(ep, ea, EPOLLIN, 'A');
    add(ep, eb, EPOLLIN, 'B');
    char order[4];
    for (int i = 0; i < 3; i++) {
        epoll_wait(ep, out, 1, 0);
        order[i] = (char)out[0].data.u64;
    }
    printf("order with maxevents 1: %c %c %c\n", order[0], order[1], order[2]);
    printf("several at once: %d\n", epoll_wait(ep, out, 4, 0));
    close(ea);
    close(eb);
    close(ep);
}

static void lifetime(void) {
    struct epoll_event out[4];
    int p[2];
    pipe(p);
    int ep = epoll_create1(0);
    write(p[1], "a", 1);
    add(ep, p[0], EPOLLIN, 4);
    close(p[0]);
    printf("last close removes it: %d\n", epoll_wait(ep, out, 4, 0));
    close(p[1]);

    pipe(p);
    write(p[1], "a", 1);
    add(ep, p[0], EPOLLIN, 5);
    int copy = dup(p[0]);
    close(p[0]);
    int n = epoll_wait(ep, out, 4, 0);
    printf("close of one of two fds keeps it: %d data %llu\n", n, (unsigned long long)out[0].data.u64);
    close(copy);
    close(p[1]);
    close(ep);
}

static void waiting(void) {
    struct epoll_event out[4];
    int p[2];
    pipe(p);
    int ep = epoll_create1(0);
    add(ep, p[0], EPOLLIN, 7);
    pthread_t t = start_later(p[1]);
    int n = epoll_wait(ep, out, 4, -1);
    printf("woken by a writer thread: %d data %llu\n", n, (unsigned long long)out[0].data.u64);
    pthread_join(t, NULL);
    char buf[8];
    read(p[0], buf, sizeof(buf));
    printf("timeout: %d\n", epoll_wait(ep, out, 4, 20));

    int tf = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {{0, 0}, {0, 30000000}};
    add(ep, tf, EPOLLIN, 8);
    timerfd_settime(tf, 0, &its, NULL);
    n = epoll_wait(ep, out, 4, -1);
    printf("timerfd: %d 0x%x\n", n, out[0].events);
    epoll_ctl(ep, EPOLL_CTL_DEL, tf, NULL);
    close(tf);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    handled = 0;
    t = start_later(-1);
    const char* r = R(epoll_wait(ep, out, 4, -1));
    printf("interrupted (SA_RESTART): %s, handler ran %d\n", r, handled > 0);
    stop_later(t);

    struct pollfd pf = {ep, POLLIN, 0};
    int a = poll(&pf, 1, 0);
    write(p[1], "a", 1);
    int b = poll(&pf, 1, 0);
    printf("poll on the epoll fd: %d, when ready %d 0x%x\n", a, b, pf.revents);
    read(p[0], buf, sizeof(buf));

    int outer = epoll_create1(0);
    add(outer, ep, EPOLLIN, 99);
    t = start_later(p[1]);
    n = epoll_wait(outer, out, 4, -1);
    printf("nested: %d data %llu\n", n, (unsigned long long)out[0].data.u64);
    pthread_join(t, NULL);
    read(p[0], buf, sizeof(buf));
    printf("cycle: %s\n", R(add(ep, outer, EPOLLIN, 1)));
    close(outer);

    int chain[8];
    chain[0] = epoll_create1(0);
    int level = 1;
    const char* why = "no error";
    for (; level < 8; level++) {
        chain[level] = epoll_create1(0);
        if (add(chain[level], chain[level - 1], EPOLLIN, 0)) {
            why = R(-1);
            break;
        }
    }
    printf("chain of epolls: adding level %d gives %s\n", level, why);
    for (int i = 0; i <= level && i < 8; i++)
        close(chain[i]);

    block(SIGUSR1);
    handled = 0;
    t = start_later(-1);
    sigset_t none;
    sigemptyset(&none);
    r = R(epoll_pwait(ep, out, 4, -1, &none));
    printf("epoll_pwait temporary mask: %s, handler ran %d, mask back %d\n", r, handled > 0,
           blocked(SIGUSR1));
    stop_later(t);

    struct timespec ts = {0, 20000000};
    const char* r1 = R(syscall(SYS_epoll_pwait2, ep, out, 4, &ts, NULL, 8));
    ts.tv_nsec = -1;
    const char* r2 = R(syscall(SYS_epoll_pwait2, ep, out, 4, &ts, NULL, 8));
    printf("epoll_pwait2 timeout: %s, bad timespec: %s\n", r1, r2);
    close(p[0]);
    close(p[1]);
    close(ep);
}

int main(void) {
    main_thread = pthread_self();
    errors();
    triggers();
    lifetime();
    waiting();
    printf("done\n");
    return failures ? 1 : 0;
}
