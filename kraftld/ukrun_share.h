// ukrun --share: host directories the guest mounts over virtio-9p. Pure
// logic (plus a stat of the host directory), shared by ukrun and its unit
// tests.
#pragma once

#include "ukrun_args.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ukrun {

/// The most shares one VM gets: microvm has 8 virtio-mmio slots, and the
/// virtio console takes one.
inline constexpr std::size_t max_shares = 7;

/// Parses "HOST:GUEST[:ro]" (or ":rw"). HOST is split off at the last ':'
/// before GUEST, so it may itself contain ':'. HOST must be an existing
/// directory (it is made absolute); GUEST must be an absolute path without
/// "." or ".." components, ':' (vfs.fstab's field separator), whitespace,
/// '"' or '\\' (the kernel command line carries it as it is). Fails with a
/// one-line message.
Parsed<Share> parse_share(std::string_view spec);

/// The share --share-cwd asks for: the directory `cwd` (absolute, as
/// getcwd gives it) at the same path in the guest, read-write. Fails, naming
/// the option, where the guest path rules of parse_share refuse the path or
/// the directory is not there.
Parsed<Share> parse_share_cwd(std::string_view cwd);

/// The virtio-9p mount tag of the index-th share ("uk9p0", "uk9p1", ...).
std::string share_tag(std::size_t index);

/// The vfs.fstab entry for the index-th share, in Unikraft's syntax:
/// "TAG:GUEST:9pfs", with ":1" (MS_RDONLY) for a read-only share. The
/// kernel makes the mount point.
std::string share_fstab_entry(Share const& share, std::size_t index);

/// The kernel parameter that mounts every share: vfs.fstab=ENTRY for one,
/// vfs.fstab=[ "ENTRY" ... ] (Unikraft's list) for several, as one
/// parameter for build_kernel_cmdline to quote. Empty when there are none.
std::string share_fstab_param(std::vector<Share> const& shares);

/// QEMU's options for the shares on `machine`: for each, an -fsdev (local,
/// security_model=none, readonly=on for a read-only share) and a
/// virtio-9p-device (microvm, virtio-mmio) or virtio-9p-pci (pc) with the
/// share's mount tag.
std::vector<std::string> share_qemu_args(std::vector<Share> const& shares, Machine machine);

} // namespace ukrun
