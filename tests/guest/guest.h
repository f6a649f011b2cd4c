/* Helpers the guest tests share, so that each is written once: reporting a
 * check, names for the errno values, signals and si_codes the tests print,
 * signal masks and handlers, raw system call results, comparing memory and
 * sleeping. A test includes it after its own feature macros and system
 * headers; the runner builds only *.c and *.cc, so this is no test itself. */
#ifndef GUEST_H
#define GUEST_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/// The number of checks report() has seen fail; a test exits 1 when it is not 0.
static int failures __attribute__((unused));

/// Prints "WHAT ok" when `ok`, else "WHAT FAILED: DETAIL" and counts a failure.
static inline void report(const char* what, int ok, const char* detail) {
    if (ok) {
        printf("%s ok\n", what);
    } else {
        printf("%s FAILED: %s\n", what, detail);
        failures++;
    }
}

/// Sleeps for `ms` milliseconds (less when a signal handler interrupts it).
static inline void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/// The name of errno value `e` among those the tests print, else "other".
static inline const char* errname(int e) {
    switch (e) {
    case EPERM:
        return "EPERM";
    case EINTR:
        return "EINTR";
    case EAGAIN:
        return "EAGAIN";
    case EFAULT:
        return "EFAULT";
    case EINVAL:
        return "EINVAL";
    case ENOSYS:
        return "ENOSYS";
    case ETIMEDOUT:
        return "ETIMEDOUT";
    case ENOENT:
        return "ENOENT";
    case EBADF:
        return "EBADF";
    case ENXIO:
        return "ENXIO";
    case EEXIST:
        return "EEXIST";
    case EBUSY:
        return "EBUSY";
    case ENOTTY:
        return "ENOTTY";
    case ESPIPE:
        return "ESPIPE";
    case EPIPE:
        return "EPIPE";
    case ELOOP:
        return "ELOOP";
    case ECANCELED:
        return "ECANCELED";
    default:
        return "other";
    }
}

/// The name of signal `sig` among those the tests print, "-1" for a failed
/// wait's result (any negative value), else "other".
static inline const char* signame(int sig) {
    switch (sig) {
    case SIGUSR1:
        return "SIGUSR1";
    case SIGUSR2:
        return "SIGUSR2";
    case SIGALRM:
        return "SIGALRM";
    default:
        return sig < 0 ? "-1" : "other";
    }
}

/// The name of si_code `code` for the senders the tests use, else "other".
static inline const char* codename(int code) {
    switch (code) {
    case SI_USER:
        return "SI_USER";
    case SI_TKILL:
        return "SI_TKILL";
    case SI_QUEUE:
        return "SI_QUEUE";
    case SI_KERNEL:
        return "SI_KERNEL";
    case SI_TIMER:
        return "SI_TIMER";
    default:
        return "other";
    }
}

/// Whether `sig` is in the calling thread's signal mask.
static inline int blocked(int sig) {
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, sig);
}

/// Adds `sig` to the calling thread's signal mask.
static inline void block(int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
}

/// Installs `fn` as the handler of `sig`: no flags, nothing added to the mask.
static inline void install(int sig, void (*fn)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/// A raw syscall() result as the value, or as -errno when it failed (-1).
static inline long sys_result(long r) {
    return r == -1 ? -errno : r;
}

/// Whether every byte of [p, p + len) equals `v`; volatile, so each byte is
/// read from memory.
static inline int all_equal(const volatile unsigned char* p, size_t len, unsigned char v) {
    for (size_t i = 0; i < len; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

#endif
