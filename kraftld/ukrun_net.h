// ukrun --net: the guest's network interfaces, each a virtio-net device on
// QEMU user networking or on an existing tap device. Pure logic, shared by
// ukrun and its unit tests.
#pragma once

#include "ukrun_args.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ukrun {

/// The most interfaces one VM gets (microvm's 8 virtio-mmio slots also
/// hold the console and the shares).
inline constexpr std::size_t max_nets = 4;

/// Parses one --net value: "user" with any number of
/// ",hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT" (QEMU's
/// syntax, the protocol required), or "tap:NAME[,offload=on|off]" for an
/// existing tap device (a Linux interface name: 1 to 15 characters, none of
/// them '/', ',', ':' or whitespace; offload=off has the device offer no
/// checksum or segmentation offload). Fails with a one-line message.
Parsed<Net> parse_net(std::string_view spec);

/// QEMU's arguments for the interfaces: one -netdev (id uknetN) and one
/// virtio-net device per interface, virtio-net-device on microvm and
/// virtio-net-pci (without an option ROM) on pc, with the offload
/// properties off for a tap given offload=off.
std::vector<std::string> net_qemu_args(std::vector<Net> const& nets, Machine machine);

} // namespace ukrun
