// glibc-ABI compatibility: the fortified `__*_chk` functions that glibc 2.36
// headers emit under -D_FORTIFY_SOURCE=1/2/3 (and a few that newer headers
// emit), on top of musl.
//
// Each checks the destination size the compiler worked out against what the
// call would write and, on overflow, does what glibc does: print
// "*** buffer overflow detected ***: terminated" on stderr and abort().
// The `flag` argument of the printf family asks glibc to refuse `%n` in
// writable format strings; glibc can only tell through /proc/self/maps, which
// a unikernel does not have, and without it glibc lets `%n` through too.

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>
#include <wchar.h>

#define UK_GLIBC_EXPORT __attribute__((visibility("default")))

extern "C" char* getwd(char* buf);

namespace {

// Prints glibc's fatal fortify message and aborts. Uses write(2) directly:
// the stdio state may be what overflowed.
[[noreturn]] void fortify_fail(const char* msg) {
    static const char prefix[] = "*** ";
    static const char suffix[] = " ***: terminated\n";
    struct iovec iov[3] = {
        {const_cast<char*>(prefix), sizeof prefix - 1},
        {const_cast<char*>(msg), strlen(msg)},
        {const_cast<char*>(suffix), sizeof suffix - 1},
    };
    writev(STDERR_FILENO, iov, 3);
    abort();
}

[[noreturn]] void chk_fail() {
    fortify_fail("buffer overflow detected");
}

// glibc's __OPEN_NEEDS_MODE: a mode argument is read for O_CREAT and
// O_TMPFILE (which includes O_DIRECTORY's bit).
bool open_needs_mode(int oflag) {
    return (oflag & O_CREAT) != 0 || (oflag & O_TMPFILE) == O_TMPFILE;
}

// vsnprintf that accepts any size: musl refuses sizes above INT_MAX, which
// also means "no limit known" here (glibc passes (size_t)-1 then).
int bounded_vsprintf(char* s, size_t slen, const char* fmt, va_list ap) {
    if (slen > INT_MAX)
        return vsprintf(s, fmt, ap);
    int n = vsnprintf(s, slen, fmt, ap);
    if (n >= 0 && static_cast<size_t>(n) >= slen)
        chk_fail();
    return n;
}

// fgets with glibc's check: it fails only when the line really needs more
// than `size` bytes, not merely because `n` exceeds `size`.
template <char* (*Fgets)(char*, int, FILE*), int (*Getc)(FILE*)>
char* checked_fgets(char* buf, size_t size, int n, FILE* fp) {
    if (n <= 0)
        return nullptr;
    if (static_cast<size_t>(n) <= size)
        return Fgets(buf, n, fp);
    if (size == 0)
        return nullptr;
    if (size == 1) {
        // glibc would store the first byte read at buf[0] and then the
        // terminator past the end.
        if (Getc(fp) == EOF)
            return nullptr;
        chk_fail();
    }
    if (size > INT_MAX)
        size = INT_MAX;
    char* r = Fgets(buf, static_cast<int>(size), fp);
    if (!r)
        return nullptr;
    size_t len = strlen(buf);
    if (len == size - 1 && buf[len - 1] != '\n' && Getc(fp) != EOF)
        chk_fail();
    return r;
}

template <wchar_t* (*Fgetws)(wchar_t*, int, FILE*), wint_t (*Getwc)(FILE*)>
wchar_t* checked_fgetws(wchar_t* buf, size_t size, int n, FILE* fp) {
    if (n <= 0)
        return nullptr;
    if (static_cast<size_t>(n) <= size)
        return Fgetws(buf, n, fp);
    if (size == 0)
        return nullptr;
    if (size == 1) {
        if (Getwc(fp) == WEOF)
            return nullptr;
        chk_fail();
    }
    if (size > INT_MAX)
        size = INT_MAX;
    wchar_t* r = Fgetws(buf, static_cast<int>(size), fp);
    if (!r)
        return nullptr;
    size_t len = wcslen(buf);
    if (len == size - 1 && buf[len - 1] != L'\n' && Getwc(fp) != WEOF)
        chk_fail();
    return r;
}

template <size_t (*Fread)(void*, size_t, size_t, FILE*)>
size_t checked_fread(void* ptr, size_t ptrlen, size_t size, size_t n, FILE* fp) {
    size_t bytes;
    if (__builtin_mul_overflow(size, n, &bytes) || bytes > ptrlen)
        chk_fail();
    if (bytes == 0)
        return 0;
    return Fread(ptr, size, n, fp);
}

int getc_locked(FILE* fp) {
    return getc(fp);
}

wint_t getwc_locked(FILE* fp) {
    return getwc(fp);
}

} // namespace

