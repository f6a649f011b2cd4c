#pragma once

namespace uk::boot {

enum class ExitKind { normal, panic };

/// Reports `status` as an ordinary exit or as a panic and ends the VM.
[[noreturn]] void leave(ExitKind kind, int status);

/// Sets work to do when the app exits normally, before the VM ends (the
/// network stack sending what sockets still hold); one at a time.
void set_exit_work(void (*fn)());

} // namespace uk::boot
