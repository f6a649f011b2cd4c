// The console's input framing: ukrun's encoder (console_relay.h) and the
// kernel's decoder and input queue (drivers/console_input.h).
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "console_relay.h"
#include "drivers/console_input.h"

using namespace uk::drivers::console;

namespace {

std::unique_ptr<InputQueue> queue() {
    return std::make_unique<InputQueue>();
}

void push(InputQueue& q, std::string const& raw) {
    ASSERT_TRUE(q.room_for(raw.size()));
    q.push(reinterpret_cast<uint8_t const*>(raw.data()), raw.size());
}

// Reads up to n bytes as the console file does (0 at an end of file).
std::string read(InputQueue& q, size_t n = 1 << 20) {
    std::string out;
    while (out.size() < n && q.available()) {
        size_t k;
        uint8_t const* p = q.peek(&k);
        k = std::min(k, n - out.size());
        out.append(reinterpret_cast<char const*>(p), k);
        q.consume(k);
    }
    if (out.empty() && q.at_eof())
        q.take_eof();
    return out;
}

std::string framed(std::string const& data) {
    std::string out;
    ukrun::frame_input(reinterpret_cast<uint8_t const*>(data.data()), data.size(), &out);
    return out;
}

std::string mark(size_t (*enc)(uint8_t*)) {
    uint8_t b[8];
    return std::string(reinterpret_cast<char*>(b), enc(b));
}

} // namespace

TEST(ConsoleInput, EncodingDoublesOnlyTheEscape) {
    EXPECT_EQ(framed("abc"), "abc");
    EXPECT_EQ(framed(std::string("a\xff"
                                 "b",
                                 3)),
              std::string("a\xff\xff"
                          "b",
                          4));
    EXPECT_EQ(mark(encode_end), "\xff"
                                "E");
    EXPECT_EQ(mark(encode_eof), "\xff"
                                "D");
    uint8_t w[6];
    ASSERT_EQ(encode_winsize(0x1234, 80, w), 6u);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(w), 6), std::string("\xffW\x12\x34\x00\x50", 6));
}

TEST(ConsoleInput, RoundTripOfEveryByteInChunksOfAnySize) {
    std::mt19937 rng(1);
    std::string data;
    for (int i = 0; i < 200000; i++)
        data += char(rng() % 4 == 0 ? 0xff : rng());
    std::string raw = framed(data) + mark(encode_end);
    auto q = queue();
    std::string got;
    size_t at = 0;
    while (at < raw.size() || !q->ended()) {
        size_t n = std::min<size_t>(raw.size() - at, 1 + rng() % 5000);
        if (n && q->room_for(n)) {
            push(*q, raw.substr(at, n));
            at += n;
        }
        got += read(*q, 1 + rng() % 7000);
    }
    EXPECT_EQ(got, data);
    EXPECT_TRUE(q->at_eof());
}

TEST(ConsoleInput, EndIsForGoodAndDropsWhatFollows) {
    auto q = queue();
    EXPECT_FALSE(q->readable());
    push(*q, "ab" + mark(encode_end) + "cd");
    EXPECT_TRUE(q->closed());
    EXPECT_FALSE(q->ended()); // "ab" is still there
    EXPECT_EQ(read(*q), "ab");
    EXPECT_TRUE(q->ended());
    for (int i = 0; i < 3; i++) {
        EXPECT_TRUE(q->readable());
        EXPECT_EQ(read(*q), "");
    }
}

TEST(ConsoleInput, TerminalEndOfFileIsOneReadAtItsPlace) {
    auto q = queue();
    push(*q, "line1\n" + mark(encode_eof) + mark(encode_eof) + "line2\n");
    EXPECT_EQ(q->available(), 6u); // FIONREAD stops at the mark
    EXPECT_EQ(read(*q), "line1\n");
    EXPECT_TRUE(q->at_eof());
    EXPECT_EQ(read(*q), ""); // the first mark
    EXPECT_EQ(read(*q), ""); // the second
    EXPECT_FALSE(q->at_eof());
    EXPECT_EQ(read(*q), "line2\n");
    EXPECT_FALSE(q->readable()); // waits for more
}

TEST(ConsoleInput, EventsSplitAcrossPushes) {
    auto q = queue();
    std::string raw = std::string("x\xffW\x00\x18\x00\x50y", 8) + mark(encode_eof);
    for (char c : raw)
        push(*q, std::string(1, c));
    uint16_t rows = 0, cols = 0;
    EXPECT_TRUE(q->take_winsize(&rows, &cols));
    EXPECT_EQ(rows, 24);
    EXPECT_EQ(cols, 80);
    EXPECT_FALSE(q->take_winsize(&rows, &cols)); // reported once
    EXPECT_EQ(read(*q), "xy");
    EXPECT_EQ(read(*q), "");
}

TEST(ConsoleInput, UnknownEventsAreDropped) {
    auto q = queue();
    push(*q, "a\xff"
             "Zb\xff"
             "\x01"
             "c");
    EXPECT_EQ(read(*q), "abc");
}

TEST(ConsoleInput, RoomAndFlush) {
    auto q = queue();
    std::string big(InputQueue::capacity - 10, 'z');
    push(*q, big);
    EXPECT_TRUE(q->room_for(10));
    EXPECT_FALSE(q->room_for(11));
    push(*q, "0123456789");
    EXPECT_EQ(q->available(), size_t(InputQueue::capacity));
    EXPECT_EQ(read(*q, 5), "zzzzz");
    q->flush(); // TCFLSH
    EXPECT_EQ(q->available(), 0u);
    push(*q, "after");
    EXPECT_EQ(read(*q), "after"); // across the ring's end
}

TEST(ConsoleInput, RawInputFromAUartIsNotDecoded) {
    auto q = queue();
    std::string raw = "a\xff"
                      "Eb";
    q->push(reinterpret_cast<uint8_t const*>(raw.data()), raw.size(), false);
    EXPECT_FALSE(q->closed());
    EXPECT_EQ(read(*q), raw);
}