extern "C" {

/// Reports a buffer overflow the glibc way and aborts; never returns.
UK_GLIBC_EXPORT __attribute__((noreturn)) void __chk_fail(void) {
    chk_fail();
}

// ---------------------------------------------------------------- memory

/// memcpy that aborts when `len` exceeds the destination's `dstlen` bytes.
UK_GLIBC_EXPORT void* __memcpy_chk(void* dst, const void* src, size_t len, size_t dstlen) {
    if (dstlen < len)
        chk_fail();
    return memcpy(dst, src, len);
}

/// memmove that aborts when `len` exceeds the destination's `dstlen` bytes.
UK_GLIBC_EXPORT void* __memmove_chk(void* dst, const void* src, size_t len, size_t dstlen) {
    if (dstlen < len)
        chk_fail();
    return memmove(dst, src, len);
}

/// mempcpy that aborts when `len` exceeds the destination's `dstlen` bytes.
UK_GLIBC_EXPORT void* __mempcpy_chk(void* dst, const void* src, size_t len, size_t dstlen) {
    if (dstlen < len)
        chk_fail();
    return static_cast<char*>(memcpy(dst, src, len)) + len;
}

/// memset that aborts when `len` exceeds the destination's `dstlen` bytes.
UK_GLIBC_EXPORT void* __memset_chk(void* dst, int c, size_t len, size_t dstlen) {
    if (dstlen < len)
        chk_fail();
    return memset(dst, c, len);
}

/// explicit_bzero that aborts when `len` exceeds the destination's size.
UK_GLIBC_EXPORT void __explicit_bzero_chk(void* dst, size_t len, size_t dstlen) {
    if (dstlen < len)
        chk_fail();
    explicit_bzero(dst, len);
}

// ---------------------------------------------------------------- strings

/// strcpy that aborts when `src` and its terminator do not fit in `dstlen`.
UK_GLIBC_EXPORT char* __strcpy_chk(char* dst, const char* src, size_t dstlen) {
    size_t len = strlen(src);
    if (len >= dstlen)
        chk_fail();
    return static_cast<char*>(memcpy(dst, src, len + 1));
}

/// stpcpy that aborts when `src` and its terminator do not fit in `dstlen`.
UK_GLIBC_EXPORT char* __stpcpy_chk(char* dst, const char* src, size_t dstlen) {
    size_t len = strlen(src);
    if (len >= dstlen)
        chk_fail();
    memcpy(dst, src, len + 1);
    return dst + len;
}

/// strncpy that aborts when `n` exceeds the destination's `dstlen` bytes.
UK_GLIBC_EXPORT char* __strncpy_chk(char* dst, const char* src, size_t n, size_t dstlen) {
    if (dstlen < n)
        chk_fail();
    return strncpy(dst, src, n);
}

/// stpncpy that aborts when `n` exceeds the destination's `dstlen` bytes.
UK_GLIBC_EXPORT char* __stpncpy_chk(char* dst, const char* src, size_t n, size_t dstlen) {
    if (dstlen < n)
        chk_fail();
    return stpncpy(dst, src, n);
}

/// strcat that aborts when the joined string and terminator exceed `dstlen`.
UK_GLIBC_EXPORT char* __strcat_chk(char* dst, const char* src, size_t dstlen) {
    size_t have = strnlen(dst, dstlen);
    if (have == dstlen)
        chk_fail();
    size_t add = strlen(src);
    if (add >= dstlen - have)
        chk_fail();
    memcpy(dst + have, src, add + 1);
    return dst;
}

/// strncat that aborts when the joined string and terminator exceed `dstlen`.
UK_GLIBC_EXPORT char* __strncat_chk(char* dst, const char* src, size_t n, size_t dstlen) {
    size_t have = strnlen(dst, dstlen);
    if (have == dstlen)
        chk_fail();
    size_t add = strnlen(src, n);
    if (add >= dstlen - have)
        chk_fail();
    memcpy(dst + have, src, add);
    dst[have + add] = '\0';
    return dst;
}

/// strlcpy (glibc 2.38 headers) that aborts when `n` exceeds `dstlen`.
UK_GLIBC_EXPORT size_t __strlcpy_chk(char* dst, const char* src, size_t n, size_t dstlen) {
    if (dstlen < n)
        chk_fail();
    return strlcpy(dst, src, n);
}

/// strlcat (glibc 2.38 headers) that aborts when `n` exceeds `dstlen`.
UK_GLIBC_EXPORT size_t __strlcat_chk(char* dst, const char* src, size_t n, size_t dstlen) {
    if (dstlen < n)
        chk_fail();
    return strlcat(dst, src, n);
}

// ---------------------------------------------------------------- wide strings (sizes in wchar_t)

/// wmemcpy that aborts when `n` exceeds the destination's `dstlen` wchars.
UK_GLIBC_EXPORT wchar_t* __wmemcpy_chk(wchar_t* dst, const wchar_t* src, size_t n, size_t dstlen) {
    if (dstlen < n)
        chk_fail();
    return wmemcpy(dst, src, n);
}

/// wmemmove that aborts when `n` exceeds the destination's `dstlen` wchars.
UK_GLIBC_EXPORT wchar_t* __wmemmove_chk(wchar_t* dst, const wchar_t* src, size_t n, size_t dstlen) {
    if (dstlen < n)
        chk_fail();
    return wmemmove(dst, src, n);
}

/// wmempcpy that aborts when `n` exceeds the destination's `dstlen` wchars.
UK_GLIBC_EXPORT wchar_t* __wmempcpy_chk(wchar_t* dst, const wchar_t* src, size_t n, size_t dstlen) {
    if (dstlen < n)
        chk_fail();
    return wmemcpy(dst, src, n) + n;
}

/// wmemset that aborts when `n` exceeds the destination's `dstlen` wchars.
UK_GLIBC_EXPORT wchar_t* __wmemset_chk(wchar_t* dst, wchar_t c, size_t n, size_t dstlen) {
    if (dstlen < n)
        chk_fail();
    return wmemset(dst, c, n);
}

/// wcscpy that aborts when `src` and its terminator exceed `dstlen` wchars.
UK_GLIBC_EXPORT wchar_t* __wcscpy_chk(wchar_t* dst, const wchar_t* src, size_t dstlen) {
    size_t len = wcslen(src);
    if (len >= dstlen)
        chk_fail();
    return wmemcpy(dst, src, len + 1);
}

/// wcpcpy that aborts when `src` and its terminator exceed `dstlen` wchars.
UK_GLIBC_EXPORT wchar_t* __wcpcpy_chk(wchar_t* dst, const wchar_t* src, size_t dstlen) {
    size_t len = wcslen(src);
    if (len >= dstlen)
        chk_fail();
    wmemcpy(dst, src, len + 1);
    return dst + len;
}

/// wcsncpy that aborts when `n` exceeds the destination's `dstlen` wchars.
UK_GLIBC_EXPORT wchar_t* __wcsncpy_chk(wchar_t* dst, const wchar_t* src, size_t n, size_t dstlen) {
    if (dstlen < n)
        chk_fail();
    return wcsncpy(dst, src, n);
}

/// wcpncpy that aborts when `n` exceeds the destination's `dstlen` wchars.
UK_GLIBC_EXPORT wchar_t* __wcpncpy_chk(wchar_t* dst, const wchar_t* src, size_t n, size_t dstlen) {
    if (dstlen < n)
        chk_fail();
    size_t len = wcsnlen(src, n);
    wmemcpy(dst, src, len);
    wmemset(dst + len, L'\0', n - len);
    return dst + len;
}

/// wcscat that aborts when the joined string and terminator exceed `dstlen`.
UK_GLIBC_EXPORT wchar_t* __wcscat_chk(wchar_t* dst, const wchar_t* src, size_t dstlen) {
    size_t have = wcsnlen(dst, dstlen);
    if (have == dstlen)
        chk_fail();
    size_t add = wcslen(src);
    if (add >= dstlen - have)
        chk_fail();
    wmemcpy(dst + have, src, add + 1);
    return dst;
}

/// wcsncat that aborts when the joined string and terminator exceed `dstlen`.
UK_GLIBC_EXPORT wchar_t* __wcsncat_chk(wchar_t* dst, const wchar_t* src, size_t n, size_t dstlen) {
    size_t have = wcsnlen(dst, dstlen);
    if (have == dstlen)
        chk_fail();
    size_t add = wcsnlen(src, n);
    if (add >= dstlen - have)
        chk_fail();
    wmemcpy(dst + have, src, add);
    dst[have + add] = L'\0';
    return dst;
}

// ---------------------------------------------------------------- multibyte conversion

/// wctomb that aborts when the destination is shorter than MB_CUR_MAX.
UK_GLIBC_EXPORT int __wctomb_chk(char* s, wchar_t wc, size_t buflen) {
    if (buflen < MB_CUR_MAX)
        chk_fail();
    return wctomb(s, wc);
}

/// wcrtomb that aborts when the destination is shorter than MB_CUR_MAX.
UK_GLIBC_EXPORT size_t __wcrtomb_chk(char* s, wchar_t wc, mbstate_t* ps, size_t buflen) {
    if (buflen < MB_CUR_MAX)
        chk_fail();
    return wcrtomb(s, wc, ps);
}

/// mbstowcs that aborts when `len` exceeds the destination's `dstlen` wchars.
UK_GLIBC_EXPORT size_t __mbstowcs_chk(wchar_t* dst, const char* src, size_t len, size_t dstlen) {
    if (dstlen < len)
        chk_fail();
    return mbstowcs(dst, src, len);
}

/// wcstombs that aborts when `len` exceeds the destination's `dstlen` bytes.
UK_GLIBC_EXPORT size_t __wcstombs_chk(char* dst, const wchar_t* src, size_t len, size_t dstlen) {
    if (dstlen < len)
        chk_fail();
    return wcstombs(dst, src, len);
}

/// mbsrtowcs that aborts when `len` exceeds the destination's `dstlen` wchars.
UK_GLIBC_EXPORT size_t __mbsrtowcs_chk(wchar_t* dst, const char** src, size_t len, mbstate_t* ps,
                                       size_t dstlen) {
    if (dstlen < len)
        chk_fail();
    return mbsrtowcs(dst, src, len, ps);
}

/// mbsnrtowcs that aborts when `len` exceeds the destination's `dstlen` wchars.
UK_GLIBC_EXPORT size_t __mbsnrtowcs_chk(wchar_t* dst, const char** src, size_t nmc, size_t len,
                                        mbstate_t* ps, size_t dstlen) {
    if (dstlen < len)
        chk_fail();
    return mbsnrtowcs(dst, src, nmc, len, ps);
}

/// wcsrtombs that aborts when `len` exceeds the destination's `dstlen` bytes.
UK_GLIBC_EXPORT size_t __wcsrtombs_chk(char* dst, const wchar_t** src, size_t len, mbstate_t* ps,
                                       size_t dstlen) {
    if (dstlen < len)
        chk_fail();
    return wcsrtombs(dst, src, len, ps);
}

/// wcsnrtombs that aborts when `len` exceeds the destination's `dstlen` bytes.
UK_GLIBC_EXPORT size_t __wcsnrtombs_chk(char* dst, const wchar_t** src, size_t nwc, size_t len,
                                        mbstate_t* ps, size_t dstlen) {
    if (dstlen < len)
        chk_fail();
    return wcsnrtombs(dst, src, nwc, len, ps);
}

// ---------------------------------------------------------------- formatted output

/// vsprintf that aborts when the output and terminator exceed `slen` bytes.
UK_GLIBC_EXPORT int __vsprintf_chk(char* s, int flag, size_t slen, const char* fmt, va_list ap) {
    if (slen == 0)
        chk_fail();
    return bounded_vsprintf(s, slen, fmt, ap);
}

/// sprintf that aborts when the output and terminator exceed `slen` bytes.
UK_GLIBC_EXPORT int __sprintf_chk(char* s, int flag, size_t slen, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = __vsprintf_chk(s, flag, slen, fmt, ap);
    va_end(ap);
    return n;
}

/// vsnprintf that aborts when the limit `maxlen` exceeds the buffer's `slen`.
UK_GLIBC_EXPORT int __vsnprintf_chk(char* s, size_t maxlen, int flag, size_t slen, const char* fmt,
                                    va_list ap) {
    if (slen < maxlen)
        chk_fail();
    return vsnprintf(s, maxlen, fmt, ap);
}

/// snprintf that aborts when the limit `maxlen` exceeds the buffer's `slen`.
UK_GLIBC_EXPORT int __snprintf_chk(char* s, size_t maxlen, int flag, size_t slen, const char* fmt,
                                   ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = __vsnprintf_chk(s, maxlen, flag, slen, fmt, ap);
    va_end(ap);
    return n;
}

/// vprintf; `flag` is the fortify level (see the top of this file).
UK_GLIBC_EXPORT int __vprintf_chk(int flag, const char* fmt, va_list ap) {
    return vprintf(fmt, ap);
}

/// printf; `flag` is the fortify level.
UK_GLIBC_EXPORT int __printf_chk(int flag, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

/// vfprintf; `flag` is the fortify level.
UK_GLIBC_EXPORT int __vfprintf_chk(FILE* fp, int flag, const char* fmt, va_list ap) {
    return vfprintf(fp, fmt, ap);
}

/// fprintf; `flag` is the fortify level.
UK_GLIBC_EXPORT int __fprintf_chk(FILE* fp, int flag, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(fp, fmt, ap);
    va_end(ap);
    return n;
}

/// vdprintf; `flag` is the fortify level.
UK_GLIBC_EXPORT int __vdprintf_chk(int fd, int flag, const char* fmt, va_list ap) {
    return vdprintf(fd, fmt, ap);
}

/// dprintf; `flag` is the fortify level.
UK_GLIBC_EXPORT int __dprintf_chk(int fd, int flag, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(fd, fmt, ap);
    va_end(ap);
    return n;
}

/// vasprintf; `flag` is the fortify level. Returns -1 when out of memory.
UK_GLIBC_EXPORT int __vasprintf_chk(char** out, int flag, const char* fmt, va_list ap) {
    return vasprintf(out, fmt, ap);
}

/// asprintf; `flag` is the fortify level. Returns -1 when out of memory.
UK_GLIBC_EXPORT int __asprintf_chk(char** out, int flag, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(out, fmt, ap);
    va_end(ap);
    return n;
}

/// vsyslog; `flag` is the fortify level.
UK_GLIBC_EXPORT void __vsyslog_chk(int priority, int flag, const char* fmt, va_list ap) {
    vsyslog(priority, fmt, ap);
}

/// syslog; `flag` is the fortify level.
UK_GLIBC_EXPORT void __syslog_chk(int priority, int flag, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsyslog(priority, fmt, ap);
    va_end(ap);
}

/// vswprintf that aborts when the limit `n` exceeds the buffer's `slen` wchars.
UK_GLIBC_EXPORT int __vswprintf_chk(wchar_t* s, size_t n, int flag, size_t slen, const wchar_t* fmt,
                                    va_list ap) {
    if (slen < n)
        chk_fail();
    return vswprintf(s, n, fmt, ap);
}

/// swprintf that aborts when the limit `n` exceeds the buffer's `slen` wchars.
UK_GLIBC_EXPORT int __swprintf_chk(wchar_t* s, size_t n, int flag, size_t slen, const wchar_t* fmt,
                                   ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = __vswprintf_chk(s, n, flag, slen, fmt, ap);
    va_end(ap);
    return r;
}

/// vwprintf; `flag` is the fortify level.
UK_GLIBC_EXPORT int __vwprintf_chk(int flag, const wchar_t* fmt, va_list ap) {
    return vwprintf(fmt, ap);
}

/// wprintf; `flag` is the fortify level.
UK_GLIBC_EXPORT int __wprintf_chk(int flag, const wchar_t* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vwprintf(fmt, ap);
    va_end(ap);
    return n;
}

/// vfwprintf; `flag` is the fortify level.
UK_GLIBC_EXPORT int __vfwprintf_chk(FILE* fp, int flag, const wchar_t* fmt, va_list ap) {
    return vfwprintf(fp, fmt, ap);
}

/// fwprintf; `flag` is the fortify level.
UK_GLIBC_EXPORT int __fwprintf_chk(FILE* fp, int flag, const wchar_t* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vfwprintf(fp, fmt, ap);
    va_end(ap);
    return n;
}

// ---------------------------------------------------------------- stdio input

/// fgets into a `size`-byte buffer; aborts when the line read needs more.
UK_GLIBC_EXPORT char* __fgets_chk(char* buf, size_t size, int n, FILE* fp) {
    return checked_fgets<fgets, getc_locked>(buf, size, n, fp);
}

/// fgets_unlocked into a `size`-byte buffer; aborts when the line needs more.
UK_GLIBC_EXPORT char* __fgets_unlocked_chk(char* buf, size_t size, int n, FILE* fp) {
    return checked_fgets<fgets_unlocked, getc_unlocked>(buf, size, n, fp);
}

/// fgetws into a `size`-wchar buffer; aborts when the line read needs more.
UK_GLIBC_EXPORT wchar_t* __fgetws_chk(wchar_t* buf, size_t size, int n, FILE* fp) {
    return checked_fgetws<fgetws, getwc_locked>(buf, size, n, fp);
}

/// fgetws_unlocked into a `size`-wchar buffer; aborts when the line needs more.
UK_GLIBC_EXPORT wchar_t* __fgetws_unlocked_chk(wchar_t* buf, size_t size, int n, FILE* fp) {
    return checked_fgetws<fgetws_unlocked, getwc_unlocked>(buf, size, n, fp);
}

/// fread that aborts when `size * n` exceeds the buffer's `ptrlen` bytes.
UK_GLIBC_EXPORT size_t __fread_chk(void* ptr, size_t ptrlen, size_t size, size_t n, FILE* fp) {
    return checked_fread<fread>(ptr, ptrlen, size, n, fp);
}

/// fread_unlocked that aborts when `size * n` exceeds `ptrlen` bytes.
UK_GLIBC_EXPORT size_t __fread_unlocked_chk(void* ptr, size_t ptrlen, size_t size, size_t n,
                                            FILE* fp) {
    return checked_fread<fread_unlocked>(ptr, ptrlen, size, n, fp);
}

/// gets into a `size`-byte buffer; aborts when the line does not fit.
/// Returns null at end of file before any byte, or on a read error.
UK_GLIBC_EXPORT char* __gets_chk(char* buf, size_t size) {
    if (size == 0)
        chk_fail();
    flockfile(stdin);
    size_t count = 0;
    int c = getc_unlocked(stdin);
    if (c == EOF) {
        funlockfile(stdin);
        return nullptr;
    }
    while (c != EOF && c != '\n') {
        if (count >= size - 1)
            chk_fail();
        buf[count++] = static_cast<char>(c);
        c = getc_unlocked(stdin);
    }
    bool failed = c == EOF && ferror_unlocked(stdin);
    funlockfile(stdin);
    if (failed)
        return nullptr;
    buf[count] = '\0';
    return buf;
}

// ---------------------------------------------------------------- system calls with buffers

/// read that aborts when `nbytes` exceeds the buffer's `buflen` bytes.
UK_GLIBC_EXPORT ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen) {
    if (nbytes > buflen)
        chk_fail();
    return read(fd, buf, nbytes);
}

/// pread that aborts when `nbytes` exceeds the buffer's `buflen` bytes.
UK_GLIBC_EXPORT ssize_t __pread_chk(int fd, void* buf, size_t nbytes, off_t offset, size_t buflen) {
    if (nbytes > buflen)
        chk_fail();
    return pread(fd, buf, nbytes, offset);
}

/// pread64 that aborts when `nbytes` exceeds the buffer's `buflen` bytes.
UK_GLIBC_EXPORT ssize_t __pread64_chk(int fd, void* buf, size_t nbytes, off_t offset,
                                      size_t buflen) {
    if (nbytes > buflen)
        chk_fail();
    return pread(fd, buf, nbytes, offset);
}

/// recv that aborts when `n` exceeds the buffer's `buflen` bytes.
UK_GLIBC_EXPORT ssize_t __recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags) {
    if (n > buflen)
        chk_fail();
    return recv(fd, buf, n, flags);
}

