#include "arch/x86_64/sigframe.h"

#include "arch/x86_64/cpu.h"
#include "mm/user.h"

extern "C" void __uk_syscall_entry();

namespace uk::arch {

namespace {

constexpr long eintr = 4;
constexpr uint64_t red_zone = 128;
constexpr uint64_t kernel_cs = 0x08, kernel_ss = 0x10;
constexpr uint64_t rflags_if = 0x200;
// The flags a frame may set on its way back (Linux's FIX_EFLAGS): CF PF AF
// ZF SF TF DF OF, AC, RF.
constexpr uint64_t rflags_app =
    0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x40000 | 0x10000;
constexpr uint64_t uc_fp_xstate = 1, uc_sigcontext_ss = 2, uc_strict_restore_ss = 4;
constexpr uint32_t fp_xstate_magic1 = 0x46505853, fp_xstate_magic2 = 0x46505845;

// struct sigcontext (x86_64): what uc_mcontext holds.
struct Sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp;
    uint64_t rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; // the app's address of the FPU state, 0 for none
    uint64_t reserved1[8];
};
static_assert(sizeof(Sigcontext) == 256, "fixed by the Linux ABI");

// The kernel's struct ucontext (its sigset is 8 bytes).
struct Ucontext {
    uint64_t flags;
    uint64_t link;
    AltStack stack;
    Sigcontext mcontext;
    SigSet sigmask;
};
static_assert(sizeof(Ucontext) == 304, "fixed by the Linux ABI");

struct RtSigframe {
    uint64_t pretcode; // the restorer: the handler's return address
    Ucontext uc;
    Siginfo info;
};
static_assert(offsetof(RtSigframe, uc) == 8 && offsetof(RtSigframe, info) == 312,
              "fixed by the Linux ABI");

// struct _fpx_sw_bytes, in the unused tail of the FXSAVE area: tells the
// app (and rt_sigreturn) that an XSAVE image follows.
struct FpxSwBytes {
    uint32_t magic1;
    uint32_t extended_size;
    uint64_t xfeatures;
    uint32_t xstate_size;
    uint32_t padding[7];
};
static_assert(sizeof(FpxSwBytes) == 48, "fixed by the Linux ABI");
constexpr size_t sw_bytes_offset = 464;

size_t fpu_frame_size() {
    return g_cpu.xsave ? g_cpu.xsave_size + 4 : 512;
}

uint64_t stack_flags(const AltStack& ss, uint64_t sp) {
    if (!ss.size)
        return ss_disable;
    return (on_altstack(ss, sp) ? ss_onstack : 0) | (ss.flags & ss_autodisarm);
}

} // namespace

bool on_altstack(const AltStack& ss, uint64_t sp) {
    return ss.size && sp > ss.sp && sp - ss.sp <= ss.size;
}

void finish_syscall(TrapFrame& f, bool handler, bool sa_restart, const SyscallRestart& direct) {
    const uint64_t kind = f.vector;
    const long r = long(f.rax);
    if (!is_restart_code(r))
        return;
    bool again = false;
    switch (-r) {
    case erestartsys:
        again = !handler || sa_restart;
        break;
    case erestartnointr:
        again = true;
        break;
    case erestartnohand:
        again = !handler;
        break;
    default:
        // erestart_restartblock: Linux would continue the call with what
        // is left of its time through restart_syscall; it ends as
        // interrupted here.
        break;
    }
    f.rax = uint64_t(-eintr);
    if (!again)
        return;
    switch (kind) {
    case vector_syscall_trap:
        f.rip -= 2; // the `syscall` instruction
        f.rax = f.error;
        break;
    case vector_syscall_call: {
        // Made by `call __uk_syscall_entry` (5 bytes): back to that call,
        // which is where musl's cancellation points look for it. A call
        // that a restart already re-entered has no such instruction before
        // its return address: enter again the same way.
        uint8_t call[5];
        int32_t rel = 0;
        bool direct_call = mm::copy_from_user(call, f.rip - 5, 5) == 0 && call[0] == 0xe8;
        if (direct_call)
            __builtin_memcpy(&rel, call + 1, 4);
        if (direct_call &&
            f.rip + uint64_t(int64_t(rel)) == reinterpret_cast<uint64_t>(__uk_syscall_entry)) {
            f.rip -= 5;
        } else {
            f.rip = reinterpret_cast<uint64_t>(__uk_syscall_entry);
            f.rsp -= 8;
        }
        f.rax = f.error;
        break;
    }
    case vector_syscall_direct:
        // The C caller's return address is still below its stack pointer:
        // enter the assembly entry as if called from there, with the call's
        // number and arguments.
        if (direct.nr >= 0) {
            f.rip = reinterpret_cast<uint64_t>(__uk_syscall_entry);
            f.rsp -= 8;
            f.rax = uint64_t(direct.nr);
            f.rdi = uint64_t(direct.args[0]);
            f.rsi = uint64_t(direct.args[1]);
            f.rdx = uint64_t(direct.args[2]);
            f.r10 = uint64_t(direct.args[3]);
            f.r8 = uint64_t(direct.args[4]);
            f.r9 = uint64_t(direct.args[5]);
        }
        break;
    default:
        break;
    }
}

