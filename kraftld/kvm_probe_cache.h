// The KVM probe's verdict and its cache file. Pure logic, shared by ukrun
// and its unit tests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ukrun {

/// What the probe found: KVM cannot run a guest, or it can with this CPU
/// model (CpuDefault: QEMU's default model, no -cpu).
enum class KvmVerdict { Unusable, CpuHost, CpuMax, CpuDefault };

/// The verdict's name in the cache file and in --verbose output.
std::string_view verdict_name(KvmVerdict verdict);

/// The -cpu model a verdict stands for ("host", "max", or "" for QEMU's
/// default); "max" for Unusable, which --accel kvm still runs with.
char const* verdict_cpu(KvmVerdict verdict);

/// The cache key for one host configuration: the kernel release, /dev/kvm's
/// device number and inode, and the QEMU binary's path, size and mtime.
std::string kvm_probe_cache_key(std::string_view kernel_release, unsigned long long kvm_rdev,
                                unsigned long long kvm_ino, std::string_view qemu_path,
                                unsigned long long qemu_size, long long mtime_sec, long mtime_nsec);

/// Reads a cache file's content: the verdict stored for `key`, or nothing
/// when the file is for another key or malformed.
std::optional<KvmVerdict> parse_probe_cache(std::string_view content, std::string_view key);

/// The cache file's content for `key` and `verdict`.
std::string format_probe_cache(std::string_view key, KvmVerdict verdict);

} // namespace ukrun
