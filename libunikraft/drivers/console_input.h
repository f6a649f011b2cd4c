// The console's input: the framing ukrun uses to carry its standard input
// to the guest, and the queue that holds what arrived until the app reads
// it. A byte stream alone cannot say "end of file" (a UART or a serial port
// just stops delivering), so ukrun escapes one byte value and uses it to
// mark the events that are not data:
//
//     escape escape            one data byte of value `escape`
//     escape 'E'               end of file: ukrun's standard input ended;
//                              every later read returns 0
//     escape 'D'               end of file typed at a terminal (Ctrl-D):
//                              one read returns 0, later ones wait for more
//     escape 'W' r r c c       the terminal's size: rows and columns,
//                              16 bits each, most significant byte first
//
// Any other byte after `escape` is dropped with it (room for later events).
// Pure logic: ukrun encodes with it, the kernel decodes with it, and host
// unit tests and a fuzz target drive both.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::drivers::console {

inline constexpr uint8_t escape = 0xff;
inline constexpr uint8_t mark_end = 'E', mark_eof = 'D', mark_winsize = 'W';

/// Encodes `n` data bytes into `out` (room for 2 * n bytes). Returns the
/// bytes written.
size_t encode(const uint8_t* in, size_t n, uint8_t* out);
/// The end-of-file marks (2 bytes each).
size_t encode_end(uint8_t* out);
size_t encode_eof(uint8_t* out);
/// A window-size event (6 bytes).
size_t encode_winsize(uint16_t rows, uint16_t cols, uint8_t* out);

/// Bytes from the host waiting for the app: a ring of decoded data with
/// the end-of-file marks at their places in the stream.
class InputQueue {
  public:
    static constexpr size_t capacity = 65536;
    static constexpr size_t max_marks = 32;

    /// Whether `n` more raw (encoded) bytes surely fit: decoding never
    /// makes bytes longer.
    bool room_for(size_t n) const { return capacity - m_count >= n; }
    /// Decodes raw bytes from the host (the caller checked room_for), or
    /// takes them as they are when `framed` is false (a UART's input).
    void push(const uint8_t* raw, size_t n, bool framed = true);

    /// Data bytes before the next end-of-file mark (FIONREAD).
    size_t available() const;
    /// Whether a read would not block: data, or an end of file to report.
    bool readable() const { return available() || at_eof(); }
    /// Whether the next read returns 0: a mark at the head, or the end.
    bool at_eof() const;
    /// Whether the host's input has ended for good and all of it is read.
    bool ended() const { return m_ended && m_count == 0; }
    /// Whether no more input can come (data may still be queued).
    bool closed() const { return m_ended; }

    /// The contiguous data at the head (at most available() bytes), for
    /// the reader to copy out; then consume() what it took.
    const uint8_t* peek(size_t* n) const;
    void consume(size_t n);
    /// Takes the end-of-file mark at the head, if there is one (a read
    /// that returned 0 because of it).
    void take_eof();
    /// Drops everything queued (TCFLSH).
    void flush();

    /// The last window size the host sent: returns false when none came
    /// since the last call.
    bool take_winsize(uint16_t* rows, uint16_t* cols);

  private:
    void put(uint8_t b);
    void mark(bool end);

    uint8_t m_ring[capacity];
    size_t m_head = 0;  // next byte to read, as a count of bytes ever queued
    size_t m_count = 0; // bytes queued
    // One-shot end-of-file marks: stream positions (bytes ever queued).
    uint64_t m_marks[max_marks];
    size_t m_nmarks = 0;
    uint64_t m_total = 0; // bytes ever queued
    bool m_ended = false;
    // Decoder state across pushes: 0 plain, 1 after escape, 2..5 the
    // window size's bytes.
    uint8_t m_state = 0;
    uint8_t m_ws[4] = {};
    uint16_t m_rows = 0, m_cols = 0;
    bool m_ws_new = false;
};

} // namespace uk::drivers::console
