#include "lib/text.h"

#include "lib/format.h"
#include "mm/kheap.h"

namespace uk {

Text::~Text() {
    kheap_free(m_buf);
}

bool Text::reserve(size_t extra) {
    if (m_failed)
        return false;
    // One byte more for the terminating NUL release() promises.
    if (m_len + extra + 1 <= m_cap)
        return true;
    size_t cap = m_cap ? m_cap : 256;
    while (cap < m_len + extra + 1)
        cap *= 2;
    auto* p = static_cast<char*>(kheap_alloc(cap, 16));
    if (!p) {
        m_failed = true;
        return false;
    }
    if (m_len)
        __builtin_memcpy(p, m_buf, m_len);
    kheap_free(m_buf);
    m_buf = p;
    m_cap = cap;
    return true;
}

void Text::put(const char* s, size_t n) {
    if (!n || !reserve(n))
        return;
    __builtin_memcpy(m_buf + m_len, s, n);
    m_len += n;
    m_buf[m_len] = '\0';
}

void Text::puts(const char* s) {
    size_t n = 0;
    while (s[n])
        n++;
    put(s, n);
}

void Text::vprintf(const char* fmt, va_list ap) {
    // Most pieces are short: try the room there is, then grow to the size
    // the formatter asked for and format again.
    va_list again;
    va_copy(again, ap);
    if (!reserve(64)) {
        va_end(again);
        return;
    }
    size_t room = m_cap - m_len;
    size_t n = vformat(m_buf + m_len, room, fmt, ap);
    if (n >= room) {
        if (reserve(n))
            vformat(m_buf + m_len, m_cap - m_len, fmt, again);
        else
            n = 0;
    }
    va_end(again);
    m_len += n;
    if (m_buf)
        m_buf[m_len] = '\0';
}

void Text::printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void Text::octal(uint64_t v, int width) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = char('0' + (v & 7));
        v >>= 3;
    } while (v);
    for (; width > n; width--)
        putc('0');
    while (n)
        putc(digits[--n]);
}

void Text::pad_to(size_t column) {
    size_t start = m_len;
    while (start && m_buf[start - 1] != '\n')
        start--;
    for (size_t col = m_len - start; col < column; col++)
        putc(' ');
}

char* Text::release() {
    char* p = m_buf;
    m_buf = nullptr;
    m_len = m_cap = 0;
    return p;
}

} // namespace uk
