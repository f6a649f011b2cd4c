#include "mm/report.h"

#include <uk/console.h>

#include "arch/x86_64/time.h"
#include "boot/cmdline.h"
#include "mm/kheap.h"
#include "mm/mm.h"
#include "sched/sched.h"

namespace uk::mm {

namespace {

constexpr size_t page = 4096;
constexpr uint64_t max_seconds = 86400 * 365;

constinit size_t g_peak = 0;
constinit size_t g_kheap_noted = 0; // kheap_used_bytes() at the last note_usage()
constinit uint64_t g_period_ns = 0;
constinit sched::Waiter g_timer{};

void print() {
    size_t used = used_bytes();
    if (used > g_peak)
        g_peak = used;
    uk_printk("uk: mem used=%zu peak=%zu kernel=%zu\n", used, g_peak, kheap_used_bytes());
}

void on_timer(sched::Waiter*) {
    print();
    g_timer.deadline = arch::monotonic_ns() + g_period_ns;
    sched::add_timer(&g_timer);
}

} // namespace

size_t used_bytes() {
    size_t in_use = total_page_count() - free_page_count();
    size_t boot = boot_used_pages();
    // Pages reserved at boot (the app's image) may be freed later.
    size_t pages = in_use > boot ? in_use - boot : 0;
    size_t bytes = pages * page, arenas = kheap_total_bytes();
    bytes = bytes > arenas ? bytes - arenas : 0;
    return bytes + kheap_used_bytes();
}

size_t peak_bytes() {
    note_usage();
    return g_peak;
}

void note_usage() {
    if (kheap_growing())
        return;
    g_kheap_noted = kheap_used_bytes();
    size_t used = used_bytes();
    if (used > g_peak)
        g_peak = used;
}

void note_kheap_usage() {
    // Only the heap has grown since the last note if the pages in use have
    // not (alloc_pages notes): below the heap's use then, the sum cannot
    // pass the peak.
    if (kheap_used_bytes() > g_kheap_noted)
        note_usage();
}

const char* report_set_param(const char* name, const char* value) {
    if (__builtin_strcmp(name, "mem.report") == 0) {
        uint64_t s;
        if (!value || !parse_u64(value, &s) || s > max_seconds)
            return "mem.report needs a number of seconds (0: only at exit)";
        g_period_ns = s * 1000000000;
        // Even mem.report=0 asks for the line at exit.
        g_timer.expire = on_timer;
        return nullptr;
    }
    return "unknown mem.* parameter";
}

void report_start() {
    if (!g_period_ns)
        return;
    g_timer.deadline = arch::monotonic_ns() + g_period_ns;
    sched::add_timer(&g_timer);
}

void report_final() {
    if (g_timer.expire)
        print();
}

} // namespace uk::mm
