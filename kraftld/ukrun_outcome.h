// How a ukrun run ended: the guest's exit report on the isa-debugcon port,
// and the exit status ukrun derives from it and from how QEMU ended. Pure
// logic, shared by ukrun and its unit tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ukrun {

/// ukrun's own exit statuses; every other status is the guest's.
enum ExitStatus : int {
    /// --timeout expired and QEMU was stopped.
    exit_timeout = 124,
    /// Usage error, or QEMU failed to start or ended with an error and no report.
    exit_failure = 125,
    /// The guest stopped (reset, triple fault, power-off) without a report.
    exit_no_status = 126,
};

/// What the kernel reported on port 0xe9 before it left.
enum class RecordKind { Exit, Panic };

/// One "ukexit:<n>\n" or "ukpanic:<n>\n" line.
struct ExitRecord {
    RecordKind kind;
    int status;

    bool operator==(ExitRecord const&) const = default;
};

/// Finds the guest's exit report in everything it wrote to the debugcon
/// port: the last complete line that reads "ukexit:<n>" or "ukpanic:<n>"
/// with n a decimal number 0-255. Other lines and an unterminated last
/// line are ignored; returns nothing when no line qualifies.
std::optional<ExitRecord> parse_exit_record(std::string_view debugcon);

/// How the QEMU process ended.
struct QemuEnd {
    enum class Kind {
        /// QEMU exited by itself with `code`.
        Exited,
        /// QEMU was killed by signal `code` that ukrun did not send.
        Signaled,
        /// --timeout expired; ukrun stopped QEMU.
        TimedOut,
        /// ukrun got signal `code` (Ctrl-C, SIGTERM, SIGHUP) and stopped QEMU.
        Interrupted,
    };
    Kind kind;
    int code;
};

/// The exit status of a run and the note (possibly empty) ukrun prints on
/// stderr, without a trailing newline.
struct Outcome {
    int status;
    std::string message;
};

/// Decides ukrun's exit status. A timeout or an interruption wins over
/// anything the guest reported; then the guest's report; then, without a
/// report, a clean QEMU exit, or an isa-debug-exit status above 1 with
/// nothing on QEMU's stderr, means the guest stopped without a status (126),
/// and anything else is a QEMU failure (125, with QEMU's stderr in the note).
Outcome decide_outcome(QemuEnd end, std::optional<ExitRecord> record, std::string_view qemu_stderr,
                       std::uint64_t timeout_ms);

} // namespace ukrun
