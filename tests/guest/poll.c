/* poll, ppoll, select and pselect6 over pipes, eventfd and timerfd, each
 * result as Linux gives it: readiness and its bits (POLLHUP, POLLERR,
 * POLLNVAL), timeouts (and the time left written back by the raw ppoll,
 * select and pselect6), waking when another thread writes, a timer firing,
 * many fds, signals (EINTR even with SA_RESTART; ppoll's and pselect's
 * temporary masks), and the errors: EINVAL, EFAULT, EBADF. */
//! run: --timeout 60 --
//! status: 0
//! native
//! expect: poll empty pipe, 20 ms: 0, revents 0
//! expect: poll with data: 2, read end 0x41, write end 0x104
//! expect: poll POLLRDNORM only: 1, revents 0x40
//! expect: poll writer gone, no events asked: 1, revents 0x10
//! expect: poll reader gone: 1, revents 0xc
//! expect: poll closed fd and negative fd: 1, revents 0x20 0
//! expect: poll woken by a writer thread: 1, revents 0x1
//! expect: poll 25 pipes, one written: 1, the right one 1
//! expect: poll eventfd: 1 0x4, after a write 0x5
//! expect: poll timerfd until it fires: 1, revents 0x1
//! expect: poll interrupted (SA_RESTART): -1 EINTR, handler ran 1
//! expect: poll nfds over RLIMIT_NOFILE: -1 EINVAL
//! expect: poll bad array: -1 EFAULT
//! expect: ppoll timeout: 0, time left 0.0
//! expect: ppoll temporary mask: -1 EINTR, handler ran 1, mask back 1
//! expect: ppoll bad timespec: -1 EINVAL, bad sigset size: -1 EINVAL
//! expect: select timeout: 0, sets cleared 1, time left 0.0
//! expect: select ready: 2, read 1, write 1, except 0
//! expect: select woken by a writer thread: 1
//! expect: select closed fd: -1 EBADF
//! expect: select negative n: -1 EINVAL
//! expect: select negative timeout: -1 EINVAL, 1500000 us: 1
//! expect: select bad set: -1 EFAULT
//! expect: select interrupted: -1 EINTR
//! expect: pselect6 timeout: 0, time left 0.0
//! expect: pselect6 temporary mask: -1 EINTR, handler ran 1, mask back 1
//! expect: pselect6 bad sigset size: -1 EINVAL
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
#include <sys/eventfd.h>
#include <sys/select.h>
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

static void polls(void) {
    int p[2];
    pipe(p);
    struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    int r = poll(pf, 1, 20);
    printf("poll empty pipe, 20 ms: %d, revents %d\n", r, pf[0].revents);
    write(p[1], "a", 1);
    pf[0].events = POLLIN | POLLRDNORM;
    pf[1].events = POLLOUT | POLLWRNORM;
    r = poll(pf, 2, 0);
    printf("poll with data: %d, read end 0x%x, write end 0x%x\n", r, pf[0].revents, pf[1].revents);
    pf[0].events = POLLRDNORM;
    r = poll(pf, 1, 0);
    printf("poll POLLRDNORM only: %d, revents 0x%x\n", r, pf[0].revents);
    close(p[1]);
    read(p[0], (char[1]){0}, 1);
    pf[0].events = 0;
    r = poll(pf, 1, 0);
    printf("poll writer gone, no events asked: %d, revents 0x%x\n", r, pf[0].revents);
    close(p[0]);

    pipe(p);
    close(p[0]);
    pf[0] = (struct pollfd){p[1], POLLOUT, 0};
    r = poll(pf, 1, 0);
    printf("poll reader gone: %d, revents 0x%x\n", r, pf[0].revents);
    pf[0] = (struct pollfd){p[0], POLLIN, 0};
    pf[1] = (struct pollfd){-5, POLLIN, 77};
    r = poll(pf, 2, 0);
    printf("poll closed fd and negative fd: %d, revents 0x%x %d\n", r, pf[0].revents,
           pf[1].revents);
    close(p[1]);

    pipe(p);
    pthread_t t = start_later(p[1]);
    pf[0] = (struct pollfd){p[0], POLLIN, 0};
    r = poll(pf, 1, -1);
    printf("poll woken by a writer thread: %d, revents 0x%x\n", r, pf[0].revents);
    pthread_join(t, NULL);
    close(p[0]);
    close(p[1]);

    enum { many = 25 };
    static int ps[many][2];
    static struct pollfd big[many];
    for (int i = 0; i < many; i++) {
        pipe(ps[i]);
        big[i] = (struct pollfd){ps[i][0], POLLIN, 0};
    }
    t = start_later(ps[17][1]);
    r = poll(big, many, -1);
    printf("poll 25 pipes, one written: %d, the right one %d\n", r, big[17].revents == POLLIN);
    pthread_join(t, NULL);
    for (int i = 0; i < many; i++) {
        close(ps[i][0]);
        close(ps[i][1]);
    }

    int e = eventfd(0, 0);
    pf[0] = (struct pollfd){e, POLLIN | POLLOUT, 0};
    r = poll(pf, 1, 0);
    int before = pf[0].revents;
    uint64_t one = 1;
    write(e, &one, 8);
    poll(pf, 1, 0);
    printf("poll eventfd: %d 0x%x, after a write 0x%x\n", r, before, pf[0].revents);
    close(e);

    int tf = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {{0, 0}, {0, 30000000}};
    timerfd_settime(tf, 0, &its, NULL);
    pf[0] = (struct pollfd){tf, POLLIN, 0};
    r = poll(pf, 1, -1);
    printf("poll timerfd until it fires: %d, revents 0x%x\n", r, pf[0].revents);
    close(tf);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    pipe(p);
    handled = 0;
    t = start_later(-1);
    pf[0] = (struct pollfd){p[0], POLLIN, 0};
    const char* rs = R(poll(pf, 1, -1));
    printf("poll interrupted (SA_RESTART): %s, handler ran %d\n", rs, handled > 0);
    stop_later(t);

    struct rlimit {
        unsigned long cur, max;
    } rl;
    syscall(SYS_getrlimit, 7, &rl);
    printf("poll nfds over RLIMIT_NOFILE: %s\n", R(poll(pf, rl.cur + 1, 0)));
    printf("poll bad array: %s\n", R(poll(bad_ptr, 1, 0)));

    struct timespec ts = {0, 20000000};
    r = syscall(SYS_ppoll, pf, 1, &ts, NULL, 8);
    printf("ppoll timeout: %d, time left %ld.%ld\n", r, (long)ts.tv_sec, ts.tv_nsec);

    /* SIGUSR1 is blocked; the temporary mask lets it in. */
    block(SIGUSR1);
    handled = 0;
    t = start_later(-1);
    sigset_t none;
    sigemptyset(&none);
    rs = R(ppoll(pf, 1, NULL, &none));
    printf("ppoll temporary mask: %s, handler ran %d, mask back %d\n", rs, handled > 0,
           blocked(SIGUSR1));
    stop_later(t);
    ts = (struct timespec){0, 1000000000};
    const char* r1 = R(ppoll(pf, 1, &ts, NULL));
    const char* r2 = R(syscall(SYS_ppoll, pf, 1, NULL, &none, 7));
    printf("ppoll bad timespec: %s, bad sigset size: %s\n", r1, r2);
    close(p[0]);
    close(p[1]);
}

