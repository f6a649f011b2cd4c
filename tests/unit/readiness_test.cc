// Pipes, epoll and eventfd on the host: the kernel's own pipe.cc, epoll.cc,
// eventfd.cc and wait.cc over stand-in kernel services (vfs_host.cc,
// readiness_host.cc). Nothing here blocks: the files are O_NONBLOCK.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "lib/signal_abi.h"
#include "readiness_host.h"
#include "vfs/epoll.h"
#include "vfs/eventfd.h"
#include "vfs/pipe.h"
#include "vfs/vfs.h"

using namespace uk::vfs;

namespace {

constexpr unsigned long fionread = 0x541b;

long write_bytes(File* f, const std::vector<uint8_t>& v) {
    IoBuf b = IoBuf::kernel(v.data(), v.size());
    return f->write(b);
}

long read_bytes(File* f, size_t n, std::vector<uint8_t>* out) {
    out->assign(n, 0);
    IoBuf b = IoBuf::kernel(out->data(), n);
    long r = f->read(b);
    out->resize(r > 0 ? size_t(r) : 0);
    return r;
}

int fionread_of(File* f) {
    int v = -1;
    EXPECT_EQ(f->ioctl(fionread, uint64_t(reinterpret_cast<uintptr_t>(&v))), 0);
    return v;
}

struct Pipe {
    File* r = nullptr;
    File* w = nullptr;
    explicit Pipe(uint32_t flags = o_nonblock) { EXPECT_EQ(pipe_create(flags, &r, &w), 0); }
    ~Pipe() {
        if (r)
            r->put();
        if (w)
            w->put();
    }
};

// A pipe against a plain queue of bytes: whatever the mix of sizes and
// capacity changes, the bytes come out as they went in, a write of at most
// PIPE_BUF bytes goes whole or not at all, and FIONREAD and poll agree.
TEST(Pipe, RandomOperationsMatchAByteQueue) {
    std::mt19937 rng(20261130);
    for (int round = 0; round < 10; round++) {
        Pipe p;
        std::deque<uint8_t> model;
        uint8_t next = 0;
        for (int op = 0; op < 3000; op++) {
            switch (rng() % 6) {
            case 0:
            case 1:
            case 2: {
                static const size_t limits[] = {100, 4200, 70000};
                size_t n = 1 + rng() % limits[rng() % 3];
                std::vector<uint8_t> v(n);
                for (auto& b : v)
                    b = next++;
                long r = write_bytes(p.w, v);
                if (r == -EAGAIN) {
                    next = uint8_t(next - n);
                    break;
                }
                ASSERT_GT(r, 0);
                ASSERT_LE(size_t(r), n);
                if (n <= pipe_buf) {
                    ASSERT_EQ(size_t(r), n) << "a write of at most PIPE_BUF bytes was split";
                }
                model.insert(model.end(), v.begin(), v.begin() + r);
                next = uint8_t(next - (n - size_t(r)));
                break;
            }
            case 3:
            case 4: {
                size_t n = 1 + rng() % 9000;
                std::vector<uint8_t> got;
                long r = read_bytes(p.r, n, &got);
                if (model.empty()) {
                    ASSERT_EQ(r, -EAGAIN);
                    break;
                }
                ASSERT_EQ(size_t(r), n < model.size() ? n : model.size());
                for (uint8_t b : got) {
                    ASSERT_EQ(b, model.front());
                    model.pop_front();
                }
                break;
            }
            default: {
                uint64_t size = uint64_t(4096) << (rng() % 7);
                long r = pipe_fcntl(p.r, f_setpipe_sz, size);
                if (r != -EBUSY) {
                    ASSERT_EQ(uint64_t(r), size);
                }
                break;
            }
            }
            ASSERT_EQ(size_t(fionread_of(p.r)), model.size());
            ASSERT_LE(model.size(), size_t(pipe_fcntl(p.w, f_getpipe_sz, 0)));
            ASSERT_EQ((p.r->poll(nullptr) & ev_in) != 0, !model.empty());
        }
    }
}

TEST(Pipe, FullCountsPagesNotBytes) {
    Pipe p;
    std::vector<uint8_t> one(1, 'x');
    size_t n = 0;
    while (write_bytes(p.w, one) == 1)
        n++;
    EXPECT_EQ(n, pipe_default_size);
    std::vector<uint8_t> got;
    EXPECT_EQ(read_bytes(p.r, 1, &got), 1);
    // The first page still holds 4095 bytes and the last is full.
    EXPECT_EQ(write_bytes(p.w, one), -EAGAIN);
    EXPECT_EQ(p.w->poll(nullptr) & ev_out, 0u);
    EXPECT_EQ(read_bytes(p.r, 4095, &got), 4095);
    EXPECT_NE(p.w->poll(nullptr) & ev_out, 0u);
}

TEST(Pipe, PacketsAreReadOneAtATime) {
    Pipe p(o_nonblock | o_direct);
    EXPECT_EQ(write_bytes(p.w, std::vector<uint8_t>(3, 'a')), 3);
    EXPECT_EQ(write_bytes(p.w, std::vector<uint8_t>(5000, 'b')), 5000);
    std::vector<uint8_t> got;
    EXPECT_EQ(read_bytes(p.r, 100, &got), 3);
    EXPECT_EQ(read_bytes(p.r, 10000, &got), 4096); // a packet is at most a page
    EXPECT_EQ(read_bytes(p.r, 2, &got), 2);        // the rest of that one is gone
    EXPECT_EQ(read_bytes(p.r, 1, &got), -EAGAIN);
}

TEST(Pipe, ClosingOneEndTellsTheOther) {
    Pipe p;
    p.r->put();
    p.r = nullptr;
    readiness_host::last_signal = 0;
    EXPECT_EQ(write_bytes(p.w, std::vector<uint8_t>(1, 'x')), -EPIPE);
    EXPECT_EQ(readiness_host::last_signal, uk::sigpipe);
    EXPECT_EQ(p.w->poll(nullptr) & ev_err, ev_err);

    Pipe q;
    EXPECT_EQ(write_bytes(q.w, std::vector<uint8_t>(2, 'x')), 2);
    q.w->put();
    q.w = nullptr;
    EXPECT_EQ(q.r->poll(nullptr), ev_in | ev_rdnorm | ev_hup);
    std::vector<uint8_t> got;
    EXPECT_EQ(read_bytes(q.r, 10, &got), 2);
    EXPECT_EQ(read_bytes(q.r, 10, &got), 0);
}

struct Epoll {
    File* ep = nullptr;
    Epoll() { EXPECT_EQ(epoll_create(&ep), 0); }
    ~Epoll() { ep->put(); }
    long ctl(int op, File* f, uint32_t events, uint64_t data = 0) {
        return epoll_ctl(ep, op, 3, f, EpollEvent{events, data});
    }
    long wait(std::vector<EpollEvent>* out, int max = 8) {
        out->assign(size_t(max), EpollEvent{0, 0});
        long n = epoll_wait(ep, reinterpret_cast<uintptr_t>(out->data()), max, 0, true);
        out->resize(n > 0 ? size_t(n) : 0);
        return n;
    }
};

File* new_eventfd(uint64_t count) {
    File* f = nullptr;
    EXPECT_EQ(eventfd_create(count, false, o_nonblock, &f), 0);
    return f;
}

void add_to(File* e, uint64_t v) {
    IoBuf b = IoBuf::kernel(&v, sizeof(v));
    EXPECT_EQ(e->write(b), 8);
}

TEST(Epoll, LevelEdgeAndOneShot) {
    Epoll ep;
    File* e = new_eventfd(0);
    std::vector<EpollEvent> out;
    EXPECT_EQ(ep.ctl(epoll_ctl_add, e, ev_in, 7), 0);
    EXPECT_EQ(ep.ctl(epoll_ctl_add, e, ev_in), -EEXIST);
    EXPECT_EQ(ep.wait(&out), 0);
    add_to(e, 1);
    EXPECT_EQ(ep.wait(&out), 1);
    EXPECT_EQ(out[0].data, 7u);
    EXPECT_EQ(ep.wait(&out), 1); // level: still there

    EXPECT_EQ(ep.ctl(epoll_ctl_mod, e, ev_in | epoll_et, 8), 0);
    EXPECT_EQ(ep.wait(&out), 1);
    EXPECT_EQ(ep.wait(&out), 0); // edge: once per change
    add_to(e, 1);
    EXPECT_EQ(ep.wait(&out), 1);

    EXPECT_EQ(ep.ctl(epoll_ctl_mod, e, ev_in | epoll_oneshot, 9), 0);
    EXPECT_EQ(ep.wait(&out), 1);
    add_to(e, 1);
    EXPECT_EQ(ep.wait(&out), 0); // fired: off until MOD
    EXPECT_EQ(ep.ctl(epoll_ctl_mod, e, ev_in, 10), 0);
    EXPECT_EQ(ep.wait(&out), 1);

    EXPECT_EQ(ep.ctl(epoll_ctl_del, e, 0), 0);
    EXPECT_EQ(ep.ctl(epoll_ctl_del, e, 0), -ENOENT);
    EXPECT_EQ(ep.wait(&out), 0);
    e->put();
}

TEST(Epoll, LastCloseRemovesTheInterest) {
    Epoll ep;
    File* e = new_eventfd(1);
    EXPECT_EQ(ep.ctl(epoll_ctl_add, e, ev_in), 0);
    std::vector<EpollEvent> out;
    EXPECT_EQ(ep.wait(&out), 1);
    e->get();
    e->put(); // another reference went: still watched
    EXPECT_EQ(ep.wait(&out), 1);
    e->put();
    EXPECT_EQ(ep.wait(&out), 0);
}

TEST(Epoll, NestingIsLimitedAndCyclesRefused) {
    std::vector<File*> chain(8);
    ASSERT_EQ(epoll_create(&chain[0]), 0);
    int level = 1;
    long r = 0;
    for (; level < 8; level++) {
        ASSERT_EQ(epoll_create(&chain[size_t(level)]), 0);
        r = epoll_ctl(chain[size_t(level)], epoll_ctl_add, 3, chain[size_t(level) - 1],
                      EpollEvent{ev_in, 0});
        if (r)
            break;
    }
    EXPECT_EQ(level, 5);
    EXPECT_EQ(r, -ELOOP);
    EXPECT_EQ(epoll_ctl(chain[0], epoll_ctl_add, 3, chain[2], EpollEvent{ev_in, 0}), -ELOOP);
    for (int i = level; i >= 0; i--)
        chain[size_t(i)]->put();
}

TEST(Epoll, AnEpollIsReadableWhenAnInterestIs) {
    Epoll inner, outer;
    File* e = new_eventfd(0);
    EXPECT_EQ(inner.ctl(epoll_ctl_add, e, ev_in), 0);
    EXPECT_EQ(outer.ctl(epoll_ctl_add, inner.ep, ev_in, 5), 0);
    std::vector<EpollEvent> out;
    EXPECT_EQ(inner.ep->poll(nullptr), 0u);
    EXPECT_EQ(outer.wait(&out), 0);
    add_to(e, 1);
    EXPECT_EQ(inner.ep->poll(nullptr), ev_in | ev_rdnorm);
    EXPECT_EQ(outer.wait(&out), 1);
    EXPECT_EQ(out[0].data, 5u);
    e->put();
}

} // namespace
