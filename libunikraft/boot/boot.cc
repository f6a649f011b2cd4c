// From the first C++ instruction to the app: each step in the order data
// flows at boot.
#include "boot/boot.h"

#include <uk/console.h>
#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/time.h"
#include "boot/bootinfo.h"
#include "boot/cmdline.h"
#include "drivers/serial.h"
#include "lib/panic.h"
#include "mm/mm.h"
#include "mm/uvm.h"
#include "posix/syscall.h"
#include "sched/sched.h"

namespace uk::boot {

constinit Params g_params{false, false, 0};

namespace {

constinit uint64_t g_stage_tsc[size_t(Stage::count)]{};
constinit BootInfo g_info{};

// The main thread's stack: Linux's RLIMIT_STACK default. Untouched pages
// cost nothing.
constexpr size_t default_stack_size = 8 << 20;

constexpr size_t max_params = 64;
constexpr size_t max_args = 256;
constexpr size_t max_env = 64;
constinit CmdlineParam g_param_slots[max_params]{};
constinit const char* g_arg_slots[max_args]{};
constinit const char* g_env[max_env]{};

const void* read_phys(uint64_t addr, size_t len) {
    // The direct map covers the first 4 GiB, page 0 included (QEMU's pc
    // machine puts the PVH memory map there).
    if (!addr || addr + len < addr || addr + len > mm::direct_map_size)
        return nullptr;
    return mm::phys_to_virt(addr);
}

[[noreturn]] void boot_error(const char* what, const char* detail) {
    uk_printk("uk: boot error: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    panic_status(UK_EXIT_PANIC, "cannot start the app");
}

bool param_bool(const CmdlineParam& p) {
    bool v = true;
    if (p.value && !parse_bool(p.value, &v))
        boot_error("bad value for a boolean kernel parameter", p.name);
    return v;
}

bool name_is(const char* a, const char* b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

bool starts_with(const char* s, const char* prefix) {
    while (*prefix)
        if (*s++ != *prefix++)
            return false;
    return true;
}

size_t apply_params(const CmdlineParam* params, size_t n) {
    size_t nenv = 0;
    g_env[nenv++] = "HOME=/";
    g_env[nenv++] = "TERM=linux";
    for (size_t i = 0; i < n; i++) {
        const CmdlineParam& p = params[i];
        if (name_is(p.name, "uk.timestamps")) {
            g_params.timestamps = param_bool(p);
        } else if (name_is(p.name, "uk.log_enosys")) {
            g_params.log_enosys = param_bool(p);
        } else if (name_is(p.name, "uk.stack_size")) {
            uint64_t v;
            if (!p.value || !parse_u64(p.value, &v) || v < 16384 || v > (uint64_t(1) << 32))
                boot_error("uk.stack_size needs a byte count from 16384 to 4294967296", p.value);
            g_params.stack_size = v;
        } else if (name_is(p.name, "env")) {
            // env=NAME=VALUE adds one variable to the app's environment.
            if (!p.value || !*p.value || *p.value == '=')
                boot_error("env= needs NAME=VALUE", p.value);
            if (nenv == max_env)
                boot_error("too many env= parameters (at most 62)", nullptr);
            g_env[nenv++] = p.value;
        } else if (starts_with(p.name, "uk.")) {
            boot_error("unknown kernel parameter", p.name);
        } else {
            uk_printk("uk: ignoring unknown kernel parameter '%s'\n", p.name);
        }
    }
    return nenv;
}

void print_timestamps() {
    static const char* const names[] = {"entry",   "cpu",       "memory", "paging",
                                        "cmdline", "app start", "main"};
    uint64_t hz = arch::tsc_hz();
    uint64_t t0 = g_stage_tsc[0];
    for (size_t i = 1; i < size_t(Stage::count); i++) {
        uint64_t d = g_stage_tsc[i] - t0;
        uk_printk("uk: %-10s %6lu us\n", names[i], d * 1000000 / hz);
    }
    uk_printk("uk: main after %lu us\n", (g_stage_tsc[size_t(Stage::main)] - t0) * 1000000 / hz);
}

} // namespace

void mark(Stage s) {
    if (!g_stage_tsc[size_t(s)])
        g_stage_tsc[size_t(s)] = arch::rdtsc();
}

} // namespace uk::boot

/// Called by musl's __libc_start_main in place of main: the app's main() is
/// one step away, so this is where boot ends.
extern "C" int uk_app_main(int, char**, char**) __asm__("main");
extern "C" int uk_main_trampoline(int argc, char** argv, char** envp) {
    using namespace uk::boot;
    mark(Stage::main);
    if (g_params.timestamps)
        print_timestamps();
    return uk_app_main(argc, argv, envp);
}

extern "C" [[noreturn]] void uk_boot_main(uint32_t proto, uint32_t info) {
    using namespace uk;
    using namespace uk::boot;
    g_stage_tsc[0] = arch::boot_tsc();
    drivers::serial_init();
    arch::cpu_init();
    mark(Stage::cpu);

    parse_bootinfo(static_cast<BootProtocol>(proto), info, read_phys, &g_info);
    if (g_info.error)
        boot_error("boot information", g_info.error);
    if (!mm::init(g_info.ram, g_info.nram))
        boot_error("not enough memory for the page allocator", nullptr);
    mark(Stage::memory);
    if (!arch::mmu_init())
        boot_error("not enough memory for page tables", nullptr);
    mark(Stage::paging);

    CmdlineResult r =
        parse_cmdline(g_info.cmdline, g_param_slots, max_params, g_arg_slots, max_args);
    if (r.error != CmdlineError::none) {
        uk_printk("uk: boot error: command line, at byte %lu: %s\n", r.error_offset,
                  cmdline_error_string(r.error));
        panic_status(UK_EXIT_PANIC, "cannot start the app");
    }
    size_t nenv = apply_params(g_param_slots, r.nparams);
    mark(Stage::cmdline);

    posix::syscall_init(g_params.log_enosys);
    if (!mm::uvm::init(g_params.stack_size ? g_params.stack_size : default_stack_size))
        boot_error("not enough memory for the app's address space", nullptr);
    if (!sched::init())
        boot_error("not enough memory for the main thread", nullptr);
    start_app(r.argv0 ? r.argv0 : "app", g_arg_slots, r.nargs, g_env, nenv);
}
