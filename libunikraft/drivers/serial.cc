#include "drivers/serial.h"

#include <stdarg.h>
#include <uk/console.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"
#include "drivers/console.h"
#include "lib/format.h"

namespace uk::drivers {

namespace {

constexpr uint16_t com1 = 0x3f8;
constexpr uint16_t reg_data = 0, reg_ier = 1, reg_fcr = 2, reg_lcr = 3, reg_mcr = 4, reg_lsr = 5;
constexpr uint8_t lsr_data_ready = 0x01, lsr_thr_empty = 0x20;
constexpr size_t fifo_depth = 16;

// What arrived before the FIFOs were set up (setting them up clears them),
// for the input path once it is on.
constinit char g_early[fifo_depth];
constinit size_t g_nearly = 0;

} // namespace

void serial_init() {
    using arch::outb;
    if (!(arch::inb(com1 + reg_lcr) & 0x80))
        g_nearly = serial_read(g_early, sizeof(g_early));
    outb(com1 + reg_ier, 0x00);
    outb(com1 + reg_lcr, 0x80);  // divisor latch
    outb(com1 + reg_data, 0x01); // 115200 baud
    outb(com1 + reg_ier, 0x00);
    outb(com1 + reg_lcr, 0x03); // 8N1
    outb(com1 + reg_fcr, 0x07); // FIFOs on and cleared
    outb(com1 + reg_mcr, 0x03); // DTR, RTS
}

void serial_write(const char* buf, size_t len) {
    // Each port access is a VM exit: check for room once per FIFO's worth
    // of bytes, not once per byte.
    while (len) {
        while (!(arch::inb(com1 + reg_lsr) & lsr_thr_empty))
            arch::cpu_relax();
        size_t n = len < fifo_depth ? len : fifo_depth;
        for (size_t i = 0; i < n; i++)
            arch::outb(com1 + reg_data, uint8_t(buf[i]));
        buf += n;
        len -= n;
    }
}

size_t serial_read(char* buf, size_t len) {
    size_t n = 0;
    while (n < len && (arch::inb(com1 + reg_lsr) & lsr_data_ready))
        buf[n++] = char(arch::inb(com1 + reg_data));
    return n;
}

namespace {

constexpr unsigned com1_irq = 4;
constexpr uint8_t ier_rx = 0x01, mcr_out2 = 0x08;

using InputFn = void (*)(const uint8_t*, size_t);
constinit InputFn g_on_input = nullptr;

void com1_interrupt(void*) {
    uint8_t buf[64];
    size_t n = serial_read(reinterpret_cast<char*>(buf), sizeof(buf));
    if (n && g_on_input)
        g_on_input(buf, n);
}

} // namespace

bool serial_enable_input(void (*on_input)(const uint8_t* p, size_t n)) {
    g_on_input = on_input;
    if (g_nearly) {
        on_input(reinterpret_cast<const uint8_t*>(g_early), g_nearly);
        g_nearly = 0;
    }
    if (arch::irq_attach_gsi(com1_irq, arch::Trigger::edge, arch::Polarity::active_high,
                             com1_interrupt, nullptr) < 0)
        return false;
    arch::outb(com1 + reg_mcr, 0x03 | mcr_out2);
    arch::outb(com1 + reg_ier, ier_rx);
    // Bytes that came before the interrupt was on would never raise it.
    com1_interrupt(nullptr);
    return true;
}

} // namespace uk::drivers

extern "C" UK_API int uk_printk(const char* fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    size_t n = uk::vformat(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    uk::drivers::console_kernel_write(buf, n);
    return int(n);
}