static void selects(void) {
    int p[2];
    pipe(p);
    fd_set rd, wr, ex;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    struct timeval tv = {0, 20000};
    int r = syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv);
    printf("select timeout: %d, sets cleared %d, time left %ld.%ld\n", r, !FD_ISSET(p[0], &rd),
           (long)tv.tv_sec, (long)tv.tv_usec);

    write(p[1], "a", 1);
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    FD_SET(p[0], &rd);
    FD_SET(p[1], &wr);
    FD_SET(p[0], &ex);
    r = select(p[1] + 1, &rd, &wr, &ex, NULL);
    printf("select ready: %d, read %d, write %d, except %d\n", r, FD_ISSET(p[0], &rd),
           FD_ISSET(p[1], &wr), FD_ISSET(p[0], &ex));
    read(p[0], (char[1]){0}, 1);

    pthread_t t = start_later(p[1]);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    r = select(p[0] + 1, &rd, NULL, NULL, NULL);
    printf("select woken by a writer thread: %d\n", r);
    pthread_join(t, NULL);
    read(p[0], (char[1]){0}, 1);

    int closed = dup(p[0]);
    close(closed);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    FD_SET(closed, &rd);
    printf("select closed fd: %s\n", R(select(closed + 1, &rd, NULL, NULL, NULL)));
    printf("select negative n: %s\n", R(select(-1, NULL, NULL, NULL, NULL)));
    tv = (struct timeval){-1, 0};
    const char* r1 = R(syscall(SYS_select, 0, NULL, NULL, NULL, &tv));
    tv = (struct timeval){0, 1500000};
    FD_ZERO(&wr);
    FD_SET(p[1], &wr);
    const char* r2 = R(syscall(SYS_select, p[1] + 1, NULL, &wr, NULL, &tv));
    printf("select negative timeout: %s, 1500000 us: %s\n", r1, r2);
    printf("select bad set: %s\n", R(select(p[1] + 1, bad_ptr, NULL, NULL, NULL)));

    handled = 0;
    t = start_later(-1);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    sigset_t none;
    sigemptyset(&none);
    /* SIGUSR1 is still blocked from the ppoll case: let it in. */
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    printf("select interrupted: %s\n", R(select(p[0] + 1, &rd, NULL, NULL, NULL)));
    stop_later(t);

    struct timespec ts = {0, 20000000};
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    r = syscall(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, NULL);
    printf("pselect6 timeout: %d, time left %ld.%ld\n", r, (long)ts.tv_sec, ts.tv_nsec);

    block(SIGUSR1);
    handled = 0;
    t = start_later(-1);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    const char* rs = R(pselect(p[0] + 1, &rd, NULL, NULL, NULL, &none));
    printf("pselect6 temporary mask: %s, handler ran %d, mask back %d\n", rs, handled > 0,
           blocked(SIGUSR1));
    stop_later(t);
    struct {
        const sigset_t* set;
        size_t size;
    } arg = {&none, 7};
    printf("pselect6 bad sigset size: %s\n",
           R(syscall(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, NULL, &arg)));
    close(p[0]);
    close(p[1]);
}

int main(void) {
    main_thread = pthread_self();
    polls();
    selects();
    printf("done\n");
    return failures ? 1 : 0;
}
