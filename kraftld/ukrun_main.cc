// ukrun: boots a libunikraft image in QEMU and exits with the app's status.
//
// The hot path is one vfork+exec of QEMU and one wait: ukrun is measured
// against plain QEMU and must add almost nothing to it.

#include "console_relay.h"
#include "kvm_probe.h"
#include "qemu_cmdline.h"
#include "qemu_process.h"
#include "ukrun_args.h"
#include "ukrun_image.h"
#include "ukrun_initrd.h"
#include "ukrun_outcome.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace ukrun;

constexpr char const* ukrun_version = "ukrun (libunikraft) 0.1";

void say(std::string const& message) {
    if (message.empty())
        return;
    std::string line = message + "\n";
    (void)!write(2, line.data(), line.size());
}

[[noreturn]] void fail(std::string const& message) {
    say("ukrun: " + message);
    std::exit(exit_failure);
}

// A closed 0, 1 or 2 would be taken by the next descriptor ukrun opens and
// then handed to QEMU as its stdin, stdout or stderr.
void ensure_std_fds() {
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) < 0) {
            int null = open("/dev/null", O_RDWR);
            if (null >= 0 && null != fd) {
                dup2(null, fd);
                close(null);
            }
        }
    }
}

// QEMU's pc machine spends most of its start-up (about 25 ms of 60 under
// TCG) in SeaBIOS; qboot, the firmware microvm uses, boots the same PVH
// and Multiboot images in a fraction of that.
std::string find_fast_pc_firmware(std::string const& qemu_path) {
    std::string candidates[3];
    if (auto slash = qemu_path.rfind('/'); slash != std::string::npos)
        candidates[0] = qemu_path.substr(0, slash) + "/../share/qemu/qboot.rom";
    candidates[1] = "/usr/share/qemu/qboot.rom";
    candidates[2] = "/usr/local/share/qemu/qboot.rom";
    for (auto const& path : candidates) {
        struct stat st;
        if (!path.empty() && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            return path;
    }
    return {};
}

// The descriptor QEMU gets as its stdin or stdout, and the flags to put
// back on it afterwards (-1: nothing to restore).
struct StdioFd {
    int source;
    int saved_flags;
};

// QEMU's stdio chardev makes its stdin and stdout non-blocking. On a
// terminal or pipe shared with other processes (a shell, make -j siblings)
// their reads and writes would then fail with EAGAIN, so QEMU gets its own
// open file description of the same terminal or pipe. Where that cannot be
// had (a socket, no /proc), QEMU shares ukrun's and the flags are restored
// after it ends, even if it was killed. Regular files ignore O_NONBLOCK and
// keep their shared offset.
StdioFd own_description(int fd, int access) {
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode))
        return {fd, -1};
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
        // O_NONBLOCK keeps the open of a pipe whose other end has gone from
        // blocking; QEMU sets the flag on its copy anyway.
        std::string path = "/proc/self/fd/" + std::to_string(fd);
        int reopened = open(path.c_str(), access | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (reopened >= 0) {
            int moved = fcntl(reopened, F_DUPFD_CLOEXEC, first_private_fd);
            close(reopened);
            if (moved >= 0)
                return {moved, -1};
        }
    }
    return {fd, fcntl(fd, F_GETFL)};
}

// The initrd QEMU is to load: its descriptor (close-on-exec, for
// qemu_initrd_fd) and size. A directory is packed into a memfd.
struct Initrd {
    int fd;
    std::uint64_t size;
};

Initrd open_initrd(std::string const& path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
        fail("--initrd: cannot read " + path + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        int fd = make_memfd("ukrun-initrd");
        if (fd < 0)
            fail(std::string("--initrd: cannot create a memfd: ") + std::strerror(errno));
        auto size = pack_directory(path, fd);
        if (!size)
            fail("--initrd: " + size.error);
        return {fd, *size.value};
    }
    if (!S_ISREG(st.st_mode))
        fail("--initrd: " + path + " is neither a file nor a directory");
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    int moved = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, first_private_fd);
    if (moved < 0 || fstat(moved, &st) != 0)
        fail("--initrd: cannot read " + path + ": " + std::strerror(errno));
    close(fd);
    return {moved, static_cast<std::uint64_t>(st.st_size)};
}

