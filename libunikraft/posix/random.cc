// getrandom: RDRAND where the CPU has it, otherwise a generator seeded from
// the TSC (QEMU TCG has RDRAND but no RDSEED; other CPUs may have neither).
#include "posix/random.h"
#include "arch/x86_64/cpu.h"
#include "lib/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"

namespace uk::posix {

namespace {

constinit uint64_t g_state = 0;

uint64_t next_random() {
    uint64_t v;
    if (arch::rdrand64(&v))
        return v;
    if (!g_state)
        g_state = arch::rdtsc() | 1;
    // splitmix64
    uint64_t z = (g_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

} // namespace

void random_fill(void* buf, size_t n) {
    auto* p = static_cast<char*>(buf);
    while (n) {
        uint64_t v = next_random();
        size_t k = n < sizeof v ? n : sizeof v;
        __builtin_memcpy(p, &v, k);
        p += k;
        n -= k;
    }
}

UK_SYSCALL(318, getrandom) {
    constexpr long grnd_nonblock = 1, grnd_random = 2, grnd_insecure = 4;
    if (a3 & ~(grnd_nonblock | grnd_random | grnd_insecure))
        return -EINVAL;
    if ((a3 & grnd_random) && (a3 & grnd_insecure))
        return -EINVAL;
    size_t len = size_t(a2);
    if (len > 33554431)
        len = 33554431;
    // Filled through the copy path a block at a time; a fault after some
    // bytes ends the call short, as on Linux.
    size_t done = 0;
    while (done < len) {
        uint64_t block[8];
        for (auto& w : block)
            w = next_random();
        size_t n = len - done < sizeof(block) ? len - done : sizeof(block);
        size_t copied = mm::copy_user_partial(true, uint64_t(a1) + done, block, n);
        done += copied;
        if (copied < n)
            return done ? long(done) : -EFAULT;
    }
    return long(done);
}

} // namespace uk::posix
