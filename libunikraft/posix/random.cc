// getrandom: RDRAND where the CPU has it, otherwise a generator seeded from
// the TSC (QEMU TCG has RDRAND but no RDSEED; other CPUs may have neither).
#include "arch/x86_64/cpu.h"
#include "posix/errno.h"
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

UK_SYSCALL(318, getrandom) {
    constexpr long grnd_nonblock = 1, grnd_random = 2, grnd_insecure = 4;
    if (a3 & ~(grnd_nonblock | grnd_random | grnd_insecure))
        return -EINVAL;
    auto* buf = user_ptr<uint8_t>(a1);
    size_t len = size_t(a2);
    if (len > 33554431)
        len = 33554431;
    if (len && !user_ok(buf, len))
        return -EFAULT;
    for (size_t i = 0; i < len;) {
        uint64_t v = next_random();
        for (int b = 0; b < 8 && i < len; b++, i++)
            buf[i] = uint8_t(v >> (8 * b));
    }
    return long(len);
}

} // namespace uk::posix
