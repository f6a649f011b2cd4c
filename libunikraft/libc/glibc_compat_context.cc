// glibc-ABI compatibility: getcontext, setcontext, swapcontext and
// makecontext, which musl declares but does not have. Objects built against
// glibc's headers call them (a static libcrypto's ASYNC jobs, coroutine
// libraries). The ucontext_t layout is the kernel's and glibc's (musl's is
// the same up to glibc's trailing __ssp, which is never touched here):
//
//   40 + 8 * REG_x  uc_mcontext.gregs[REG_x]   (R8 = 0 ... RSP = 15, RIP = 16)
//   224             uc_mcontext.fpregs, pointing at __fpregs_mem
//   296             uc_sigmask
//   424             __fpregs_mem: as glibc does, the x87 environment
//                   (fnstenv) at its start and MXCSR at its offset 24
//
// Like glibc, a context keeps the callee-saved registers, the argument
// registers, the stack and instruction pointers, the x87 control state,
// MXCSR and the signal mask; not the other vector registers.

#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <ucontext.h>

#define UK_GLIBC_EXPORT __attribute__((visibility("default")))

static_assert(__builtin_offsetof(ucontext_t, uc_mcontext.gregs) == 40);
static_assert(__builtin_offsetof(ucontext_t, uc_mcontext.fpregs) == 224);
static_assert(__builtin_offsetof(ucontext_t, uc_sigmask) == 296);
static_assert(__builtin_offsetof(ucontext_t, __fpregs_mem) == 424);

// The register file is moved by hand: a C++ body would have the compiler
// clobber what it saves. The stores and loads name offsets listed above.
asm(R"(
    .text
    .p2align 4
    .globl getcontext
    .type getcontext, @function
getcontext:
    call __uk_context_save
    # sigprocmask(SIG_BLOCK, NULL, &ucp->uc_sigmask); its result is ours.
    leaq 296(%rdi), %rdx
    xorl %esi, %esi
    xorl %edi, %edi
    subq $8, %rsp
    call sigprocmask
    addq $8, %rsp
    ret
    .size getcontext, .-getcontext

    .p2align 4
    .globl setcontext
    .type setcontext, @function
setcontext:
    pushq %rdi
    # sigprocmask(SIG_SETMASK, &ucp->uc_sigmask, NULL)
    leaq 296(%rdi), %rsi
    xorl %edx, %edx
    movl $2, %edi
    call sigprocmask
    popq %rdx
    testl %eax, %eax
    jnz 1f
    jmp __uk_context_load
1:  ret
    .size setcontext, .-setcontext

    .p2align 4
    .globl swapcontext
    .type swapcontext, @function
swapcontext:
    call __uk_context_save
    # sigprocmask(SIG_SETMASK, &ucp->uc_sigmask, &oucp->uc_sigmask)
    pushq %rsi
    leaq 296(%rdi), %rdx
    leaq 296(%rsi), %rsi
    movl $2, %edi
    call sigprocmask
    popq %rdx
    testl %eax, %eax
    jnz 1f
    jmp __uk_context_load
1:  ret
    .size swapcontext, .-swapcontext

    # Saves the registers into the ucontext_t at %rdi as they are at the
    # return of the function that called this one (getcontext or
    # swapcontext, called with its return address at 8(%rsp)). Keeps
    # %rdi and %rsi; returns 0 in the saved %rax.
    .p2align 4
    .type __uk_context_save, @function
__uk_context_save:
    movq %r8, 40(%rdi)
    movq %r9, 48(%rdi)
    movq %r12, 72(%rdi)
    movq %r13, 80(%rdi)
    movq %r14, 88(%rdi)
    movq %r15, 96(%rdi)
    movq %rdi, 104(%rdi)
    movq %rsi, 112(%rdi)
    movq %rbp, 120(%rdi)
    movq %rbx, 128(%rdi)
    movq %rdx, 136(%rdi)
    movq $0, 144(%rdi)
    movq %rcx, 152(%rdi)
    movq 8(%rsp), %rcx
    movq %rcx, 168(%rdi)
    leaq 16(%rsp), %rcx
    movq %rcx, 160(%rdi)
    leaq 424(%rdi), %rcx
    movq %rcx, 224(%rdi)
    # fnstenv masks the x87 exceptions; fldenv puts the mask back.
    fnstenv (%rcx)
    fldenv (%rcx)
    stmxcsr 24(%rcx)
    ret
    .size __uk_context_save, .-__uk_context_save

    # Resumes the ucontext_t at %rdx (its signal mask already set).
    .p2align 4
    .type __uk_context_load, @function
__uk_context_load:
    movq 224(%rdx), %rcx
    fldenv (%rcx)
    ldmxcsr 24(%rcx)
    movq 160(%rdx), %rsp
    movq 168(%rdx), %rcx
    pushq %rcx
    movq 40(%rdx), %r8
    movq 48(%rdx), %r9
    movq 72(%rdx), %r12
    movq 80(%rdx), %r13
    movq 88(%rdx), %r14
    movq 96(%rdx), %r15
    movq 104(%rdx), %rdi
    movq 112(%rdx), %rsi
    movq 120(%rdx), %rbp
    movq 128(%rdx), %rbx
    movq 152(%rdx), %rcx
    movq 144(%rdx), %rax
    movq 136(%rdx), %rdx
    ret
    .size __uk_context_load, .-__uk_context_load

    # Where a makecontext function returns to: %rbx (callee-saved, so the
    # function kept it) points at the uc_link makecontext stored above the
    # stack arguments. A null uc_link ends the program with status 0.
    .p2align 4
    .type __uk_context_start, @function
__uk_context_start:
    movq %rbx, %rsp
    movq (%rsp), %rdi
    andq $-16, %rsp
    testq %rdi, %rdi
    jz 1f
    call setcontext
1:  xorl %edi, %edi
    call exit
    ud2
    .size __uk_context_start, .-__uk_context_start
)");

extern "C" void __uk_context_start();

extern "C" UK_GLIBC_EXPORT void makecontext(ucontext_t* ucp, void (*func)(), int argc, ...) {
    constexpr int in_regs = 6;
    constexpr int reg_order[in_regs] = {REG_RDI, REG_RSI, REG_RDX, REG_RCX, REG_R8, REG_R9};
    greg_t* g = ucp->uc_mcontext.gregs;
    const int on_stack = argc > in_regs ? argc - in_regs : 0;
    // From the new stack pointer up: the return address (the start-up
    // trampoline), the arguments past the sixth, uc_link. At the entry of
    // func the stack pointer is 8 past a multiple of 16, as after a call.
    uintptr_t top = uintptr_t(ucp->uc_stack.ss_sp) + ucp->uc_stack.ss_size;
    uintptr_t sp = ((top - uintptr_t(on_stack + 1) * 8) & ~uintptr_t(15)) - 8;
    auto* slot = reinterpret_cast<uint64_t*>(sp);
    slot[0] = uint64_t(&__uk_context_start);
    slot[on_stack + 1] = uint64_t(ucp->uc_link);
    g[REG_RIP] = greg_t(func);
    g[REG_RSP] = greg_t(sp);
    g[REG_RBX] = greg_t(&slot[on_stack + 1]);
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) {
        uint64_t v = va_arg(ap, uint64_t);
        if (i < in_regs)
            g[reg_order[i]] = greg_t(v);
        else
            slot[1 + i - in_regs] = v;
    }
    va_end(ap);
}
