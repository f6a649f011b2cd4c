#include "ukrun_outcome.h"

#include <cstdio>
#include <string.h>

namespace ukrun {

namespace {

std::optional<int> parse_status(std::string_view digits) {
    if (digits.empty() || digits.size() > 3)
        return std::nullopt;
    int value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value > 255)
        return std::nullopt;
    return value;
}

std::optional<ExitRecord> parse_line(std::string_view line) {
    static constexpr struct {
        std::string_view prefix;
        RecordKind kind;
    } kinds[] = {{"ukexit:", RecordKind::Exit}, {"ukpanic:", RecordKind::Panic}};
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    for (auto const& k : kinds) {
        if (line.starts_with(k.prefix)) {
            if (auto status = parse_status(line.substr(k.prefix.size())))
                return ExitRecord{k.kind, *status};
        }
    }
    return std::nullopt;
}

std::string signal_name(int sig) {
    if (char const* abbrev = sigabbrev_np(sig))
        return std::string("SIG") + abbrev;
    return "signal " + std::to_string(sig);
}

std::string trimmed(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.remove_suffix(1);
    return std::string(text);
}

std::string format_seconds(std::uint64_t ms) {
    std::string text = std::to_string(ms / 1000);
    if (ms % 1000) {
        char fraction[8];
        std::snprintf(fraction, sizeof fraction, ".%03u", static_cast<unsigned>(ms % 1000));
        text += fraction;
        while (text.back() == '0')
            text.pop_back();
    }
    return text;
}

} // namespace

std::optional<ExitRecord> parse_exit_record(std::string_view debugcon) {
    std::optional<ExitRecord> found;
    while (!debugcon.empty()) {
        auto newline = debugcon.find('\n');
        if (newline == std::string_view::npos)
            break;
        if (auto record = parse_line(debugcon.substr(0, newline)))
            found = record;
        debugcon.remove_prefix(newline + 1);
    }
    return found;
}

Outcome decide_outcome(QemuEnd end, std::optional<ExitRecord> record, std::string_view qemu_stderr,
                       std::uint64_t timeout_ms) {
    using Kind = QemuEnd::Kind;
    if (end.kind == Kind::TimedOut)
        return {exit_timeout,
                "ukrun: timed out after " + format_seconds(timeout_ms) + " s; stopped QEMU"};
    if (end.kind == Kind::Interrupted)
        return {128 + end.code, "ukrun: stopped QEMU on " + signal_name(end.code)};

    if (record) {
        if (record->kind == RecordKind::Exit)
            return {record->status, {}};
        std::string note = "ukrun: guest panicked, exit status " + std::to_string(record->status);
        if (record->status > 128 && record->status < 128 + 65)
            note += " (app killed by " + signal_name(record->status - 128) + ")";
        else if (record->status == 250)
            note += " (kernel-internal panic)";
        return {record->status, note};
    }

    bool quiet = trimmed(qemu_stderr).empty();
    if (end.kind == Kind::Exited && end.code == 0)
        return {exit_no_status, "ukrun: the guest stopped (reset, triple fault or power-off) "
                                "without reporting a status"};
    // Status 1 is also how QEMU reports its own errors, so only a higher odd
    // status is surely the guest's doing.
    if (end.kind == Kind::Exited && (end.code & 1) && end.code > 1 && quiet)
        return {exit_no_status, "ukrun: the guest left through isa-debug-exit (value " +
                                    std::to_string(end.code >> 1) + ") without reporting a status"};

    std::string note = end.kind == Kind::Exited
                           ? "ukrun: QEMU exited with status " + std::to_string(end.code)
                           : "ukrun: QEMU was killed by " + signal_name(end.code);
    if (end.kind == Kind::Exited && end.code == 1 && quiet)
        note += " (a QEMU error, or the guest wrote 0 to isa-debug-exit)";
    note += " and the guest reported no status";
    if (!quiet)
        note += ":\n" + trimmed(qemu_stderr);
    return {exit_failure, note};
}

} // namespace ukrun
