#include "sched/prof.h"

#include <uk/console.h>

#include "arch/x86_64/irq.h"
#include "arch/x86_64/time.h"
#include "boot/cmdline.h"
#include "lib/symtab.h"
#include "mm/kheap.h"
#include "sched/sched.h"

extern const char __uk_symtab_start[];
extern const char __uk_symtab_end[];

namespace uk::sched {

namespace {

constexpr uint64_t max_hz = 10000;
constexpr uint64_t max_report_s = 86400 * 365;
// 1 MiB of samples: over two minutes at 1000 Hz.
constexpr size_t capacity = size_t(1) << 17;
constexpr int top = 25;

constinit uint64_t g_hz = 0;
constinit uint64_t g_period_ns = 0;
constinit uint64_t g_report_ns = 0; // prof.report, 0: only at exit
// Cleared while a report reads the table: a sample that comes meanwhile
// (an NMI may come anywhere) is not kept.
constinit uint64_t* g_samples = nullptr;
constinit size_t g_count = 0;
constinit size_t g_dropped = 0;
// The next sample is due at this monotonic time; ~0 while the timer that
// arms the next one has not run yet.
constinit uint64_t g_due_ns = ~uint64_t(0);
constinit Waiter g_timer{};
constinit Waiter g_report{};
// The clock and the halted time when the samples being kept began.
constinit uint64_t g_since_ns = 0;
constinit uint64_t g_since_idle_ns = 0;
// Samples come from the PIT's NMI, not from the timer interrupt.
constinit bool g_nmi = false;

void record(uint64_t rip) {
    uint64_t* s = __atomic_load_n(&g_samples, __ATOMIC_RELAXED);
    if (!s)
        return;
    // Idle time counts as address 0.
    if (g_halted)
        rip = 0;
    if (g_count < capacity)
        s[g_count++] = rip;
    else
        g_dropped++;
}

void arm(uint64_t now) {
    g_timer.deadline = now + g_period_ns;
    g_due_ns = g_timer.deadline;
    add_timer(&g_timer);
}

void on_timer(Waiter*) {
    arm(arch::monotonic_ns());
}

void sift_down(uint64_t* a, size_t root, size_t n) {
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && a[child + 1] > a[child])
            child++;
        if (a[root] >= a[child])
            return;
        uint64_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

// Heapsort: in place, no recursion, no allocation at exit.
void sort(uint64_t* a, size_t n) {
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (size_t end = n; end-- > 1;) {
        uint64_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

struct Entry {
    const char* name;
    uint64_t addr; // the first sample's, for functions with no name
    size_t count;
};

// Keeps the `top` largest counts in `best`, largest first.
void keep(Entry* best, int* len, const Entry& e) {
    int i = *len < top ? (*len)++ : top;
    if (i == top && best[top - 1].count >= e.count)
        return;
    if (i == top)
        i = top - 1;
    while (i > 0 && best[i - 1].count < e.count) {
        best[i] = best[i - 1];
        i--;
    }
    best[i] = e;
}

const char* lookup(uint64_t addr) {
    if (!addr)
        return "(idle)";
    return symtab_lookup(__uk_symtab_start, size_t(__uk_symtab_end - __uk_symtab_start), addr,
                         nullptr);
}

// Prints the samples taken since the last report, busiest functions first.
void print(uint64_t* s, size_t n) {
    uk_printk("uk: prof %zu samples at %lu Hz by %s, %zu dropped\n", n, g_hz,
              g_nmi ? "NMI" : "the timer", g_dropped);
    // A timer interrupt that comes while interrupts are off is taken, and
    // sampled, at the next sti: kernel work that ends in a halt shows as
    // idle. The halted time the clock measured says how much really was.
    uint64_t now = arch::monotonic_ns(), span = now - g_since_ns,
             idle = g_idle_ns - g_since_idle_ns;
    size_t idle_permille = span ? size_t(idle * 1000 / span) : 0;
    uk_printk("uk: prof halted %zu.%zu%% of %lu ms by the clock\n", idle_permille / 10,
              idle_permille % 10, span / 1000000);
    g_since_ns = now;
    g_since_idle_ns = g_idle_ns;
    sort(s, n);
    Entry best[top];
    int len = 0;
    // Sorted by address, the samples of one function are next to each
    // other: one lookup per sample, one entry per run of equal names.
    Entry cur{nullptr, 0, 0};
    for (size_t i = 0; i < n; i++) {
        const char* name = lookup(s[i]);
        if (cur.count && (name != cur.name || (!name && s[i] != cur.addr))) {
            keep(best, &len, cur);
            cur.count = 0;
        }
        if (!cur.count)
            cur = Entry{name, s[i], 0};
        cur.count++;
    }
    if (cur.count)
        keep(best, &len, cur);
    for (int i = 0; i < len; i++) {
        size_t permille = n ? best[i].count * 1000 / n : 0;
        if (best[i].name)
            uk_printk("uk: prof %3zu.%zu%% %7zu  %s\n", permille / 10, permille % 10, best[i].count,
                      best[i].name);
        else
            uk_printk("uk: prof %3zu.%zu%% %7zu  0x%lx\n", permille / 10, permille % 10,
                      best[i].count, best[i].addr);
    }
}

void on_report(Waiter*) {
    uint64_t* s = g_samples;
    if (!s)
        return;
    __atomic_store_n(&g_samples, nullptr, __ATOMIC_SEQ_CST);
    print(s, g_count);
    g_count = 0;
    g_dropped = 0;
    __atomic_store_n(&g_samples, s, __ATOMIC_SEQ_CST);
    g_report.deadline = arch::monotonic_ns() + g_report_ns;
    add_timer(&g_report);
}

} // namespace

const char* prof_set_param(const char* name, const char* value) {
    if (__builtin_strcmp(name, "prof.report") == 0) {
        uint64_t secs;
        if (!value || !parse_u64(value, &secs) || secs > max_report_s)
            return "prof.report needs a number of seconds (0: only at exit)";
        g_report_ns = secs * 1000000000;
        return nullptr;
    }
    if (__builtin_strcmp(name, "prof.hz") != 0)
        return "unknown prof.* parameter";
    uint64_t hz;
    if (!value || !parse_u64(value, &hz) || hz < 1 || hz > max_hz)
        return "prof.hz needs a rate from 1 to 10000 samples a second";
    g_hz = hz;
    g_period_ns = 1000000000 / hz;
    return nullptr;
}

void prof_start() {
    if (!g_hz)
        return;
    g_samples = static_cast<uint64_t*>(kheap_alloc(capacity * sizeof(uint64_t)));
    if (!g_samples) {
        uk_printk("uk: prof: no memory for the samples, not profiling\n");
        g_hz = 0;
        return;
    }
    uint64_t now = arch::monotonic_ns();
    g_since_ns = now;
    g_since_idle_ns = g_idle_ns;
    // The PIT's NMI samples kernel code that runs with interrupts off where
    // it runs; the timer interrupt, where a machine has no PIT (or for
    // rates under 19 Hz), samples it where it turns interrupts back on.
    if (arch::pit_periodic(uint32_t(g_hz)) && arch::irq_route_nmi(arch::pit_gsi) == 0) {
        g_nmi = true;
    } else {
        g_timer.expire = on_timer;
        arm(now);
    }
    if (g_report_ns) {
        g_report.expire = on_report;
        g_report.deadline = now + g_report_ns;
        add_timer(&g_report);
    }
}

void prof_tick(uint64_t rip) {
    if (!g_samples)
        return;
    uint64_t now = arch::monotonic_ns();
    if (now < g_due_ns)
        return;
    g_due_ns = ~uint64_t(0);
    record(rip);
}

void prof_nmi(uint64_t rip) {
    if (g_nmi)
        record(rip);
}

void prof_final() {
    if (!g_samples)
        return;
    uint64_t* s = g_samples;
    // No more samples while the table is read.
    __atomic_store_n(&g_samples, nullptr, __ATOMIC_SEQ_CST);
    print(s, g_count);
    kheap_free(s);
}

} // namespace uk::sched
