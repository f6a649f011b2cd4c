// ukrun's command line: options, sizes, durations and the kernel command
// line it builds. Pure logic, shared by ukrun and its unit tests.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ukrun {

/// The QEMU machine type an image boots on.
enum class Machine { Microvm, Pc };

/// How the guest CPU runs: decided by a probe, or forced.
enum class Accel { Auto, Kvm, Tcg };

/// What the command line asks ukrun to do.
enum class Action { Run, Help, Version };

/// A host directory the guest mounts over virtio-9p (--share).
struct Share {
    /// Absolute path of the host directory.
    std::string host;
    /// Where the guest mounts it (absolute).
    std::string guest;
    bool readonly{false};
};

/// A guest network interface (--net): a virtio-net device on QEMU user
/// networking or on an existing tap device.
struct Net {
    enum class Kind { User, Tap };
    Kind kind{Kind::User};
    /// User networking's port forwards, each in QEMU's hostfwd syntax
    /// ("tcp:127.0.0.1:8080-:80").
    std::vector<std::string> hostfwd;
    /// The tap device's name.
    std::string tap;
    /// Whether the device offers its offloads (checksums, segmentation);
    /// "tap:NAME,offload=off" turns them off.
    bool offload{true};
};

/// Everything the command line says, with the defaults filled in.
struct Options {
    Action action{Action::Run};
    std::uint64_t mem_bytes{64ull << 20};
    Machine machine{Machine::Microvm};
    Accel accel{Accel::Auto};
    /// Zero means no timeout.
    std::uint64_t timeout_ms{0};
    /// Kernel parameters, NAME=VALUE or a bare NAME, in the order given.
    std::vector<std::string> params;
    /// Host directories shared with the guest, in the order given.
    std::vector<Share> shares;
    /// Network interfaces, in the order given.
    std::vector<Net> nets;
    /// Empty: the caller picks $UKRUN_QEMU or qemu-system-x86_64 from PATH.
    std::string qemu;
    /// --initrd: a newc cpio archive, or a directory ukrun packs into one;
    /// empty when none.
    std::string initrd;
    bool verbose{false};
    std::string image;
    /// The app's arguments (argv[1] onwards), passed on unchanged.
    std::vector<std::string> args;
    /// --argv0: the app's argv[0]; when absent, the image's base name.
    std::optional<std::string> argv0;
    /// --share-cwd: ukrun's current directory is shared and is the app's
    /// (a share in `shares` and a vfs.cwd= in `params`, unless it is /).
    bool share_cwd{false};
};

/// The host's environment variables that reach the app when set, unless
/// -e or --param env= names them: Rust's and Go's run-time switches, the
/// time zone and the locale (every LC_ variable).
inline constexpr std::string_view default_env_names[] = {"RUST_BACKTRACE", "RUST_LOG", "GODEBUG",
                                                         "GOMAXPROCS",     "TZ",       "LANG"};

/// Whether the host variable `name` is in the default set (the names
/// above, and any name starting with "LC_").
bool in_default_env(std::string_view name);

/// Checks an environment variable's name for -e and --param env=: not
/// empty, no '=', nothing the kernel command line cannot carry (NUL,
/// newline). Returns an empty string, or why the name is refused.
std::string check_env_name(std::string_view name);

/// What ukrun takes from the host besides its arguments.
struct HostContext {
    /// The host's environment, NAME=VALUE strings (for -e NAME and the
    /// default set).
    std::span<char const* const> environ;
    /// ukrun's current directory, for --share-cwd; empty when getcwd failed.
    std::string cwd;
};

/// A parsed value, or the message that says why the text was not one.
template <typename T> struct [[nodiscard]] Parsed {
    std::optional<T> value;
    std::string error;

    static Parsed ok(T v) { return Parsed{std::move(v), {}}; }
    static Parsed fail(std::string message) { return Parsed{std::nullopt, std::move(message)}; }
    explicit operator bool() const { return value.has_value(); }
};

/// Parses ukrun's arguments (without argv[0]). Options end at the first
/// argument that is not an option (the image) or after "--"; everything
/// after the image belongs to the app, even if it starts with "-". Fails
/// with a one-line message on an unknown option, a missing or bad value
/// (including a --param name outside [A-Za-z0-9_.-]+), a missing image, or
/// an argument the kernel command line cannot carry.
///
/// -e NAME=VALUE, and -e NAME with the value `host` has for it (none when
/// unset), become env= parameters, as do the variables of the default set
/// that `host` has and no -e or --param env= names; where one name is
/// given twice, the later wins. --share-cwd adds the share of `host.cwd`
/// and vfs.cwd= (nothing when it is /).
Parsed<Options> parse_args(std::span<char const* const> args, HostContext const& host = {});

