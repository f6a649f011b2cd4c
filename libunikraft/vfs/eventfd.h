// Files that turn kernel events into reads: eventfd (a counter), timerfd
// (a timer's expirations) and signalfd (pending signals). Each notifies its
// wait queue on change, so read, poll and epoll wait on them alike.
#pragma once

#include <stdint.h>

#include "lib/signal_abi.h"
#include "vfs/vfs.h"

namespace uk::vfs {

/// Makes an eventfd with counter `initval`; `semaphore` for EFD_SEMAPHORE.
/// `flags` may hold O_NONBLOCK. Returns 0 with a reference in *out, or
/// -ENOMEM.
long eventfd_create(uint64_t initval, bool semaphore, uint32_t flags, File** out);

/// The clocks a timerfd measures.
enum class TimerClock : uint8_t { monotonic, realtime };

/// A timer's setting, in ns (0: disarmed; interval 0: one-shot).
struct TimerSpec {
    uint64_t value;
    uint64_t interval;
};

/// Makes a timerfd on `clock`. Returns 0 with a reference in *out, or
/// -ENOMEM.
long timerfd_create(TimerClock clock, uint32_t flags, File** out);

/// True when f is a timerfd.
bool is_timerfd(const File* f);

/// timerfd_settime on f (a timerfd): arms it with `s` (`absolute`: value is
/// a time on its clock) and puts what was left of the old setting in *old.
void timerfd_settime(File* f, TimerSpec s, bool absolute, TimerSpec* old);

/// timerfd_gettime: the time left until the next expiration and the
/// interval.
TimerSpec timerfd_gettime(File* f);

/// Makes a signalfd for the signals in `mask` (SIGKILL and SIGSTOP are
/// dropped). Returns 0 with a reference in *out, or -ENOMEM.
long signalfd_create(SigSet mask, uint32_t flags, File** out);

/// True when f is a signalfd.
bool is_signalfd(const File* f);

/// Changes a signalfd's mask (signalfd with an existing fd).
void signalfd_set_mask(File* f, SigSet mask);

} // namespace uk::vfs