/// recvfrom that aborts when `n` exceeds the buffer's `buflen` bytes.
UK_GLIBC_EXPORT ssize_t __recvfrom_chk(int fd, void* buf, size_t n, size_t buflen, int flags,
                                       struct sockaddr* addr, socklen_t* addrlen) {
    if (n > buflen)
        chk_fail();
    return recvfrom(fd, buf, n, flags, addr, addrlen);
}

/// readlink that aborts when `len` exceeds the buffer's `buflen` bytes.
UK_GLIBC_EXPORT ssize_t __readlink_chk(const char* path, char* buf, size_t len, size_t buflen) {
    if (len > buflen)
        chk_fail();
    return readlink(path, buf, len);
}

/// readlinkat that aborts when `len` exceeds the buffer's `buflen` bytes.
UK_GLIBC_EXPORT ssize_t __readlinkat_chk(int dirfd, const char* path, char* buf, size_t len,
                                         size_t buflen) {
    if (len > buflen)
        chk_fail();
    return readlinkat(dirfd, path, buf, len);
}

/// getcwd that aborts when `size` exceeds the buffer's `buflen` bytes.
UK_GLIBC_EXPORT char* __getcwd_chk(char* buf, size_t size, size_t buflen) {
    if (size > buflen)
        chk_fail();
    return getcwd(buf, size);
}

