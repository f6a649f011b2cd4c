// poll, ppoll, select and pselect6: front ends over File::poll. A first
// pass asks every file and queues the calling thread on every queue the
// files name (holding a reference to each file while its entry is queued);
// the thread then sleeps until one of them notifies, the timeout passes or
// a signal comes, and asks again without queueing. Timeouts are updated
// as Linux updates them.
#include "arch/x86_64/sigframe.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "posix/limits.h"
#include "posix/signal.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "sched/sched.h"
#include "sched/signal.h"
#include "vfs/fd.h"

namespace uk::posix {

using vfs::File;

namespace {

// One queued entry and the file whose queue it is on.
struct PollEntry {
    vfs::WaitEntry entry;
    File* file;
};

// The PollTable of one call: entries for the calling thread, a few inline
// (the direct entry runs on the app's stack) and the rest in pages.
class PollWait final : public vfs::PollTable {
  public:
    PollWait() = default;
    PollWait(const PollWait&) = delete;
    PollWait& operator=(const PollWait&) = delete;
    ~PollWait() {
        for (size_t i = 0; i < m_inline_used; i++)
            drop(m_inline[i]);
        while (Chunk* c = m_chunks) {
            m_chunks = c->next;
            for (size_t i = 0; i < c->used; i++)
                drop(c->e[i]);
            kheap_free(c);
        }
    }

    /// The file whose poll() runs next, for the entries it makes.
    void set_file(File* f) { m_file = f; }
    /// -ENOMEM when an entry could not be made.
    long error() const { return m_error; }
    /// Whether a queue notified since the last clear.
    bool woken() const { return m_woken; }
    void clear() { m_woken = false; }

    void wait_on(vfs::WaitQueue& q) override {
        PollEntry* e = slot();
        if (!e) {
            m_error = -ENOMEM;
            return;
        }
        e->entry = vfs::WaitEntry{};
        e->entry.notify = wake;
        e->entry.ctx = this;
        e->file = m_file;
        m_file->get();
        q.add(&e->entry);
    }

  private:
    static constexpr size_t inline_entries = 4;
    struct Chunk {
        static constexpr size_t cap = (4096 - 16) / sizeof(PollEntry);
        Chunk* next;
        size_t used;
        PollEntry e[cap];
    };

    static void wake(vfs::WaitEntry* e, uint32_t) {
        auto* self = static_cast<PollWait*>(e->ctx);
        self->m_woken = true;
        sched::wake(self->m_thread, 0);
    }

    static void drop(PollEntry& e) {
        if (e.entry.queue)
            e.entry.queue->remove(&e.entry);
        e.file->put();
    }

    PollEntry* slot() {
        if (m_inline_used < inline_entries)
            return &m_inline[m_inline_used++];
        if (!m_chunks || m_chunks->used == Chunk::cap) {
            auto* c = static_cast<Chunk*>(kheap_alloc(sizeof(Chunk)));
            if (!c)
                return nullptr;
            c->next = m_chunks;
            c->used = 0;
            m_chunks = c;
        }
        return &m_chunks->e[m_chunks->used++];
    }

