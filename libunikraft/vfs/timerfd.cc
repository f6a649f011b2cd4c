// timerfd: a timer whose expirations are read as a count (vfs/eventfd.h).
// As on Linux, a periodic timer is not re-armed from its expiry: the read
// (or gettime) that finds it expired counts the periods missed since and
// re-arms it, so an unread timer costs no interrupts.
#include "arch/x86_64/sigframe.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "sched/sched.h"
#include "vfs/anon.h"
#include "vfs/eventfd.h"

namespace uk::vfs {

namespace {

class TimerFile final : public AnonFile {
  public:
    static constexpr char tag = 0;
    sched::Waiter m_timer;
    TimerClock m_clock = TimerClock::monotonic;
    // Monotonic ns of the next (or last) expiry; before boot (negative) for
    // an absolute wall-clock time that long past.
    int64_t m_expiry = 0;
    uint64_t m_interval = 0;
    uint64_t m_ticks = 0;
    bool m_expired = false; // fired and not re-armed since
    WaitQueue m_wait;

    TimerFile() {
        m_timer.expire = on_expire;
        m_timer.owner = this;
    }

    const void* kind() const override { return &tag; }

    static void on_expire(sched::Waiter* w) { static_cast<TimerFile*>(w->owner)->fire(); }

    void fire() {
        m_expired = true;
        m_ticks++;
        m_wait.notify(ev_in);
    }

    void arm() {
        if (m_expiry <= now()) {
            // Already due: count it now, as Linux's timer would fire at once.
            fire();
            return;
        }
        m_timer.deadline = uint64_t(m_expiry);
        sched::add_timer(&m_timer);
    }

    // A periodic timer that fired: moves the expiry past now and returns
    // how many periods that was (Linux's hrtimer_forward_now).
    uint64_t forward() {
        int64_t t = now();
        if (t < m_expiry)
            return 0;
        uint64_t n = uint64_t(t - m_expiry) / m_interval + 1;
        m_expiry += int64_t(n * m_interval);
        return n;
    }

    // Counts the periods that passed after the one that fired.
    void add_missed() {
        if (uint64_t n = forward())
            m_ticks += n - 1;
    }

    // The periods missed since the expiry are counted and the timer runs
    // again.
    void catch_up() {
        if (m_expired && m_interval) {
            m_expired = false;
            add_missed();
            arm();
        }
    }

    static int64_t now() { return int64_t(arch::monotonic_ns()); }

    uint64_t remaining() const {
        int64_t t = now();
        return m_expiry > t ? uint64_t(m_expiry - t) : 0;
    }

    long read(IoBuf& buf) override {
        if (buf.left() < sizeof(uint64_t))
            return -EINVAL;
        if (!m_ticks) {
            if (flags & o_nonblock)
                return -EAGAIN;
            if (wait_until(m_wait, 0, [this] { return m_ticks != 0; }))
                return -arch::erestartsys;
        }
        const bool periodic = m_expired && m_interval;
        if (periodic)
            add_missed();
        uint64_t ticks = m_ticks;
        m_expired = false;
        m_ticks = 0;
        if (periodic)
            arm();
        return buf.fill(&ticks, sizeof(ticks)) == sizeof(ticks) ? long(sizeof(ticks)) : -EFAULT;
    }

    uint32_t poll(PollTable* pt) override {
        if (pt)
            pt->wait_on(m_wait);
        return m_ticks ? ev_in : 0;
    }

    void close() override { sched::remove_timer(&m_timer); }
};

TimerFile* as_timer(File* f) {
    return static_cast<TimerFile*>(f);
}

} // namespace

long timerfd_create(TimerClock clock, uint32_t flags, File** out) {
    auto* f = make<TimerFile>();
    if (!f)
        return -ENOMEM;
    f->m_clock = clock;
    f->flags |= flags & o_nonblock;
    *out = f;
    return 0;
}

bool is_timerfd(const File* f) {
    return f->kind() == &TimerFile::tag;
}

void timerfd_settime(File* file, TimerSpec s, bool absolute, TimerSpec* old) {
    TimerFile* t = as_timer(file);
    sched::remove_timer(&t->m_timer);
    if (t->m_expired && t->m_interval)
        t->forward();
    *old = TimerSpec{t->remaining(), t->m_interval};
    t->m_expired = false;
    t->m_ticks = 0;
    t->m_interval = s.interval;
    t->m_expiry = 0;
    if (!s.value)
        return;
    if (!absolute) {
        t->m_expiry = TimerFile::now() + int64_t(s.value);
    } else if (t->m_clock == TimerClock::realtime) {
        // The wall clock runs with the TSC here (there is no
        // clock_settime): a time on it is one on the monotonic clock.
        t->m_expiry = int64_t(s.value) - arch::boot_epoch_ns();
    } else {
        t->m_expiry = int64_t(s.value);
    }
    t->arm();
}

TimerSpec timerfd_gettime(File* file) {
    TimerFile* t = as_timer(file);
    t->catch_up();
    return TimerSpec{t->remaining(), t->m_interval};
}

} // namespace uk::vfs
