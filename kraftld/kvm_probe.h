// Choosing between KVM and TCG: a tiny embedded guest is booted under KVM
// once per host configuration, and the verdict is cached.
#pragma once

#include "kvm_probe_cache.h"
#include "ukrun_args.h"

#include <string>
#include <string_view>

namespace ukrun {

/// The accelerator and CPU model for one run.
struct AccelChoice {
    bool kvm{false};
    /// The -cpu model; empty leaves QEMU's default.
    std::string cpu{"max"};
    /// Why, for --verbose.
    std::string reason;
};

/// Decides how to run: Tcg gives TCG with -cpu max; Auto gives KVM when
/// /dev/kvm is usable and the (cached) probe shows a guest runs on it, else
/// TCG; Kvm gives KVM with the CPU model the probe found to work (-cpu max
/// when none did). Fails with a message only for Kvm when /dev/kvm is
/// missing or not accessible.
Parsed<AccelChoice> choose_accel(Accel requested, std::string const& qemu_path);

} // namespace ukrun
