// What other system calls need from the signal calls.
#pragma once

namespace uk::posix {

/// Reads the app's sigset at `uptr` (`size` must be 8) and makes it the
/// running thread's mask until the call returns to the app (ppoll,
/// pselect6, epoll_pwait: the mask a signal's handler is set up with is the
/// thread's old one). Returns 0, -EINVAL or -EFAULT.
long set_temporary_mask(long uptr, long size);

} // namespace uk::posix