// Catches what would otherwise end in a QEMU error or a silent hang: a file
// that is not an image (QEMU's "Error loading uncompressed kernel without
// PVH ELF Note"), a truncated one, one for another machine, an unreadable
// one, and one that does not fit in --mem with its initrd (the firmware then
// spins forever, or the initrd lands on the image). Returns who names the
// image on the kernel command line.
Argv0 check_image(std::string const& image, Options const& options,
                  std::optional<std::uint64_t> initrd_size) {
    int fd = open(image.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fail(image + ": cannot read the image: " + std::strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0)
        fail(image + ": cannot read the image: " + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        fail(image + ": is a directory, not a libunikraft image");
    if (!S_ISREG(st.st_mode))
        fail(image + ": not a regular file, so not a libunikraft image");
    // Mapped, only the pages looked at are read (QEMU reads them next).
    auto size = static_cast<std::size_t>(st.st_size);
    void* map = size ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
    close(fd);
    if (map == MAP_FAILED)
        fail(image + ": cannot read the image: " + std::strerror(errno));
    std::span<unsigned char const> bytes{static_cast<unsigned char const*>(map), size};
    auto info = inspect_image(bytes);
    if (!info.problem.empty())
        fail(image + ": " + info.problem);
    auto end = elf_load_end(bytes);
    bool multiboot = info.kind == ImageKind::Multiboot;
    if (map)
        munmap(map, size);
    if (end) {
        auto error = check_fit(*end, options.mem_bytes, options.machine, multiboot, initrd_size);
        if (!error.empty())
            fail("image " + image + ": " + error);
    }
    return multiboot ? Argv0::FromLoader : Argv0::FromImageName;
}

[[noreturn]] void exit_on_signal(int sig) {
    // Dying by the same signal lets a calling shell see an interrupted
    // command (and stop a loop on Ctrl-C) rather than a plain failure.
    std::signal(sig, SIG_DFL);
    raise(sig);
    std::exit(128 + sig);
}

} // namespace

int main(int argc, char** argv) {
    ensure_std_fds();
    // An inherited SIG_IGN for SIGCHLD would make the kernel reap QEMU
    // before ukrun could read its exit status.
    std::signal(SIGCHLD, SIG_DFL);

    HostContext host;
    std::size_t nenv = 0;
    while (environ[nenv])
        nenv++;
    host.environ = {environ, nenv};
    if (char* cwd = getcwd(nullptr, 0)) {
        host.cwd = cwd;
        std::free(cwd);
    }
    auto parsed = parse_args({argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0)}, host);
    if (!parsed)
        fail(parsed.error);
    Options& options = *parsed.value;
    if (options.action == Action::Help) {
        std::fwrite(usage_text().data(), 1, usage_text().size(), stdout);
        return 0;
    }
    if (options.action == Action::Version) {
        std::printf("%s\n", ukrun_version);
        return 0;
    }

    std::string qemu_name = options.qemu;
    if (qemu_name.empty()) {
        char const* env = std::getenv("UKRUN_QEMU");
        qemu_name = env && *env ? env : "qemu-system-x86_64";
    }
    std::string qemu = find_program(qemu_name);
    if (qemu.empty())
        fail(qemu_name +
             " not found in PATH (install qemu-system-x86, or use --qemu PATH or UKRUN_QEMU)");

    std::optional<Initrd> initrd;
    if (!options.initrd.empty())
        initrd = open_initrd(options.initrd);
    Argv0 argv0 = check_image(options.image, options,
                              initrd ? std::optional<std::uint64_t>(initrd->size) : std::nullopt);

    auto accel = choose_accel(options.accel, qemu);
    if (!accel)
        fail(accel.error);

    QemuConfig config;
    config.qemu = qemu;
    config.machine = options.machine;
    config.kvm = accel.value->kvm;
    config.cpu = accel.value->cpu;
    config.mem_bytes = options.mem_bytes;
    if (options.machine == Machine::Pc)
        config.bios = find_fast_pc_firmware(qemu);
    config.kernel = options.image;
    config.shares = options.shares;
    config.nets = options.nets;
    // The terminal's size, for the app's first TIOCGWINSZ (the console
    // relay passes later changes on).
    if (auto size = terminal_size_param())
        options.params.push_back(*size);
    // Which of the app's fds 0-2 are terminals: as ukrun's own are.
    bool const terminal[3] = {isatty(0) == 1, isatty(1) == 1, isatty(2) == 1};
    if (auto tty = console_tty_param(terminal, options.params))
        options.params.push_back(*tty);
    auto cmdline = route_kernel_cmdline(options, argv0);
    if (!cmdline)
        fail(cmdline.error);
    config.append = cmdline.value->append;
    config.cmdline_in_fw_cfg = cmdline.value->fw_cfg.has_value();
    config.initrd = initrd.has_value();
    auto qemu_argv = build_qemu_argv(config);
    if (options.verbose) {
        say("ukrun: accelerator: " + accel.value->reason);
        say("ukrun: " + shell_command(qemu_argv));
    }

    int debugcon = make_memfd("ukrun-debugcon");
    int qemu_stderr = make_memfd("ukrun-qemu-stderr");
    if (debugcon < 0 || qemu_stderr < 0)
        fail(std::string("cannot create a memfd: ") + std::strerror(errno));

    // Standard input reaches the app through the console socket, which
    // ukrun relays (so that its end is the app's end of file); COM1, which
    // only carries the kernel's messages from before the console is up,
    // gets none. A terminal stays in the mode its user has it in.
    StdioFd qemu_stdin{open_dev_null(), -1};
    if (qemu_stdin.source < 0)
        fail(std::string("cannot open /dev/null: ") + std::strerror(errno));
    StdioFd qemu_stdout = own_description(1, O_WRONLY);
    int console_fds[2];
    if (!make_socketpair(console_fds))
        fail(std::string("cannot create the console socket: ") + std::strerror(errno));
    ConsoleRelay relay;
    if (!relay.start(console_fds[0], 0, 1, isatty(0) ? StdinMode::Terminal : StdinMode::Stream))
        fail(std::string("cannot start the console relay: ") + std::strerror(errno));

    std::vector<FdMapping> fds{{0, qemu_stdin.source},
                               {1, qemu_stdout.source},
                               {2, qemu_stderr},
                               {qemu_debugcon_fd, debugcon},
                               {qemu_console_fd, console_fds[1]}};
    if (config.cmdline_in_fw_cfg) {
        int fd = make_memfd("ukrun-cmdline");
        if (fd < 0 || !write_file_fd(fd, *cmdline.value->fw_cfg))
            fail(std::string("cannot write the kernel command line to a memfd: ") +
                 std::strerror(errno));
        fds.push_back({qemu_cmdline_fd, fd});
    }
    if (initrd)
        fds.push_back({qemu_initrd_fd, initrd->fd});
    auto end = run_process(qemu_argv, fds, options.timeout_ms);
    for (auto const& fd : {qemu_stdin, qemu_stdout}) {
        if (fd.saved_flags >= 0)
            fcntl(fd.source, F_SETFL, fd.saved_flags);
    }
    // With QEMU gone and its end closed, the relay copies out the rest of
    // what the guest wrote, before any message of ukrun's own.
    close(console_fds[1]);
    relay.finish();
    if (!end)
        fail(end.error);

    std::string qemu_messages = read_file_fd(qemu_stderr, 64 << 10);
    auto record = parse_exit_record(read_file_fd(debugcon));
    auto outcome = decide_outcome(*end.value, record, qemu_messages, options.timeout_ms);
    if (options.verbose && outcome.status != exit_failure && !qemu_messages.empty())
        say(qemu_messages);
    say(outcome.message);
    if (end.value->kind == QemuEnd::Kind::Interrupted)
        exit_on_signal(end.value->code);
    return outcome.status;
}
