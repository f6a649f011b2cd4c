/* getcontext, setcontext, makecontext and swapcontext as glibc's ABI has
 * them (objects built against glibc's headers, e.g. a static libcrypto's
 * ASYNC jobs, call them): a context resumed twice, a coroutine with eight
 * arguments (two on its stack) swapped with main, uc_link taking a finished
 * coroutine back, the signal mask and the rounding mode each context keeps,
 * and a last context whose uc_link is null ending the program with 0. */
//! run: --
//! native
//! status: 0
//! expect: resumed 3 times
//! expect: arguments 1 2 3 4 5 6 7 8
//! expect: ended by a null uc_link
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

static ucontext_t main_ctx, co_ctx, done_ctx;
static volatile int yielded;

static void coroutine(int a, int b, int c, int d, int e, int f, int g, int h) {
    printf("arguments %d %d %d %d %d %d %d %d\n", a, b, c, d, e, f, g, h);
    /* Floating point in the coroutine, to see the stack is aligned. */
    volatile double x = a;
    for (int i = 0; i < 3; i++) {
        x = x * 1.5 + h;
        yielded = i;
        printf("coroutine yields %d (x=%.3f)\n", i, x);
        if (swapcontext(&co_ctx, &main_ctx))
            perror("swapcontext");
    }
    printf("coroutine returns\n");
}

static void last(void) {
    printf("ended by a null uc_link\n");
    fflush(stdout);
}

/* The SSE rounding mode (MXCSR bits 13-14) and the x87 one (control word
 * bits 10-11), set together as fesetround does, without libm. */
enum { round_nearest = 0, round_down = 1, round_up = 2 };
static void set_rounding(unsigned mode) {
    unsigned csr = __builtin_ia32_stmxcsr();
    __builtin_ia32_ldmxcsr((csr & ~0x6000u) | mode << 13);
    unsigned short cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    cw = (unsigned short)((cw & ~0xc00u) | mode << 10);
    __asm__ volatile("fldcw %0" : : "m"(cw));
}
static int rounding_is(unsigned mode) {
    unsigned short cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return (__builtin_ia32_stmxcsr() >> 13 & 3) == mode && (cw >> 10 & 3) == mode;
}

static int blocked(int sig) {
    sigset_t s;
    sigprocmask(SIG_BLOCK, NULL, &s);
    return sigismember(&s, sig);
}

int main(void) {
    /* One context resumed until a counter says stop. */
    volatile int n = 0;
    ucontext_t again;
    if (getcontext(&again))
        return 1;
    if (++n < 3)
        setcontext(&again);
    printf("resumed %d times\n", n);

    /* A coroutine on its own stack, back to main when it returns. */
    static char stack[64 * 1024];
    getcontext(&co_ctx);
    co_ctx.uc_stack.ss_sp = stack;
    co_ctx.uc_stack.ss_size = sizeof stack;
    co_ctx.uc_link = &done_ctx;
    makecontext(&co_ctx, (void (*)(void))coroutine, 8, 1, 2, 3, 4, 5, 6, 7, 8);
    volatile int finished = 0;
    getcontext(&done_ctx);
    if (!finished) {
        finished = 1;
        for (int i = 0; i < 3; i++) {
            swapcontext(&main_ctx, &co_ctx);
            printf("main got %d\n", yielded);
        }
        /* The coroutine's fourth turn returns, and uc_link comes here. */
        swapcontext(&main_ctx, &co_ctx);
        printf("not reached\n");
    }
    printf("back in main after the coroutine returned\n");

    /* The signal mask is part of a context. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    volatile int turn = 0;
    ucontext_t masked;
    getcontext(&masked);
    printf("turn %d: SIGUSR1 blocked %d\n", turn, blocked(SIGUSR1));
    if (turn++ == 0) {
        sigprocmask(SIG_UNBLOCK, &usr1, NULL);
        printf("unblocked: SIGUSR1 blocked %d\n", blocked(SIGUSR1));
        setcontext(&masked);
    }

    /* So is the floating-point rounding mode. */
    set_rounding(round_up);
    volatile int round_turn = 0;
    ucontext_t rounding;
    getcontext(&rounding);
    printf("turn %d: rounding upward %d\n", round_turn, rounding_is(round_up));
    if (round_turn++ == 0) {
        set_rounding(round_down);
        setcontext(&rounding);
    }
    set_rounding(round_nearest);

    /* A context whose function returns with no uc_link ends the program. */
    static char stack2[16 * 1024];
    ucontext_t end;
    getcontext(&end);
    end.uc_stack.ss_sp = stack2;
    end.uc_stack.ss_size = sizeof stack2;
    end.uc_link = NULL;
    makecontext(&end, last, 0);
    fflush(stdout);
    setcontext(&end);
    printf("not reached either\n");
    return 3;
}
