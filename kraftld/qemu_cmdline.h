// The QEMU command lines ukrun runs. Pure logic, shared by ukrun and its
// unit tests.
#pragma once

#include "ukrun_args.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ukrun {

/// The file descriptors QEMU finds its side channels on (set up by the
/// spawner before exec).
inline constexpr int qemu_debugcon_fd = 3;
inline constexpr int qemu_kernel_fd = 4;
/// The kernel command line, when it goes through fw_cfg.
inline constexpr int qemu_cmdline_fd = 5;
/// QEMU's end of the socket that carries the guest's console (the app's
/// standard input and output; ukrun relays the other end).
inline constexpr int qemu_console_fd = 6;
/// The initrd (a file, or the archive ukrun packed from a directory).
inline constexpr int qemu_initrd_fd = 7;

/// The path by which QEMU opens its own descriptor `fd`. Through /proc, not
/// /dev/fd, which a minimal /dev may lack.
inline std::string qemu_fd_path(int fd) {
    return "/proc/self/fd/" + std::to_string(fd);
}

/// What one QEMU run needs.
struct QemuConfig {
    std::string qemu{"qemu-system-x86_64"};
    Machine machine{Machine::Microvm};
    bool kvm{false};
    /// The -cpu model; empty leaves QEMU's default.
    std::string cpu{"max"};
    std::uint64_t mem_bytes{64ull << 20};
    /// The -bios file; empty leaves QEMU's default firmware.
    std::string bios;
    std::string kernel;
    std::string append;
    /// Whether QEMU offers qemu_fd_path(qemu_cmdline_fd) to the guest as the
    /// fw_cfg file that holds the kernel command line.
    bool cmdline_in_fw_cfg{false};
    /// Whether QEMU loads qemu_fd_path(qemu_initrd_fd) as the initrd.
    bool initrd{false};
    /// Whether COM1 goes to QEMU's stdin and stdout; else it goes nowhere.
    bool serial_stdio{true};
    /// Host directories offered as virtio-9p devices (see ukrun_share.h).
    std::vector<Share> shares;
    /// Network interfaces offered as virtio-net devices (see ukrun_net.h).
    std::vector<Net> nets;
    /// Whether the guest gets a virtio console (a virtio-serial device with
    /// one port) on the socket qemu_console_fd.
    bool console{true};
};

/// Builds QEMU's argv (argv[0] is config.qemu). The guest's exit report
/// goes to an isa-debugcon device at port 0xe9 whose chardev writes to
/// qemu_fd_path(qemu_debugcon_fd); a command line in fw_cfg is read from
/// qemu_fd_path(qemu_cmdline_fd); the console is a virtserialport (port 1,
/// which QEMU holds back while the host is busy rather than dropping
/// output as it does for a virtconsole) on the socket qemu_console_fd.
std::vector<std::string> build_qemu_argv(QemuConfig const& config);

/// Quotes argv for a POSIX shell, for --verbose output that can be pasted.
std::string shell_command(std::vector<std::string> const& argv);

} // namespace ukrun
