#include "drivers/console_input.h"

namespace uk::drivers::console {

size_t encode(const uint8_t* in, size_t n, uint8_t* out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == escape)
            out[o++] = escape;
        out[o++] = in[i];
    }
    return o;
}

size_t encode_end(uint8_t* out) {
    out[0] = escape;
    out[1] = mark_end;
    return 2;
}

size_t encode_eof(uint8_t* out) {
    out[0] = escape;
    out[1] = mark_eof;
    return 2;
}

size_t encode_winsize(uint16_t rows, uint16_t cols, uint8_t* out) {
    out[0] = escape;
    out[1] = mark_winsize;
    out[2] = uint8_t(rows >> 8);
    out[3] = uint8_t(rows);
    out[4] = uint8_t(cols >> 8);
    out[5] = uint8_t(cols);
    return 6;
}

void InputQueue::put(uint8_t b) {
    // Data after the end is dropped: the host said there would be none.
    if (m_ended || m_count == capacity)
        return;
    m_ring[(m_head + m_count) % capacity] = b;
    m_count++;
    m_total++;
}

void InputQueue::mark(bool end) {
    if (m_ended)
        return;
    if (end) {
        m_ended = true;
        return;
    }
    // Two marks at one place are two reads of 0; more marks than fit are
    // dropped (a terminal's user pressing Ctrl-D faster than the app reads).
    if (m_nmarks < max_marks)
        m_marks[m_nmarks++] = m_total;
}

void InputQueue::push(const uint8_t* raw, size_t n, bool framed) {
    for (size_t i = 0; i < n; i++) {
        uint8_t b = raw[i];
        if (!framed) {
            put(b);
            continue;
        }
        switch (m_state) {
        case 0:
            if (b == escape)
                m_state = 1;
            else
                put(b);
            break;
        case 1:
            m_state = 0;
            if (b == escape)
                put(b);
            else if (b == mark_end)
                mark(true);
            else if (b == mark_eof)
                mark(false);
            else if (b == mark_winsize)
                m_state = 2;
            break;
        default:
            m_ws[m_state - 2] = b;
            if (++m_state == 6) {
                m_state = 0;
                m_rows = uint16_t(m_ws[0] << 8 | m_ws[1]);
                m_cols = uint16_t(m_ws[2] << 8 | m_ws[3]);
                m_ws_new = true;
            }
            break;
        }
    }
}

size_t InputQueue::available() const {
    if (m_nmarks) {
        uint64_t read_pos = m_total - m_count;
        return size_t(m_marks[0] - read_pos);
    }
    return m_count;
}

bool InputQueue::at_eof() const {
    if (m_nmarks)
        return m_marks[0] == m_total - m_count;
    return m_ended && m_count == 0;
}

const uint8_t* InputQueue::peek(size_t* n) const {
    size_t avail = available();
    size_t contiguous = capacity - m_head;
    *n = avail < contiguous ? avail : contiguous;
    return m_ring + m_head;
}

void InputQueue::consume(size_t n) {
    size_t avail = available();
    if (n > avail)
        n = avail;
    m_head = (m_head + n) % capacity;
    m_count -= n;
}

void InputQueue::take_eof() {
    if (m_nmarks && m_marks[0] == m_total - m_count) {
        for (size_t i = 1; i < m_nmarks; i++)
            m_marks[i - 1] = m_marks[i];
        m_nmarks--;
    }
}

void InputQueue::flush() {
    m_head = (m_head + m_count) % capacity;
    m_count = 0;
    m_nmarks = 0;
}

bool InputQueue::take_winsize(uint16_t* rows, uint16_t* cols) {
    if (!m_ws_new)
        return false;
    m_ws_new = false;
    *rows = m_rows;
    *cols = m_cols;
    return true;
}

} // namespace uk::drivers::console