/// Parses a memory size the way QEMU's -m does: a whole number with an
/// optional K, M, G or T suffix (any case); a bare number is MiB. Fails on
/// anything else, on zero and on sizes of 1 TiB or more.
Parsed<std::uint64_t> parse_size(std::string_view text);

/// Parses a duration in seconds: digits with an optional fraction ("2",
/// "0.5"), to whole milliseconds. Fails on anything else or past a day.
Parsed<std::uint64_t> parse_seconds(std::string_view text);

/// Formats a byte count for QEMU's -m in the largest unit that divides it
/// exactly ("64M", "1536K", "4096B").
std::string format_size(std::uint64_t bytes);

/// Returns one kernel command-line token that the kernel splits back into
/// exactly `arg`: unchanged when that is already so, else double-quoted
/// with '"' and '\' escaped by a backslash (so a list value such as
/// `vfs.fstab=[ "a:b:c" ]` reaches the kernel's parameter as its text
/// `[ "a:b:c" ]`, unchanged). Fails on NUL or newline, which the command
/// line cannot carry.
Parsed<std::string> quote_cmdline_arg(std::string_view arg);

/// Who puts the app's argv[0] at the front of the kernel command line.
enum class Argv0 {
    /// ukrun: the image's base name.
    FromImageName,
    /// The boot loader: QEMU's Multiboot loader prepends the -kernel path.
    FromLoader,
};

/// Builds the kernel command line "<argv0> <params...> -- <args...>" (the
/// shares' vfs.fstab first among the params), where
/// argv0 is --argv0's name or the image's base name (with any '=' escaped, so the kernel does
/// not take it for a parameter) or, with Argv0::FromLoader, left out. Fails
/// like quote_cmdline_arg, naming the offending argument.
Parsed<std::string> build_kernel_cmdline(Options const& options,
                                         Argv0 argv0 = Argv0::FromImageName);

/// The longest kernel command line ukrun passes with -append, in bytes (the
/// boot loader's copy adds a NUL). -append costs nothing, where fw_cfg costs
/// the kernel a device probe, a directory search and a read; but on -M pc
/// with SeaBIOS, pvh.bin has 4 KiB for the command line (at 0x11c0, its
/// module list at 0x21c0), and the kernel copies at most this much from the
/// boot loader. Longer command lines go through fw_cfg.
inline constexpr std::size_t append_max = 4095;

/// Linux's execve limits with the default 8 MiB stack limit, which ukrun
/// applies to the app's argv and environment: one string (its NUL
/// included) at most 128 KiB, and all strings with their NULs plus one
/// 8-byte pointer each at most a quarter of the stack limit, 2 MiB.
inline constexpr std::size_t exec_max_string = 128 << 10;
inline constexpr std::size_t exec_max_total = 2 << 20;

/// Checks the app's argv (argv0 the image's base name) and environment
/// (the env= kernel parameters) against the execve limits above. Fails
/// with a message saying which limit is passed, as Linux fails with E2BIG.
Parsed<std::size_t> check_exec_limits(Options const& options);

/// How the kernel command line reaches the guest.
struct KernelCmdline {
    /// What -append carries.
    std::string append;
    /// When set, the whole command line, for the fw_cfg file
    /// uk::cmdline_fw_cfg_file; append then only says so.
    std::optional<std::string> fw_cfg;
};

/// Builds the kernel command line (as build_kernel_cmdline) and picks its
/// route: -append when the boot loader's copy of it (with the image path
/// QEMU's Multiboot loader puts in front) fits in append_max, else fw_cfg
/// with "uk.cmdline=fw_cfg" on -append. A Multiboot image given --argv0
/// goes through fw_cfg too, whose argv0 the kernel takes over the boot
/// loader's. Fails like build_kernel_cmdline.
Parsed<KernelCmdline> route_kernel_cmdline(Options const& options,
                                           Argv0 argv0 = Argv0::FromImageName);

/// The kernel parameter that tells the guest which of its fds 0, 1 and 2
/// are terminals, from what isatty() says of ukrun's own (`terminal[fd]`):
/// "console.tty=0,2", "console.tty=none"; nothing when all three are (the
/// kernel's default) or `params` already has a console.tty.
std::optional<std::string> console_tty_param(bool const (&terminal)[3],
                                             std::vector<std::string> const& params);

/// The text `ukrun --help` prints.
std::string_view usage_text();

} // namespace ukrun