/// getwd that aborts when the buffer is shorter than PATH_MAX.
UK_GLIBC_EXPORT char* __getwd_chk(char* buf, size_t buflen) {
    if (buflen < PATH_MAX)
        chk_fail();
    return getwd(buf);
}

/// realpath that aborts when the result buffer is shorter than PATH_MAX.
UK_GLIBC_EXPORT char* __realpath_chk(const char* path, char* resolved, size_t resolvedlen) {
    if (resolvedlen < PATH_MAX)
        chk_fail();
    return realpath(path, resolved);
}

/// confstr that aborts when `len` exceeds the buffer's `buflen` bytes.
UK_GLIBC_EXPORT size_t __confstr_chk(int name, char* buf, size_t len, size_t buflen) {
    if (len > buflen)
        chk_fail();
    return confstr(name, buf, len);
}

/// getgroups that aborts when `size` groups exceed the list's `listlen` bytes.
/// Returns -1 with errno EINVAL for a negative size.
UK_GLIBC_EXPORT int __getgroups_chk(int size, gid_t* list, size_t listlen) {
    if (size < 0) {
        errno = EINVAL;
        return -1;
    }
    if (static_cast<size_t>(size) > listlen / sizeof(gid_t))
        chk_fail();
    return getgroups(size, list);
}

