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
#include "drivers/console.h"
#include "drivers/driver.h"
#include "drivers/fw_cfg.h"
#include "drivers/serial.h"
#include "lib/panic.h"
#include "mm/image.h"
#include "mm/mm.h"
#include "mm/report.h"
#include "mm/uvm.h"
#include "net/config.h"
#include "net/lwip/stack.h"
#include "posix/syscall.h"
#include "sched/prof.h"
#include "sched/sched.h"
#include "vfs/vfs.h"

namespace uk::boot {

constinit Params g_params{false, false, 0};

namespace {

constinit uint64_t g_stage_tsc[size_t(Stage::count)]{};
constinit BootInfo g_info{};

// The main thread's stack: Linux's RLIMIT_STACK default. Untouched pages
// cost nothing.
constexpr size_t default_stack_size = 8 << 20;

// A command line split into its parts, which point into its text.
struct Cmdline {
    const char* argv0;
    CmdlineParam* params;
    size_t nparams;
    const char** args;
    size_t nargs;
};

// Where a command line came from.
enum class Source { boot_loader, fw_cfg };

// Room for the parts of a short command line and the environment (HOME,
// TERM and one entry per parameter at most), so that the usual boot
// allocates nothing; longer ones get pages sized to fit.
constexpr size_t page = 4096;
constexpr size_t param_slots = 64;
constexpr size_t arg_slots = 256;
constinit CmdlineParam g_param_slots[param_slots]{};
constinit const char* g_arg_slots[arg_slots]{};
constinit const char* g_env_slots[2 + param_slots]{"HOME=/", "TERM=linux"};
constinit char g_cmdline_copy[sizeof(BootInfo::cmdline)]{};

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

void* boot_alloc(size_t bytes, const char* what) {
    void* p = mm::alloc_pages((bytes + page - 1) / page, 1, mm::Fill::any);
    if (!p) {
        uk_printk("uk: boot error: not enough memory for %s (%lu bytes)\n", what, bytes);
        panic_status(UK_EXIT_PANIC, "cannot start the app");
    }
    return p;
}

[[noreturn]] void cmdline_error(Source from, const CmdlineResult& r) {
    uk_printk("uk: boot error: command line%s, at byte %lu: %s\n",
              from == Source::fw_cfg ? " (fw_cfg opt/uk/cmdline)" : "", r.error_offset,
              cmdline_error_string(r.error));
    panic_status(UK_EXIT_PANIC, "cannot start the app");
}

// Splits text in place into arrays in pages, sized by counting it first.
// Stops the boot on a syntax error.
Cmdline split_cmdline(char* text, Source from) {
    CmdlineResult n = count_cmdline(text);
    if (n.error != CmdlineError::none)
        cmdline_error(from, n);
    size_t param_bytes = n.nparams * sizeof(CmdlineParam);
    auto* p = static_cast<char*>(
        boot_alloc(param_bytes + n.nargs * sizeof(const char*), "the command line's index"));
    auto* params = reinterpret_cast<CmdlineParam*>(p);
    auto* args = reinterpret_cast<const char**>(p + param_bytes);
    CmdlineResult r = parse_cmdline(text, params, n.nparams, args, n.nargs);
    if (r.error != CmdlineError::none)
        cmdline_error(from, r);
    return Cmdline{r.argv0, params, r.nparams, args, r.nargs};
}

// The boot loader's command line, parsed into the static slots, which
// almost always suffice, so that the usual boot neither allocates nor
// counts first (under emulation every extra pass is code to translate).
// When the slots are too few, the original is counted and split again into
// pages; a line that could need that is parsed from a copy. A shorter one
// cannot: each token takes a character and a separator, so fewer than
// 2 * param_slots bytes hold at most param_slots tokens.
Cmdline split_boot_loader_cmdline() {
    static_assert(arg_slots >= param_slots);
    char* text = g_info.cmdline;
    if (g_info.cmdline_len >= 2 * param_slots) {
        __builtin_memcpy(g_cmdline_copy, g_info.cmdline, g_info.cmdline_len + 1);
        text = g_cmdline_copy;
    }
    CmdlineResult r = parse_cmdline(text, g_param_slots, param_slots, g_arg_slots, arg_slots);
    if (r.error != CmdlineError::none) {
        if (r.error != CmdlineError::too_many_params && r.error != CmdlineError::too_many_args)
            cmdline_error(Source::boot_loader, r);
        return split_cmdline(g_info.cmdline, Source::boot_loader);
    }
    return Cmdline{r.argv0, g_param_slots, r.nparams, g_arg_slots, r.nargs};
}

// Reads the command line from fw_cfg into pages, NUL-terminated.
char* read_fw_cfg_cmdline() {
    if (!drivers::fw_cfg_init())
        boot_error("uk.cmdline=fw_cfg, but there is no fw_cfg device", nullptr);
    drivers::FwCfgFile f;
    if (!drivers::fw_cfg_find(cmdline_fw_cfg_file, &f))
        boot_error("uk.cmdline=fw_cfg, but fw_cfg has no file", cmdline_fw_cfg_file);
    auto* text = static_cast<char*>(boot_alloc(size_t(f.size) + 1, "the fw_cfg command line"));
    if (!drivers::fw_cfg_read(f.select, text, f.size))
        boot_error("cannot read fw_cfg file", cmdline_fw_cfg_file);
    text[f.size] = '\0';
    // A NUL inside would silently cut the command line short.
    for (size_t i = 0; i < f.size; i++)
        if (text[i] == '\0')
            boot_error("the fw_cfg command line contains a NUL byte", nullptr);
    return text;
}

// The app's environment: HOME, TERM and the env= parameters.
struct Env {
    const char** entries;
    size_t n;
    size_t cap;
};

// Makes room for `more` entries in env, in pages when the slots run out.
void env_reserve(Env* env, size_t more) {
    if (env->n + more <= env->cap)
        return;
    size_t cap = env->n + more;
    auto** entries = static_cast<const char**>(boot_alloc(cap * sizeof(char*), "the environment"));
    for (size_t i = 0; i < env->n; i++)
        entries[i] = env->entries[i];
    *env = Env{entries, env->n, cap};
}

// Adds NAME=VALUE to env, in place of an earlier NAME (HOME and TERM's
// defaults included): getenv() would find only the first.
void env_set(Env* env, const char* entry) {
    size_t len = 0;
    while (entry[len] && entry[len] != '=')
        len++;
    for (size_t i = 0; i < env->n; i++) {
        if (__builtin_strncmp(env->entries[i], entry, len) == 0 && env->entries[i][len] == '=') {
            env->entries[i] = entry;
            return;
        }
    }
    env->entries[env->n++] = entry;
}

// Applies the kernel parameters of c, adding env= values to env. Returns
// true when c is the boot loader's line and says uk.cmdline=fw_cfg.
bool apply_params(const Cmdline& c, Source from, Env* env) {
    env_reserve(env, c.nparams);
    bool fw_cfg = false;
    for (size_t i = 0; i < c.nparams; i++) {
        const CmdlineParam& p = c.params[i];
        if (name_is(p.name, "uk.timestamps")) {
            g_params.timestamps = param_bool(p);
        } else if (name_is(p.name, "uk.log_enosys")) {
            g_params.log_enosys = param_bool(p);
        } else if (name_is(p.name, "uk.stack_size")) {
            uint64_t v;
            if (!p.value || !parse_u64(p.value, &v) || v < 16384 || v > (uint64_t(1) << 32))
                boot_error("uk.stack_size needs a byte count from 16384 to 4294967296", p.value);
            g_params.stack_size = v;
        } else if (name_is(p.name, "uk.tlb_flush_ms")) {
            uint64_t v;
            if (!p.value || !parse_u64(p.value, &v) || v > 10000)
                boot_error("uk.tlb_flush_ms needs milliseconds from 0 to 10000", p.value);
            sched::set_tlb_flush_ms(v);
        } else if (name_is(p.name, "uk.string_rep_min")) {
            uint64_t v;
            if (p.value && name_is(p.value, "never"))
                v = ~uint64_t(0);
            else if (!p.value || !parse_u64(p.value, &v))
                boot_error("uk.string_rep_min needs a byte count or never", p.value);
            arch::set_string_rep_min(v);
        } else if (name_is(p.name, "env")) {
            // env=NAME=VALUE adds one variable to the app's environment.
            if (!p.value || !*p.value || *p.value == '=')
                boot_error("env= needs NAME=VALUE", p.value);
            env_set(env, p.value);
        } else if (name_is(p.name, cmdline_source_param)) {
            if (from == Source::fw_cfg)
                boot_error("uk.cmdline cannot appear in the fw_cfg command line", nullptr);
            if (!p.value || !name_is(p.value, cmdline_source_fw_cfg))
                boot_error("uk.cmdline takes one value, fw_cfg", p.value);
            fw_cfg = true;
        } else if (starts_with(p.name, "vfs.")) {
            if (const char* err = vfs::set_param(p.name, p.value))
                boot_error(err, p.name);
        } else if (starts_with(p.name, "console.")) {
            if (const char* err = drivers::console_set_param(p.name, p.value))
                boot_error(err, p.name);
        } else if (starts_with(p.name, "mem.")) {
            if (const char* err = mm::report_set_param(p.name, p.value))
                boot_error(err, p.name);
        } else if (starts_with(p.name, "prof.")) {
            if (const char* err = sched::prof_set_param(p.name, p.value))
                boot_error(err, p.name);
        } else if (starts_with(p.name, "net.")) {
            if (const char* err = net::lwip::set_param(p.name, p.value))
                boot_error(err, p.name);
        } else if (starts_with(p.name, "netdev.")) {
            if (const char* err = net::netdev_set_param(p.name, p.value))
                boot_error(err, p.name);
        } else if (starts_with(p.name, "uk.")) {
            boot_error("unknown kernel parameter", p.name);
        } else {
            uk_printk("uk: ignoring unknown kernel parameter '%s'\n", p.name);
        }
    }
    return fw_cfg;
}

void print_timestamps() {
    static const char* const names[] = {"entry",   "cpu",   "memory",    "paging",
                                        "cmdline", "files", "app start", "main"};
    static_assert(sizeof(names) / sizeof(names[0]) == size_t(Stage::count));
    uint64_t hz = arch::tsc_hz();
    uint64_t t0 = g_stage_tsc[0];
    for (size_t i = 1; i < size_t(Stage::count); i++) {
        uint64_t d = g_stage_tsc[i] - t0;
        uk_printk("uk: %-10s %6lu us\n", names[i], d * 1000000 / hz);
    }
    uk_printk("uk: main after %lu us\n", (g_stage_tsc[size_t(Stage::main)] - t0) * 1000000 / hz);
}

} // namespace

Initrd initrd() {
    if (!g_info.nmodules)
        return Initrd{nullptr, 0};
    return Initrd{mm::phys_to_virt(g_info.modules[0].base), size_t(g_info.modules[0].len)};
}

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
    // A module the image overlaps was loaded over, or will be by .bss.
    const auto image_lo = reinterpret_cast<uintptr_t>(__uk_image_start),
               image_hi = reinterpret_cast<uintptr_t>(__uk_image_end);
    for (size_t i = 0; i < g_info.nmodules; i++) {
        const mm::MemRegion& m = g_info.modules[i];
        if (m.len && m.base < image_hi && m.base + m.len > image_lo)
            boot_error("the initrd overlaps the image (more memory would move it up)", nullptr);
    }
    if (!mm::init(g_info.ram, g_info.nram, g_info.modules, g_info.nmodules))
        boot_error("not enough memory for the page allocator", nullptr);
    mark(Stage::memory);
    if (!arch::mmu_init())
        boot_error("not enough memory for page tables", nullptr);
    mark(Stage::paging);

