// Device drivers register in a linker-section table and are probed once at
// boot, after the scheduler is up and before the file systems are mounted
// (so that a 9P share or a block device can be the root). The priority in
// the section name orders them: the transports (virtio-mmio, PCI) first,
// then what they find is attached to the device drivers that claim it.
#pragma once

namespace uk::drivers {

/// A driver's probe: finds and sets up its devices. Failing to find any is
/// not an error; a device found but unusable is reported on the console.
struct Driver {
    const char* name;
    void (*probe)();
};

/// Probes every registered driver in priority order.
void probe_all();

/// Runs `fn` once the file systems are mounted, before the app starts: a
/// probe's work that needs files. Up to four per boot.
void after_mount(void (*fn)());

/// Runs what after_mount() was given, in that order (boot, once).
void run_after_mount();

} // namespace uk::drivers

/// Registers a driver with a two-digit priority (lower probes first).
#define UK_DRIVER(ident, prio, name, probe_fn)                                                     \
    [[gnu::used,                                                                                   \
      gnu::section(".uk_drivers." #prio)]] static const ::uk::drivers::Driver uk_driver_##ident {  \
        name, probe_fn                                                                             \
    }

/// Registers a network driver (.uk_drivers_net, probed after every UK_DRIVER):
/// linked into an image only with the network stack (uk_net_root).
#define UK_DRIVER_NET(ident, name, probe_fn)                                                       \
    extern "C" [[gnu::used,                                                                        \
                 gnu::section(".uk_drivers_net")]] const ::uk::drivers::Driver uk_driver_##ident { \
        name, probe_fn                                                                             \
    }