/// ttyname_r that aborts when `buflen` exceeds the buffer's `nreal` bytes.
UK_GLIBC_EXPORT int __ttyname_r_chk(int fd, char* buf, size_t buflen, size_t nreal) {
    if (buflen > nreal)
        chk_fail();
    return ttyname_r(fd, buf, buflen);
}

/// getlogin_r that aborts when `buflen` exceeds the buffer's `nreal` bytes.
UK_GLIBC_EXPORT int __getlogin_r_chk(char* buf, size_t buflen, size_t nreal) {
    if (buflen > nreal)
        chk_fail();
    return getlogin_r(buf, buflen);
}

/// gethostname that aborts when `buflen` exceeds the buffer's `nreal` bytes.
UK_GLIBC_EXPORT int __gethostname_chk(char* buf, size_t buflen, size_t nreal) {
    if (buflen > nreal)
        chk_fail();
    return gethostname(buf, buflen);
}

/// getdomainname that aborts when `buflen` exceeds the buffer's `nreal` bytes.
UK_GLIBC_EXPORT int __getdomainname_chk(char* buf, size_t buflen, size_t nreal) {
    if (buflen > nreal)
        chk_fail();
    return getdomainname(buf, buflen);
}

/// ptsname_r that aborts when `buflen` exceeds the buffer's `nreal` bytes.
UK_GLIBC_EXPORT int __ptsname_r_chk(int fd, char* buf, size_t buflen, size_t nreal) {
    if (buflen > nreal)
        chk_fail();
    return ptsname_r(fd, buf, buflen);
}

