// The frame traps.S builds for every interrupt and exception.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::arch {

struct TrapFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    // Pushed by the CPU.
    uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(TrapFrame) == 22 * 8, "traps.S pushes 22 words");
static_assert(offsetof(TrapFrame, vector) == 15 * 8);
static_assert(offsetof(TrapFrame, rip) == 17 * 8);

// IST slot per kind of vector (1-based as the TSS numbers them). #DF, NMI,
// #MC and #PF each get their own stack, so a fault while handling another
// fault does not overwrite the frame it is still using.
inline constexpr int ist_double_fault = 1;
inline constexpr int ist_nmi = 2;
inline constexpr int ist_machine_check = 3;
inline constexpr int ist_page_fault = 4;
inline constexpr int ist_exception = 5;
inline constexpr int ist_irq = 6;

} // namespace uk::arch
