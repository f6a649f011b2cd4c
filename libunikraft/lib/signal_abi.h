// The Linux x86_64 signal ABI: the structures the app reads and writes
// (siginfo_t, struct k_sigaction, stack_t) and the constants that go with
// them. Definitions only, shared by sched/ (signal state), arch/ (handler
// frames) and posix/ (the system calls).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk {

/// Signals 1..64 as bits 0..63.
using SigSet = uint64_t;
inline constexpr int nsig = 64;
inline constexpr SigSet sigbit(int sig) {
    return SigSet(1) << (sig - 1);
}

inline constexpr int sighup = 1, sigint = 2, sigquit = 3, sigill = 4, sigtrap = 5, sigabrt = 6,
                     sigbus = 7, sigfpe = 8, sigkill = 9, sigusr1 = 10, sigsegv = 11, sigusr2 = 12,
                     sigpipe = 13, sigalrm = 14, sigterm = 15, sigstkflt = 16, sigchld = 17,
                     sigcont = 18, sigstop = 19, sigtstp = 20, sigttin = 21, sigttou = 22,
                     sigurg = 23, sigxcpu = 24, sigxfsz = 25, sigvtalrm = 26, sigprof = 27,
                     sigwinch = 28, sigio = 29, sigpwr = 30, sigsys = 31, sigrtmin = 32;

/// siginfo_t: 128 bytes, the union's members by the kind of signal.
struct Siginfo {
    int32_t signo;
    int32_t errno_;
    int32_t code;
    int32_t pad0;
    union {
        struct {
            int32_t pid;
            uint32_t uid;
            uint64_t value; // si_value, for SI_QUEUE
        } kill;
        struct {
            int32_t tid; // the timer's id
            int32_t overrun;
            uint64_t value;
        } timer;
        struct {
            uint64_t addr;
        } fault;
        uint8_t bytes[112];
    };
};
static_assert(sizeof(Siginfo) == 128, "fixed by the Linux ABI");
static_assert(offsetof(Siginfo, kill.value) == 24 && offsetof(Siginfo, fault.addr) == 16,
              "fixed by the Linux ABI");

// si_code values.
inline constexpr int si_user = 0, si_kernel = 0x80, si_queue = -1, si_timer = -2, si_tkill = -6;
inline constexpr int segv_maperr = 1, segv_accerr = 2, bus_adraln = 1, bus_adrerr = 2,
                     ill_illopn = 2, fpe_intdiv = 1, fpe_fltdiv = 3, fpe_fltovf = 4, fpe_fltund = 5,
                     fpe_fltres = 6, fpe_fltinv = 7, trap_brkpt = 1, trap_trace = 2;

/// struct k_sigaction as rt_sigaction passes it on x86_64.
struct SigAction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    SigSet mask;
};
inline constexpr uint64_t sig_dfl = 0, sig_ign = 1;
inline constexpr uint64_t sa_nocldstop = 1, sa_nocldwait = 2, sa_siginfo = 4,
                          sa_restorer = 0x04000000, sa_onstack = 0x08000000,
                          sa_restart = 0x10000000, sa_nodefer = 0x40000000,
                          sa_resethand = 0x80000000;

/// stack_t, for sigaltstack.
struct AltStack {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
};
static_assert(sizeof(AltStack) == 24, "fixed by the Linux ABI");
inline constexpr int32_t ss_onstack = 1, ss_disable = 2, ss_autodisarm = int32_t(1u << 31);
inline constexpr uint64_t minsigstksz = 2048;

} // namespace uk
