#include "drivers/driver.h"

#include <uk/exit.h>

extern "C" const uk::drivers::Driver __uk_drivers_start[];
extern "C" const uk::drivers::Driver __uk_drivers_end[];

namespace uk::drivers {

namespace {

constexpr int max_after_mount = 4;
using AfterMount = void (*)();
constinit AfterMount g_after_mount[max_after_mount] = {};
constinit int g_after_mount_count = 0;

} // namespace

void probe_all() {
    for (const Driver* d = __uk_drivers_start; d < __uk_drivers_end; d++)
        d->probe();
}

void after_mount(void (*fn)()) {
    if (g_after_mount_count == max_after_mount)
        uk_panic("drivers: more than %d after_mount() calls", max_after_mount);
    g_after_mount[g_after_mount_count++] = fn;
}

void run_after_mount() {
    for (int i = 0; i < g_after_mount_count; i++)
        g_after_mount[i]();
}

} // namespace uk::drivers
