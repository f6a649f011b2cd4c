/* Helpers of the socket tests: errno names (those guest.h does not know
 * too) and a result printer, so that every line shows what Linux gives. */
#ifndef SOCK_H
#define SOCK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/// The errno values the socket tests print, by name.
#define SOCK_ERRNO(x)                                                                              \
    { x, #x }
static const struct {
    int value;
    const char* name;
} sock_errnos[] = {
    SOCK_ERRNO(EPERM),           SOCK_ERRNO(ENOENT),          SOCK_ERRNO(EINTR),
    SOCK_ERRNO(EBADF),           SOCK_ERRNO(EAGAIN),          SOCK_ERRNO(ENOMEM),
    SOCK_ERRNO(EACCES),          SOCK_ERRNO(EFAULT),          SOCK_ERRNO(EEXIST),
    SOCK_ERRNO(ENOTDIR),         SOCK_ERRNO(EISDIR),          SOCK_ERRNO(EINVAL),
    SOCK_ERRNO(EMFILE),          SOCK_ERRNO(ENOTTY),          SOCK_ERRNO(ESPIPE),
    SOCK_ERRNO(EROFS),           SOCK_ERRNO(EPIPE),           SOCK_ERRNO(EDOM),
    SOCK_ERRNO(ENAMETOOLONG),    SOCK_ERRNO(ENOTSOCK),        SOCK_ERRNO(EDESTADDRREQ),
    SOCK_ERRNO(EMSGSIZE),        SOCK_ERRNO(EPROTOTYPE),      SOCK_ERRNO(ENOPROTOOPT),
    SOCK_ERRNO(EPROTONOSUPPORT), SOCK_ERRNO(ESOCKTNOSUPPORT), SOCK_ERRNO(EOPNOTSUPP),
    SOCK_ERRNO(EAFNOSUPPORT),    SOCK_ERRNO(EADDRINUSE),      SOCK_ERRNO(EADDRNOTAVAIL),
    SOCK_ERRNO(ECONNABORTED),    SOCK_ERRNO(ECONNRESET),      SOCK_ERRNO(ENOBUFS),
    SOCK_ERRNO(EISCONN),         SOCK_ERRNO(ENOTCONN),        SOCK_ERRNO(ETIMEDOUT),
    SOCK_ERRNO(ECONNREFUSED),    SOCK_ERRNO(EINPROGRESS),     SOCK_ERRNO(EALREADY),
    SOCK_ERRNO(ENETUNREACH),     SOCK_ERRNO(EHOSTUNREACH),    SOCK_ERRNO(ENODEV),
    SOCK_ERRNO(ENXIO),
};

/// The name of errno value `e`, socket errors included, else "other".
static inline const char* sock_errname(int e) {
    for (size_t i = 0; i < sizeof(sock_errnos) / sizeof(sock_errnos[0]); i++)
        if (sock_errnos[i].value == e)
            return sock_errnos[i].name;
    return "other";
}

/// Prints "WHAT: R" for a result that is not -1, else "WHAT: -1 ENAME".
static inline void show(const char* what, long r) {
    if (r == -1)
        printf("%s: -1 %s\n", what, sock_errname(errno));
    else
        printf("%s: %ld\n", what, r);
}

#endif
