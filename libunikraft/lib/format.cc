#include "lib/format.h"

#include <stdint.h>

namespace uk {

namespace {

struct Out {
    char* buf;
    size_t cap;
    size_t len;
    void put(char c) {
        if (len + 1 < cap)
            buf[len] = c;
        len++;
    }
};

void put_number(Out& o, uint64_t v, unsigned base, bool upper, bool negative, int width, bool zero,
                bool left) {
    char digits[24];
    int n = 0;
    const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[n++] = set[v % base];
        v /= base;
    } while (v);
    int len = n + (negative ? 1 : 0);
    if (!left && !zero)
        for (; width > len; width--)
            o.put(' ');
    if (negative)
        o.put('-');
    if (!left && zero)
        for (; width > len; width--)
            o.put('0');
    while (n)
        o.put(digits[--n]);
    if (left)
        for (; width > len; width--)
            o.put(' ');
}

} // namespace

size_t vformat(char* buf, size_t cap, const char* fmt, va_list ap) {
    Out o{buf, cap, 0};
    for (const char* p = fmt; *p; p++) {
        if (*p != '%') {
            o.put(*p);
            continue;
        }
        const char* start = p++;
        bool zero = false, left = false;
        for (;; p++) {
            if (*p == '0')
                zero = true;
            else if (*p == '-')
                left = true;
            else
                break;
        }
        int width = 0;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        int lng = 0;
        while (*p == 'l') {
            lng++;
            p++;
        }
        if (*p == 'z') {
            lng = 2;
            p++;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);
            uint64_t mag = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
            put_number(o, mag, 10, false, v < 0, width, zero, left);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            put_number(o, v, *p == 'u' ? 10 : 16, *p == 'X', false, width, zero, left);
            break;
        }
        case 'p': {
            uint64_t v = reinterpret_cast<uintptr_t>(va_arg(ap, void*));
            o.put('0');
            o.put('x');
            put_number(o, v, 16, false, false, width > 2 ? width - 2 : 0, true, false);
            break;
        }
        case 'c': {
            char c = char(va_arg(ap, int));
            if (!left)
                for (; width > 1; width--)
                    o.put(' ');
            o.put(c);
            for (; left && width > 1; width--)
                o.put(' ');
            break;
        }
        case 's': {
            const char* s = va_arg(ap, const char*);
            if (!s)
                s = "(null)";
            int n = 0;
            while (s[n])
                n++;
            if (!left)
                for (; width > n; width--)
                    o.put(' ');
            for (int i = 0; i < n; i++)
                o.put(s[i]);
            for (; left && width > n; width--)
                o.put(' ');
            break;
        }
        case '%':
            o.put('%');
            break;
        default:
            // Unknown conversion (or a lone % at the end): copy it as is.
            for (const char* q = start; q <= p && *q; q++)
                o.put(*q);
            if (!*p)
                p--;
            break;
        }
    }
    if (cap)
        buf[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}

size_t format(char* buf, size_t cap, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t n = vformat(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

} // namespace uk
