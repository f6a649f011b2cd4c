/* glibc's execinfo.h calls (Redis logs its crash reports with them): backtrace
 * stores the caller's return address first and never more than size frames;
 * backtrace_symbols gives one string per frame in one block that one free()
 * releases; backtrace_symbols_fd writes the same lines to a descriptor. Each
 * line ends with the frame's address as "[%p]", as glibc writes it. */
//! run: --
//! status: 0
//! native
//! expect: size 0: 0, size -1: 0
//! expect: frames: at least one
//! expect: frame 0 is in the caller: yes
//! expect: size 1: 1 frame, the same address
//! expect: symbols: every line ends with its address
//! expect: symbols_fd: one line per frame, each ends with its address
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Not a tail call: the empty asm after the call keeps the return inside. */
__attribute__((noinline)) static int caller(void** buf, int size) {
    int n = backtrace(buf, size);
    __asm__ volatile("" ::: "memory");
    return n;
}

__attribute__((noinline)) static void caller_end(void) {
    __asm__ volatile("");
}

/* Whether `line` ends with "[ADDR]" for `addr`. */
static int ends_with_addr(const char* line, size_t len, void* addr) {
    char want[40];
    int w = snprintf(want, sizeof want, "[%p]", addr);
    return w > 0 && len >= (size_t)w && memcmp(line + len - (size_t)w, want, (size_t)w) == 0;
}

int main(void) {
    void* buf[64];
    printf("size 0: %d, size -1: %d\n", caller(buf, 0), caller(buf, -1));

    int n = caller(buf, 64);
    printf("frames: %s\n", n >= 1 && n <= 64 ? "at least one" : "none");
    if (n < 1)
        return 1;
    /* The return address lies after caller's call, within its few bytes. */
    char* lo = (char*)caller;
    char* hi = lo + 64;
    if ((char*)caller_end > lo && (char*)caller_end < hi)
        hi = (char*)caller_end;
    int inside = (char*)buf[0] > lo && (char*)buf[0] < hi;
    printf("frame 0 is in the caller: %s\n", inside ? "yes" : "no");

    void* one[1];
    int n1 = caller(one, 1);
    printf("size 1: %d frame, %s\n", n1, one[0] == buf[0] ? "the same address" : "another address");

    char** syms = backtrace_symbols(buf, n);
    int good = syms != NULL;
    for (int i = 0; good && i < n; i++)
        good = syms[i] != NULL && ends_with_addr(syms[i], strlen(syms[i]), buf[i]);
    printf("symbols: %s\n", good ? "every line ends with its address" : "a line is wrong");
    free(syms);

    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    backtrace_symbols_fd(buf, n, fds[1]);
    close(fds[1]);
    static char text[65536];
    size_t len = 0;
    ssize_t r;
    while ((r = read(fds[0], text + len, sizeof text - 1 - len)) > 0)
        len += (size_t)r;
    close(fds[0]);
    int lines = 0, ok = 1;
    char* p = text;
    while (p < text + len) {
        char* nl = memchr(p, '\n', (size_t)(text + len - p));
        if (!nl || lines >= n) {
            ok = 0;
            break;
        }
        ok = ok && ends_with_addr(p, (size_t)(nl - p), buf[lines]);
        lines++;
        p = nl + 1;
    }
    printf("symbols_fd: %s\n",
           ok && lines == n ? "one line per frame, each ends with its address" : "wrong lines");
    return 0;
}