    PollEntry m_inline[inline_entries];
    size_t m_inline_used = 0;
    Chunk* m_chunks = nullptr;
    File* m_file = nullptr;
    long m_error = 0;
    bool m_woken = false;
    sched::Thread* m_thread = sched::current();
};

// What a timeout argument became: no timeout, none to wait (zero), or an
// absolute monotonic deadline.
struct Deadline {
    bool given = false; // the call had a timeout argument
    bool zero = false;  // it was zero: no waiting, no update
    uint64_t at = 0;    // monotonic ns when given and not zero
    bool forever() const { return !given; }
};

Deadline deadline_after(int64_t ns) {
    Deadline d;
    d.given = true;
    if (ns == 0)
        d.zero = true;
    else
        d.at = arch::monotonic_ns() + uint64_t(ns);
    return d;
}

// The loop every front end shares: scan(pt) asks the files (queueing on
// their queues when pt is not null) and returns how many are ready or an
// error. Returns that count, 0 at the deadline, -ERESTARTNOHAND when a
// signal came first, -ENOMEM.
template <typename Scan> long wait_ready(const Deadline& d, Scan scan) {
    PollWait table;
    bool timed_out = d.zero;
    bool first = true;
    for (;;) {
        table.clear();
        long count = scan(first && !timed_out ? &table : nullptr);
        first = false;
        if (!count) {
            count = table.error();
            if (sched::signal::has_deliverable(sched::current()))
                count = -arch::erestartnohand;
        }
        if (count || timed_out)
            return count;
        if (table.woken())
            continue;
        if (sched::block(d.forever() ? 0 : d.at) == -ETIMEDOUT)
            timed_out = true;
    }
}

// Writes the time left until d back to the app's timespec or timeval, as
// Linux's poll_select_finish does: not for a zero timeout; a failed write
// keeps the result but turns a restart into EINTR.
long finish_timeout(const Deadline& d, long uarg, bool timeval, long ret) {
    if (!d.given || d.zero)
        return ret;
    uint64_t now = arch::monotonic_ns();
    int64_t left = d.at > now ? int64_t(d.at - now) : 0;
    long fault = timeval ? (UserPtr<Timeval>(uarg).put(timeval_of(left)) ? -EFAULT : 0)
                         : write_user_timespec(uarg, left);
    if (fault && ret == -arch::erestartnohand)
        return -EINTR;
    return ret;
}

// ---------------------------------------------------------------- poll

struct Pollfd {
    int fd;
    short events;
    short revents;
};

// poll reports these whether asked for or not.
constexpr uint32_t poll_always = vfs::ev_err | vfs::ev_hup;
constexpr size_t poll_inline = 32;

// The events fd is ready for among `events`, ev_nval for a closed fd.
uint32_t poll_one(PollWait* pt, int fd, uint32_t events) {
    vfs::FileRef f(long{fd});
    if (!f || (f->flags & vfs::o_path))
        return vfs::ev_nval;
    if (pt)
        pt->set_file(f.get());
    return f->poll(pt) & (events | poll_always);
}

long do_poll(long ufds, long n, const Deadline& d) {
    if (n < 0 || uint64_t(n) > rlimit_cur(rlimit_nofile))
        return -EINVAL;
    // The array is read once and its revents written back once, as Linux
    // does (a small one on the stack).
    Pollfd small[poll_inline];
    Pollfd* p = small;
    if (size_t(n) > poll_inline) {
        p = static_cast<Pollfd*>(kheap_alloc(size_t(n) * sizeof(Pollfd)));
        if (!p)
            return -ENOMEM;
    }
    long r = UserPtr<const Pollfd>(ufds).read(p, size_t(n)) ? -EFAULT : 0;
    if (!r) {
        r = wait_ready(d, [&](PollWait* pt) {
            long count = 0;
            for (long i = 0; i < n; i++) {
                p[i].revents = 0;
                if (p[i].fd < 0)
                    continue;
                uint32_t ev = poll_one(pt, p[i].fd, uint16_t(p[i].events));
                if (ev) {
                    p[i].revents = short(ev);
                    count++;
                    pt = nullptr; // there is an answer: no need to wait
                }
            }
            return count;
        });
        if (n && UserPtr<Pollfd>(ufds).write(p, size_t(n)))
            r = -EFAULT;
    }
    if (p != small)
        kheap_free(p);
    return r;
}

// ---------------------------------------------------------------- select

constexpr size_t bits_per_word = 64;
// Linux's POLLIN_SET, POLLOUT_SET and POLLEX_SET.
constexpr uint32_t select_in =
                       vfs::ev_rdnorm | vfs::ev_rdband | vfs::ev_in | vfs::ev_hup | vfs::ev_err,
                   select_out = vfs::ev_wrband | vfs::ev_wrnorm | vfs::ev_out | vfs::ev_err,
                   select_ex = vfs::ev_pri;
// Six sets of this many words fit on the stack.
constexpr size_t select_inline_words = 4;

// The fd table's size as Linux would have it (64, then powers of two):
// select ignores the bits of fds beyond it.
long fd_table_size() {
    long cap = 64;
    while (cap < vfs::fd_limit())
        cap *= 2;
    return cap;
}

long do_select(long n, long uin, long uout, long uex, const Deadline& d) {
    if (n < 0)
        return -EINVAL;
    if (long cap = fd_table_size(); n > cap)
        n = cap;
    const size_t words = (size_t(n) + bits_per_word - 1) / bits_per_word;
    uint64_t small[6 * select_inline_words];
    uint64_t* buf = small;
    if (words > select_inline_words) {
        buf = static_cast<uint64_t*>(kheap_alloc(6 * words * sizeof(uint64_t)));
        if (!buf)
            return -ENOMEM;
    }
    uint64_t* in = buf;
    uint64_t* out = buf + words;
    uint64_t* ex = buf + 2 * words;
    uint64_t* res = buf + 3 * words; // res_in, res_out, res_ex
    long r = 0;
    const long uargs[3] = {uin, uout, uex};
    uint64_t* sets[3] = {in, out, ex};
    for (int s = 0; s < 3; s++) {
        for (size_t w = 0; w < words; w++)
            sets[s][w] = 0;
        if (uargs[s] && words && UserPtr<const uint64_t>(uargs[s]).read(sets[s], words))
            r = -EFAULT;
    }
    if (words && n % bits_per_word)
        for (int s = 0; s < 3; s++)
            sets[s][words - 1] &= (uint64_t(1) << (n % bits_per_word)) - 1;
    // A closed fd in any set is EBADF before anything waits.
    for (size_t w = 0; !r && w < words; w++)
        for (uint64_t all = in[w] | out[w] | ex[w]; all; all &= all - 1) {
            long fd = long(w * bits_per_word) + __builtin_ctzll(all);
            if (!vfs::FileRef(fd)) {
                r = -EBADF;
                break;
            }
        }
    if (!r) {
        r = wait_ready(d, [&](PollWait* pt) {
            long count = 0;
            for (size_t w = 0; w < 3 * words; w++)
                res[w] = 0;
            for (size_t w = 0; w < words; w++)
                for (uint64_t all = in[w] | out[w] | ex[w]; all; all &= all - 1) {
                    int bit = __builtin_ctzll(all);
                    uint64_t m = uint64_t(1) << bit;
                    uint32_t ev = poll_one(pt, int(w * bits_per_word) + bit, ~0u);
                    if ((in[w] & m) && (ev & select_in)) {
                        res[w] |= m;
                        count++;
                        pt = nullptr;
                    }
                    if ((out[w] & m) && (ev & select_out)) {
                        res[words + w] |= m;
                        count++;
                        pt = nullptr;
                    }
                    if ((ex[w] & m) && (ev & select_ex)) {
                        res[2 * words + w] |= m;
                        count++;
                        pt = nullptr;
                    }
                }
            return count;
        });
    }
    // The sets change only when the call did not fail.
    for (int s = 0; r >= 0 && s < 3; s++)
        if (uargs[s] && words && UserPtr<uint64_t>(uargs[s]).write(res + s * words, words))
            r = -EFAULT;
    if (buf != small)
        kheap_free(buf);
    return r;
}

} // namespace

UK_SYSCALL(7, poll) {
    const int timeout_ms = int(a3);
    Deadline d;
    if (timeout_ms >= 0)
        d = deadline_after(int64_t(timeout_ms) * 1000000);
    long r = do_poll(a1, long(uint32_t(a2)), d);
    // Linux continues an interrupted poll through its restart block, with
    // what is left of a timeout; here that ends as EINTR, so only a call
    // without one may be made again as it was.
    if (r == -arch::erestartnohand && timeout_ms >= 0)
        r = -arch::erestart_restartblock;
    return r;
}

UK_SYSCALL(271, ppoll) {
    Deadline d;
    if (a3) {
        int64_t ns;
        if (long r = read_user_timespec(a3, &ns))
            return r;
        d = deadline_after(ns);
    }
    if (a4)
        if (long r = set_temporary_mask(a4, a5))
            return r;
    return finish_timeout(d, a3, false, do_poll(a1, long(uint32_t(a2)), d));
}

UK_SYSCALL(23, select) {
    Deadline d;
    if (a5) {
        Timeval tv;
        if (UserPtr<const Timeval>(a5).read(&tv))
            return -EFAULT;
        // Linux carries whole seconds of tv_usec over before it checks.
        Timespec ts{tv.sec + tv.usec / 1000000, (tv.usec % 1000000) * ns_per_us};
        if (!valid(ts))
            return -EINVAL;
        d = deadline_after(to_ns(ts));
    }
    return finish_timeout(d, a5, true, do_select(int(a1), a2, a3, a4, d));
}

UK_SYSCALL(270, pselect6) {
    // The sixth argument points at the mask's address and size.
    struct MaskArg {
        uint64_t mask;
        uint64_t size;
    } sig{0, 0};
    if (a6 && UserPtr<const MaskArg>(a6).read(&sig))
        return -EFAULT;
    Deadline d;
    if (a5) {
        int64_t ns;
        if (long r = read_user_timespec(a5, &ns))
            return r;
        d = deadline_after(ns);
    }
    if (sig.mask)
        if (long r = set_temporary_mask(long(sig.mask), long(sig.size)))
            return r;
    return finish_timeout(d, a5, false, do_select(int(a1), a2, a3, a4, d));
}

} // namespace uk::posix
