#pragma once

namespace uk::boot {

enum class ExitKind { normal, panic };

/// Reports `status` as an ordinary exit or as a panic and ends the VM.
[[noreturn]] void leave(ExitKind kind, int status);

} // namespace uk::boot
