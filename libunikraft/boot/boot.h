// The boot sequence and what it leaves for the rest of the kernel.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::boot {

/// Boot stages whose TSC the kernel records (printed with uk.timestamps=1).
enum class Stage { entry, cpu, memory, paging, cmdline, files, app_start, main, count };

/// Records the TSC for `s` (once; later calls keep the first value).
void mark(Stage s);

/// Kernel parameters the rest of the kernel reads.
struct Params {
    bool timestamps;     // uk.timestamps: print boot-stage times before main
    bool log_enosys;     // uk.log_enosys: log calls that return -ENOSYS
    uint64_t stack_size; // uk.stack_size: the main thread's stack, bytes
};
extern Params g_params;

/// The initrd: the first module the boot loader loaded (PVH module,
/// Multiboot module), read in place through the direct map. Its pages were
/// reserved before the page allocator started and stay so: the bytes are
/// valid and unchanged for the life of the system.
struct Initrd {
    const void* data; // nullptr when the boot loader gave no module
    size_t len;
};

/// Returns the initrd, {nullptr, 0} when there is none.
Initrd initrd();

/// Starts the app: builds its initial stack (argc, argv, envp, auxv) and
/// enters musl's __libc_start_main, which runs constructors and main.
[[noreturn]] void start_app(const char* argv0, const char* const* args, size_t nargs,
                            const char* const* env, size_t nenv);

/// What the app's start left, as Linux keeps it for /proc/<pid>/ (cmdline,
/// environ, auxv, stat, exe).
struct AppInfo {
    const char* argv0;            // as the command line gave it (kernel memory)
    uintptr_t arg_start, arg_end; // argv's strings on the main stack (the app's memory)
    uintptr_t env_start, env_end; // envp's strings, right after them
    uintptr_t start_stack;        // the initial stack pointer (where argc is)
    uint64_t start_tsc;           // the TSC when the app was started
    uint64_t auxv[40];            // the auxiliary vector's pairs, AT_NULL's included
    size_t auxv_words;
};

/// The app's start; all zero before start_app.
const AppInfo& app_info();

} // namespace uk::boot
