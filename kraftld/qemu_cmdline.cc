#include "qemu_cmdline.h"

#include "boot/cmdline.h"
#include "ukrun_net.h"
#include "ukrun_share.h"

namespace ukrun {

std::vector<std::string> build_qemu_argv(QemuConfig const& config) {
    std::vector<std::string> argv{
        config.qemu,
        // No default devices, no config files, no display: each costs start-up time.
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
    };
    if (config.machine == Machine::Microvm) {
        // ACPI tables and option ROMs only slow the firmware down (about
        // 3 ms of a 24 ms floor boot under TCG); PVH start_info already
        // carries the memory map. The command line must stay exactly ukrun's
        // (QEMU would append virtio_mmio.device=... after the app's args).
        argv.insert(
            argv.end(),
            {"-M", "microvm,x-option-roms=off,acpi=off,isa-serial=on,auto-kernel-cmdline=off"});
    } else {
        argv.insert(argv.end(), {"-M", "pc"});
    }
    if (!config.bios.empty())
        argv.insert(argv.end(), {"-bios", config.bios});
    argv.insert(argv.end(), {"-accel", config.kvm ? "kvm" : "tcg"});
    if (!config.cpu.empty())
        argv.insert(argv.end(), {"-cpu", config.cpu});
    argv.insert(argv.end(),
                {
                    "-m",
                    format_size(config.mem_bytes),
                    // A reset (triple fault) ends QEMU instead of rebooting the guest forever.
                    "-no-reboot",
                    "-serial",
                    config.serial_stdio ? "stdio" : "null",
                    "-device",
                    "isa-debug-exit,iobase=0xf4,iosize=4",
                    "-chardev",
                    "file,id=ukexit,path=" + qemu_fd_path(qemu_debugcon_fd),
                    "-device",
                    "isa-debugcon,iobase=0xe9,chardev=ukexit",
                    "-kernel",
                    config.kernel,
                });
    if (config.initrd)
        argv.insert(argv.end(), {"-initrd", qemu_fd_path(qemu_initrd_fd)});
    if (config.console) {
        argv.insert(argv.end(),
                    {"-chardev", "socket,id=ukcon,fd=" + std::to_string(qemu_console_fd), "-device",
                     config.machine == Machine::Microvm ? "virtio-serial-device,max_ports=2"
                                                        : "virtio-serial-pci,max_ports=2",
                     "-device", "virtserialport,chardev=ukcon,nr=1,name=uk.console"});
    }
    if (!config.append.empty())
        argv.insert(argv.end(), {"-append", config.append});
    if (config.cmdline_in_fw_cfg)
        argv.insert(argv.end(), {"-fw_cfg", std::string("name=") + uk::cmdline_fw_cfg_file +
                                                ",file=" + qemu_fd_path(qemu_cmdline_fd)});
    auto shares = share_qemu_args(config.shares, config.machine);
    argv.insert(argv.end(), shares.begin(), shares.end());
    auto nets = net_qemu_args(config.nets, config.machine);
    argv.insert(argv.end(), nets.begin(), nets.end());
    return argv;
}

std::string shell_command(std::vector<std::string> const& argv) {
    std::string command;
    for (auto const& arg : argv) {
        if (!command.empty())
            command += ' ';
        bool plain = !arg.empty();
        for (char c : arg) {
            bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') ||
                        std::string_view("-_./=,:+@%").find(c) != std::string_view::npos;
            plain = plain && safe;
        }
        if (plain) {
            command += arg;
            continue;
        }
        command += '\'';
        for (char c : arg) {
            if (c == '\'')
                command += "'\\''";
            else
                command += c;
        }
        command += '\'';
    }
    return command;
}

} // namespace ukrun
