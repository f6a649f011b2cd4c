/* Helpers of the socket tests: errno names (those guest.h does not know
 * too) and a result printer, so that every line shows what Linux gives. */
#ifndef SOCK_H
#define SOCK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/// The name of errno value `e`, socket errors included.
static inline const char* sock_errname(int e) {
    switch (e) {
#define N(x)                                                                                       \
    case x:                                                                                        \
        return #x;
        N(EPERM) N(ENOENT) N(EINTR) N(EBADF) N(EAGAIN) N(ENOMEM) N(EACCES) N(EFAULT) N(EEXIST)
        N(ENOTDIR) N(EISDIR) N(EINVAL) N(EMFILE) N(ENOTTY) N(ESPIPE) N(EROFS) N(EPIPE) N(EDOM)
        N(ENAMETOOLONG) N(ENOTSOCK) N(EDESTADDRREQ) N(EMSGSIZE) N(EPROTOTYPE) N(ENOPROTOOPT)
        N(EPROTONOSUPPORT) N(ESOCKTNOSUPPORT) N(EOPNOTSUPP) N(EAFNOSUPPORT) N(EADDRINUSE)
        N(EADDRNOTAVAIL) N(ECONNABORTED) N(ECONNRESET) N(ENOBUFS) N(EISCONN) N(ENOTCONN)
        N(ETIMEDOUT) N(ECONNREFUSED) N(EINPROGRESS) N(EALREADY)
#undef N
    default:
        return "other";
    }
}

/// Prints "WHAT: R" for a result that is not -1, else "WHAT: -1 ENAME".
static inline void show(const char* what, long r) {
    if (r == -1)
        printf("%s: -1 %s\n", what, sock_errname(errno));
    else
        printf("%s: %ld\n", what, r);
}

#endif
