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
    /// Empty: the caller picks $UKRUN_QEMU or qemu-system-x86_64 from PATH.
    std::string qemu;
    bool verbose{false};
    std::string image;
    /// The app's arguments (argv[1] onwards), passed on unchanged.
    std::vector<std::string> args;
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
Parsed<Options> parse_args(std::span<char const* const> args);

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
/// with '"' and '\' escaped by a backslash. Fails on NUL or newline, which
/// the command line cannot carry.
Parsed<std::string> quote_cmdline_arg(std::string_view arg);

/// Who puts the app's argv[0] at the front of the kernel command line.
enum class Argv0 {
    /// ukrun: the image's base name.
    FromImageName,
    /// The boot loader: QEMU's Multiboot loader prepends the -kernel path.
    FromLoader,
};

/// Builds the kernel command line "<argv0> <params...> -- <args...>", where
/// argv0 is the image's base name (with any '=' escaped, so the kernel does
/// not take it for a parameter) or, with Argv0::FromLoader, left out. Fails
/// like quote_cmdline_arg, naming the offending argument.
Parsed<std::string> build_kernel_cmdline(Options const& options,
                                         Argv0 argv0 = Argv0::FromImageName);

/// The text `ukrun --help` prints.
std::string_view usage_text();

} // namespace ukrun
