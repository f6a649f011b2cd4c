// Pipes and FIFOs. A pipe is a ring of page-sized slots, as on Linux: a
// write of at most PIPE_BUF bytes lands in one slot (merged into the last
// one when it fits), so it is never split; the capacity is counted in
// slots (F_GETPIPE_SZ / F_SETPIPE_SZ). An anonymous pipe has two Files, its
// read and its write end; a FIFO's pipe lives in its Node (`fifo`) while any
// File has it open (fifo_open in vfs.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vfs/vfs.h"

namespace uk::vfs {

/// PIPE_BUF: writes up to this size are atomic.
inline constexpr size_t pipe_buf = 4096;
/// The default capacity and /proc/sys/fs/pipe-max-size, the most F_SETPIPE_SZ
/// grants (there is no CAP_SYS_RESOURCE here).
inline constexpr size_t pipe_default_size = 65536, pipe_max_size = 1 << 20;

/// fcntl commands pipes answer.
inline constexpr int f_setpipe_sz = 1031, f_getpipe_sz = 1032;

/// pipe2(2)'s work: makes an anonymous pipe, its read end in *rd and its
/// write end in *wr (one reference each). `flags` may hold O_NONBLOCK (both
/// ends) and O_DIRECT (packet mode, on the write end as Linux sets it); the
/// caller has refused the others. Returns 0 or -ENOMEM.
long pipe_create(uint32_t flags, File** rd, File** wr);

/// F_GETPIPE_SZ and F_SETPIPE_SZ (`arg` as fcntl passes it). Returns the
/// capacity in bytes, -EBADF when f is not a pipe or FIFO (as Linux
/// answers), -EINVAL for a size above 2 GiB, -EPERM above pipe_max_size,
/// -EBUSY when the pipe holds more than the new size, -ENOMEM.
long pipe_fcntl(File* f, int cmd, uint64_t arg);

/// True when f is an end of a pipe or an open FIFO.
bool is_pipe(const File* f);

/// True when a and b are ends of one pipe or FIFO (splice refuses that).
bool same_pipe(const File* a, const File* b);

/// splice(2)'s view of a pipe. pipe_room waits until f (a write end) has
/// room and returns how many bytes it takes without waiting; -EPIPE (with
/// SIGPIPE) when no reader is left, -EAGAIN when `nonblock` and full.
long pipe_room(File* f, bool nonblock);

/// Writes n bytes from kernel memory into f after pipe_room granted them:
/// waits (uninterruptibly) only when another writer took the room first.
/// Returns n, or what was written before the last reader left.
size_t pipe_put(File* f, const char* src, size_t n);

/// Waits until f (a read end) holds data and returns how much; 0 at end of
/// file (empty, no writer), -EAGAIN when `nonblock` and empty.
long pipe_avail(File* f, bool nonblock);

/// Copies up to n bytes from the front of f's pipe without taking them;
/// pipe_consume then drops the n bytes the caller has delivered.
size_t pipe_peek(File* f, char* dst, size_t n);
void pipe_consume(File* f, size_t n);

} // namespace uk::vfs
