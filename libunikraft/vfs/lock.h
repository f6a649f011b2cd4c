// Advisory locks: fcntl record locks (process-owned POSIX locks and
// open-file-description OFD locks, which conflict with each other) and
// flock() locks (per open file description, apart from the others).
// There is one process, so its POSIX locks never conflict among
// themselves; OFD locks and flocks from two open()s do.
#pragma once

#include <stdint.h>

#include "vfs/vfs.h"

namespace uk::vfs {

/// fcntl's F_GETLK, F_SETLK, F_SETLKW and the F_OFD_ forms; `arg` is the
/// app's struct flock. Returns 0 or -EBADF, -EINVAL, -EFAULT, -EAGAIN,
/// -EOVERFLOW, -ENOLCK, or a restart code when a signal interrupts F_SETLKW.
long fcntl_lock(File* f, int cmd, uint64_t arg);

/// flock(2). Returns 0, -EWOULDBLOCK, -EINVAL, or a restart code.
long flock(File* f, int op);

/// Drops the process's POSIX locks on `node` (any close of one of its fds).
void release_posix_locks(Node* node);

/// Drops f's OFD locks and flocks (its last reference is going).
void release_locks(File* f);

/// memfd seals: F_ADD_SEALS (add) or F_GET_SEALS. Returns the seals, 0 or
/// -EINVAL (not a memfd), -EPERM (sealed against more seals), -EBUSY.
long memfd_seals(File* f, bool add, uint32_t seals);

/// 0, or -EPERM when f's seals forbid resizing it to `size`.
long memfd_check_resize(File* f, uint64_t size);

} // namespace uk::vfs