bool setup_signal_frame(TrapFrame& f, int sig, const Siginfo& info, const SigAction& act,
                        SigSet restore_mask, AltStack& altstack, const void* fpu) {
    if (!(act.flags & sa_restorer))
        return false; // x86_64 handlers return through the app's restorer
    const AltStack saved_stack{altstack.sp, int32_t(stack_flags(altstack, f.rsp)), 0,
                               altstack.size};
    uint64_t sp = f.rsp - red_zone;
    bool switch_stack = (act.flags & sa_onstack) && altstack.size &&
                        !(altstack.flags & ss_disable) && !on_altstack(altstack, f.rsp);
    if (switch_stack)
        sp = altstack.sp + altstack.size;
    const size_t fsize = fpu_frame_size();
    const uint64_t fpstate = (sp - fsize) & ~uint64_t(63);
    sp = ((fpstate - sizeof(RtSigframe)) & ~uint64_t(15)) - 8;

    RtSigframe k{};
    k.pretcode = act.restorer;
    k.uc.flags = uc_sigcontext_ss | uc_strict_restore_ss | (g_cpu.xsave ? uc_fp_xstate : 0);
    k.uc.stack = saved_stack;
    Sigcontext& m = k.uc.mcontext;
    m.r8 = f.r8, m.r9 = f.r9, m.r10 = f.r10, m.r11 = f.r11;
    m.r12 = f.r12, m.r13 = f.r13, m.r14 = f.r14, m.r15 = f.r15;
    m.rdi = f.rdi, m.rsi = f.rsi, m.rbp = f.rbp, m.rbx = f.rbx;
    m.rdx = f.rdx, m.rax = f.rax, m.rcx = f.rcx, m.rsp = f.rsp;
    m.rip = f.rip;
    m.eflags = f.rflags;
    m.cs = uint16_t(f.cs);
    m.ss = uint16_t(f.ss);
    if (f.vector < 32) {
        m.trapno = f.vector;
        m.err = f.error;
        if (f.vector == 14)
            m.cr2 = info.fault.addr;
    }
    m.oldmask = restore_mask;
    m.fpstate = fpstate;
    k.uc.sigmask = restore_mask;
    k.info = info;
    if (mm::copy_to_user(sp, &k, sizeof(k)))
        return false;

    if (mm::copy_to_user(fpstate, fpu, g_cpu.xsave_size))
        return false;
    if (g_cpu.xsave) {
        FpxSwBytes sw{fp_xstate_magic1, uint32_t(fsize), g_cpu.xcr0, g_cpu.xsave_size, {}};
        uint32_t magic2 = fp_xstate_magic2;
        if (mm::copy_to_user(fpstate + sw_bytes_offset, &sw, sizeof(sw)) ||
            mm::copy_to_user(fpstate + g_cpu.xsave_size, &magic2, 4))
            return false;
    }

    if (switch_stack && (altstack.flags & ss_autodisarm))
        altstack = AltStack{0, ss_disable, 0, 0};
    f.rdi = uint64_t(sig);
    f.rsi = sp + offsetof(RtSigframe, info);
    f.rdx = sp + offsetof(RtSigframe, uc);
    f.rax = 0;
    f.rip = act.handler;
    f.rsp = sp;
    f.rflags = (f.rflags & ~uint64_t(0x400 | 0x100 | 0x10000)) | rflags_if; // DF, TF, RF off
    f.vector = vector_none;
    fpu_load_init();
    return true;
}

bool restore_signal_frame(TrapFrame& f, SigSet* mask, AltStack* stack, void* fpu) {
    // The restorer runs with the handler's `ret` done: the stack pointer is
    // at the ucontext.
    Ucontext uc;
    if (mm::copy_from_user(&uc, f.rsp, sizeof(uc)))
        return false;
    const Sigcontext& m = uc.mcontext;
    if (!canonical(m.rip) || !canonical(m.rsp))
        return false;
    alignas(64) static uint8_t area[4096];
    if (m.fpstate) {
        if (mm::copy_from_user(area, m.fpstate, g_cpu.xsave_size))
            return false;
        FpxSwBytes sw;
        __builtin_memcpy(&sw, area + sw_bytes_offset, sizeof(sw));
        if (g_cpu.xsave && sw.magic1 != fp_xstate_magic1) {
            // Only the FXSAVE part is there: the rest of the state is set
            // to its initial values.
            __builtin_memset(area + 512, 0, g_cpu.xsave_size - 512);
            uint64_t bv = 3; // x87 and SSE
            __builtin_memcpy(area + 512, &bv, 8);
        }
        fpu_sanitize(area);
    }

    f.r8 = m.r8, f.r9 = m.r9, f.r10 = m.r10, f.r11 = m.r11;
    f.r12 = m.r12, f.r13 = m.r13, f.r14 = m.r14, f.r15 = m.r15;
    f.rdi = m.rdi, f.rsi = m.rsi, f.rbp = m.rbp, f.rbx = m.rbx;
    f.rdx = m.rdx, f.rax = m.rax, f.rcx = m.rcx, f.rsp = m.rsp;
    f.rip = m.rip;
    f.rflags = (f.rflags & ~rflags_app) | (m.eflags & rflags_app) | rflags_if;
    f.cs = kernel_cs;
    f.ss = kernel_ss;
    f.vector = vector_none;
    *mask = uc.sigmask;
    *stack = uc.stack;
    if (m.fpstate) {
        __builtin_memcpy(fpu, area, g_cpu.xsave_size);
        fpu_restore(fpu);
    } else {
        fpu_load_init();
    }
    return true;
}

} // namespace uk::arch