/// poll that aborts when `nfds` entries exceed the array's `fdslen` bytes.
UK_GLIBC_EXPORT int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen) {
    if (fdslen / sizeof(*fds) < nfds)
        chk_fail();
    return poll(fds, nfds, timeout);
}

/// ppoll that aborts when `nfds` entries exceed the array's `fdslen` bytes.
UK_GLIBC_EXPORT int __ppoll_chk(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout,
                                const sigset_t* ss, size_t fdslen) {
    if (fdslen / sizeof(*fds) < nfds)
        chk_fail();
    return ppoll(fds, nfds, timeout, ss);
}

/// The word index of descriptor `d` in an fd_set (FD_SET and friends);
/// aborts unless 0 <= d < FD_SETSIZE.
UK_GLIBC_EXPORT long __fdelt_chk(long d) {
    if (d < 0 || d >= FD_SETSIZE)
        fortify_fail("bit out of range 0 - FD_SETSIZE on fd_set");
    return d / (8 * static_cast<long>(sizeof(long)));
}

/// The same as __fdelt_chk; glibc's headers call this name for constants
/// they already warned about.
UK_GLIBC_EXPORT long __fdelt_warn(long d) {
    return __fdelt_chk(d);
}

// ---------------------------------------------------------------- open without a mode

/// open for flags that take no mode; aborts when O_CREAT or O_TMPFILE is
/// given, since the mode would be read from garbage.
UK_GLIBC_EXPORT int __open_2(const char* path, int oflag) {
    if (open_needs_mode(oflag))
        fortify_fail("invalid open call: O_CREAT or O_TMPFILE without mode");
    return open(path, oflag);
}