    // The boot loader's command line, and the one in fw_cfg when it says so:
    // that one's parameters apply after its own, its arguments replace them.
    Cmdline line = split_boot_loader_cmdline();
    Env env{g_env_slots, 2, sizeof(g_env_slots) / sizeof(g_env_slots[0])};
    const Cmdline* app = &line;
    Cmdline from_fw_cfg{};
    if (apply_params(line, Source::boot_loader, &env)) {
        if (line.nargs)
            boot_error("uk.cmdline=fw_cfg, but the boot loader's command line has app arguments",
                       nullptr);
        from_fw_cfg = split_cmdline(read_fw_cfg_cmdline(), Source::fw_cfg);
        apply_params(from_fw_cfg, Source::fw_cfg, &env);
        app = &from_fw_cfg;
    }
    const char* argv0 = app->argv0 ? app->argv0 : line.argv0;
    mark(Stage::cmdline);

    posix::syscall_init(g_params.log_enosys);
    if (!mm::uvm::init(g_params.stack_size ? g_params.stack_size : default_stack_size))
        boot_error("not enough memory for the app's address space", nullptr);
    if (!sched::init())
        boot_error("not enough memory for the main thread", nullptr);
    mm::report_start();
    sched::prof_start();
    drivers::probe_all();
    vfs::init();
    drivers::run_after_mount();
    mark(Stage::files);
    start_app(argv0 ? argv0 : "app", app->args, app->nargs, env.entries, env.n);
}
