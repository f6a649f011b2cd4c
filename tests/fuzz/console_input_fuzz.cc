// Fuzzes the guest's decoder of ukrun's console framing (the bytes come
// from outside the VM): pushed in chunks of any size and read back in reads
// of any size, the InputQueue must never touch memory out of bounds (ASan),
// must never claim more than it holds, and must give the reader exactly
// what a plain reference decoder of the whole stream gives: the same data
// bytes, the one-shot ends of file at the same places (at most max_marks
// pending, as the queue keeps), nothing after the final end, and the last
// window size.
//
// Input: byte 0 seeds the chunk and read sizes, the rest is the stream.

#include "drivers/console_input.h"

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>

namespace {

using uk::drivers::console::InputQueue;
namespace con = uk::drivers::console;

// What the reader must see: data bytes and one-shot end-of-file marks
// (-1), in order, plus whether the stream has ended for good.
struct Model {
    std::deque<int> items;
    size_t marks = 0;
    bool ended = false;
    int state = 0;
    uint8_t ws[4] = {};
    bool has_ws = false;
    uint16_t rows = 0, cols = 0;

    void feed(uint8_t b) {
        if (state == 0) {
            if (b == con::escape)
                state = 1;
            else if (!ended)
                items.push_back(b);
            return;
        }
        if (state == 1) {
            state = 0;
            if (b == con::escape) {
                if (!ended)
                    items.push_back(b);
            } else if (b == con::mark_end) {
                ended = true;
            } else if (b == con::mark_eof) {
                if (!ended && marks < InputQueue::max_marks) {
                    items.push_back(-1);
                    marks++;
                }
            } else if (b == con::mark_winsize) {
                state = 2;
            }
            return;
        }
        ws[state - 2] = b;
        if (++state == 6) {
            state = 0;
            rows = uint16_t(ws[0] << 8 | ws[1]);
            cols = uint16_t(ws[2] << 8 | ws[3]);
            has_ws = true;
        }
    }
    size_t data_before_mark() const {
        size_t n = 0;
        for (int v : items) {
            if (v < 0)
                break;
            n++;
        }
        return n;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1)
        return 0;
    uint32_t seed = data[0] * 2654435761u + 1;
    auto rnd = [&seed](uint32_t n) {
        seed = seed * 1103515245u + 12345u;
        return (seed >> 8) % n;
    };
    data++;
    size--;
    auto q = std::make_unique<InputQueue>();
    Model m;
    size_t pos = 0;
    uint16_t rows, cols;
    for (int rounds = 0; rounds < 100000; rounds++) {
        bool push = pos < size && rnd(3) != 0;
        if (push) {
            size_t n = 1 + rnd(std::min<size_t>(size - pos, 9000));
            if (!q->room_for(n)) {
                push = false;
            } else {
                q->push(data + pos, n);
                for (size_t i = 0; i < n; i++)
                    m.feed(data[pos + i]);
                pos += n;
            }
        }
        if (!push) {
            // A read of up to k bytes, as the console file does it.
            size_t k = 1 + rnd(70000);
            size_t avail = q->available();
            if (avail != m.data_before_mark())
                abort();
            if (avail) {
                size_t done = 0;
                while (done < k && q->available()) {
                    size_t n;
                    const uint8_t* p = q->peek(&n);
                    if (n == 0 || n > q->available())
                        abort();
                    if (n > k - done)
                        n = k - done;
                    for (size_t i = 0; i < n; i++) {
                        if (m.items.empty() || m.items.front() != p[i])
                            abort();
                        m.items.pop_front();
                    }
                    q->consume(n);
                    done += n;
                }
            } else if (q->at_eof()) {
                bool model_mark = !m.items.empty() && m.items.front() == -1;
                if (!model_mark && !(m.ended && m.items.empty()))
                    abort();
                q->take_eof();
                if (model_mark) {
                    m.items.pop_front();
                    m.marks--;
                }
            } else {
                if (!m.items.empty() || (m.ended && !q->ended()))
                    abort();
                if (pos >= size)
                    break;
            }
        }
        if (q->readable() != (!m.items.empty() || m.ended))
            abort();
    }
    if (q->take_winsize(&rows, &cols) != m.has_ws ||
        (m.has_ws && (rows != m.rows || cols != m.cols)))
        abort();
    if (q->closed() != m.ended)
        abort();
    return 0;
}
