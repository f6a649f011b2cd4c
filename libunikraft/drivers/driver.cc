#include "drivers/driver.h"

extern "C" const uk::drivers::Driver __uk_drivers_start[];
extern "C" const uk::drivers::Driver __uk_drivers_end[];

namespace uk::drivers {

void probe_all() {
    for (const Driver* d = __uk_drivers_start; d < __uk_drivers_end; d++)
        d->probe();
}

} // namespace uk::drivers