/// The same as __open_2 (off_t is 64 bits wide on x86_64).
UK_GLIBC_EXPORT int __open64_2(const char* path, int oflag) {
    return __open_2(path, oflag);
}

/// openat for flags that take no mode; aborts when O_CREAT or O_TMPFILE is
/// given.
UK_GLIBC_EXPORT int __openat_2(int dirfd, const char* path, int oflag) {
    if (open_needs_mode(oflag))
        fortify_fail("invalid openat call: O_CREAT or O_TMPFILE without mode");
    return openat(dirfd, path, oflag);
}

/// The same as __openat_2.
UK_GLIBC_EXPORT int __openat64_2(int dirfd, const char* path, int oflag) {
    return __openat_2(dirfd, path, oflag);
}

/// mq_open without mode and attributes; aborts when O_CREAT is given.
UK_GLIBC_EXPORT mqd_t __mq_open_2(const char* name, int oflag) {
    if (oflag & O_CREAT)
        fortify_fail("invalid mq_open call: O_CREAT without mode and attr");
    return mq_open(name, oflag);
}

// ---------------------------------------------------------------- longjmp

/// longjmp, _longjmp and siglongjmp under fortify: aborts when the target
/// frame lies below the current stack pointer (it no longer exists) unless
/// running on the alternate signal stack, as glibc does.
UK_GLIBC_EXPORT __attribute__((noreturn)) void __longjmp_chk(struct __jmp_buf_tag* env, int val) {
    // musl's setjmp keeps the caller's stack pointer in the seventh slot.
    auto target_sp = static_cast<uintptr_t>(env->__jb[6]);
    auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    if (target_sp < here) {
        stack_t ss;
        if (sigaltstack(nullptr, &ss) != 0 || !(ss.ss_flags & SS_ONSTACK))
            fortify_fail("longjmp causes uninitialized stack frame");
    }
    // musl's longjmp also serves sigsetjmp buffers: the signal mask is
    // restored on the way back through sigsetjmp.
    longjmp(env, val);
}

} // extern "C"
