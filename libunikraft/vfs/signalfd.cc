// signalfd: pending signals read as struct signalfd_siginfo (vfs/eventfd.h).
// As on Linux, what a signalfd sees depends on the thread that reads or
// polls it: the signals pending for that thread and for the process.
#include "arch/x86_64/sigframe.h"
#include "lib/errno.h"
#include "sched/sched.h"
#include "sched/signal.h"
#include "vfs/anon.h"
#include "vfs/eventfd.h"

namespace uk::vfs {

namespace {

/// struct signalfd_siginfo.
struct SignalfdSiginfo {
    uint32_t signo;
    int32_t errno_;
    int32_t code;
    uint32_t pid;
    uint32_t uid;
    int32_t fd;
    uint32_t tid;
    uint32_t band;
    uint32_t overrun;
    uint32_t trapno;
    int32_t status;
    int32_t int_;
    uint64_t ptr;
    uint64_t utime;
    uint64_t stime;
    uint64_t addr;
    uint16_t addr_lsb;
    uint16_t pad2;
    int32_t syscall;
    uint64_t call_addr;
    uint32_t arch;
    uint8_t pad[28];
};
static_assert(sizeof(SignalfdSiginfo) == 128, "fixed by the Linux ABI");

constexpr SigSet unblockable = sigbit(sigkill) | sigbit(sigstop);

// Every signalfd waits here: a signal becoming pending wakes them all, as
// Linux's per-process signalfd queue does.
constinit WaitQueue g_wait;

void on_pending() {
    g_wait.notify(ev_in);
}

// Linux's signalfd_copyinfo: the fields siginfo_layout() says the kind of
// signal has.
SignalfdSiginfo convert(const Siginfo& si) {
    SignalfdSiginfo o{};
    o.signo = uint32_t(si.signo);
    o.errno_ = si.errno_;
    o.code = si.code;
    const bool fault_sig = si.signo == sigsegv || si.signo == sigbus || si.signo == sigill ||
                           si.signo == sigfpe || si.signo == sigtrap;
    if (si.code > si_user && si.code < si_kernel) {
        if (fault_sig)
            o.addr = si.fault.addr;
    } else if (si.code == si_timer) {
        o.tid = uint32_t(si.timer.tid);
        o.overrun = uint32_t(si.timer.overrun);
        o.ptr = si.timer.value;
        o.int_ = int32_t(si.timer.value);
    } else {
        o.pid = uint32_t(si.kill.pid);
        o.uid = si.kill.uid;
        if (si.code < 0) {
            o.ptr = si.kill.value;
            o.int_ = int32_t(si.kill.value);
        }
    }
    return o;
}

class SignalFile final : public AnonFile {
  public:
    static constexpr char tag = 0;
    SigSet m_mask = 0;

    const void* kind() const override { return &tag; }

    long read(IoBuf& buf) override {
        size_t count = buf.left() / sizeof(SignalfdSiginfo);
        if (!count)
            return -EINVAL;
        sched::Thread* self = sched::current();
        bool nonblock = flags & o_nonblock;
        long total = 0, err = 0;
        while (count--) {
            Siginfo si;
            int sig = sched::signal::dequeue(self, m_mask, &si);
            while (!sig) {
                if (nonblock) {
                    err = -EAGAIN;
                    break;
                }
                if (wait_once(g_wait, 0)) {
                    err = -arch::erestartsys;
                    break;
                }
                sig = sched::signal::dequeue(self, m_mask, &si);
            }
            if (!sig)
                break;
            SignalfdSiginfo out = convert(si);
            if (buf.fill(&out, sizeof(out)) != sizeof(out)) {
                err = -EFAULT;
                break;
            }
            total += long(sizeof(out));
            nonblock = true; // only the first one is waited for
        }
        return total ? total : err;
    }

    uint32_t poll(PollTable* pt) override {
        if (pt)
            pt->wait_on(g_wait);
        return (sched::signal::pending(sched::current()) & m_mask) ? ev_in : 0;
    }
};

} // namespace

long signalfd_create(SigSet mask, uint32_t flags, File** out) {
    auto* f = make<SignalFile>();
    if (!f)
        return -ENOMEM;
    sched::signal::set_pending_hook(on_pending);
    f->m_mask = mask & ~unblockable;
    f->flags |= flags & o_nonblock;
    *out = f;
    return 0;
}

bool is_signalfd(const File* f) {
    return f->kind() == &SignalFile::tag;
}

void signalfd_set_mask(File* f, SigSet mask) {
    static_cast<SignalFile*>(f)->m_mask = mask & ~unblockable;
    g_wait.notify(ev_in);
}

} // namespace uk::vfs
