// A growable text buffer in the kernel heap, for files whose contents the
// kernel writes out as text (/proc, /sys). Pure logic: the host unit tests
// build it with a malloc-backed kheap.
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

namespace uk {

/// Text appended piece by piece. When memory runs out the text stops
/// growing and failed() turns true; later appends are ignored.
class Text {
  public:
    Text() = default;
    Text(const Text&) = delete;
    Text& operator=(const Text&) = delete;
    ~Text();

    /// Appends formatted text (lib/format.h's conversions).
    [[gnu::format(printf, 2, 3)]] void printf(const char* fmt, ...);
    void vprintf(const char* fmt, va_list ap);
    /// Appends n bytes, a NUL-terminated string, one character.
    void put(const char* s, size_t n);
    void puts(const char* s);
    void putc(char c) { put(&c, 1); }
    /// Appends v in octal, zero-padded to at least `width` digits.
    void octal(uint64_t v, int width);
    /// Appends spaces until the current line is `column` characters long.
    void pad_to(size_t column);

    const char* data() const { return m_buf ? m_buf : ""; }
    size_t size() const { return m_len; }
    /// True once an append could not get memory.
    bool failed() const { return m_failed; }
    /// Drops the text (keeping the buffer).
    void clear() { truncate(0); }
    /// Keeps the first n bytes (n <= size()).
    void truncate(size_t n) {
        if (n < m_len) {
            m_len = n;
            m_buf[n] = '\0';
        }
    }
    /// Hands the buffer (NUL-terminated, kheap_free to release) to the
    /// caller; the Text is empty afterwards. nullptr when nothing was written.
    char* release();

  private:
    bool reserve(size_t extra);
    char* m_buf = nullptr;
    size_t m_len = 0;
    size_t m_cap = 0;
    bool m_failed = false;
};

} // namespace uk
