// epoll: an interest list kept in a File. Each watched file gets one
// persistent WaitEntry on each of its wait queues (whatever its poll
// registers); a notify that concerns the interest puts it on the ready list
// and wakes the waiters. epoll_wait asks each ready file again (File::poll)
// before it reports it: level-triggered interests stay on the list,
// edge-triggered ones leave it until the next notify, one-shot ones are
// disabled until EPOLL_CTL_MOD. Any file whose class answers poll() and
// notifies its queues (pipes, eventfd, sockets) can be watched.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vfs/vfs.h"

namespace uk::vfs {

/// epoll_ctl's operations and the event bits only epoll has.
inline constexpr int epoll_ctl_add = 1, epoll_ctl_del = 2, epoll_ctl_mod = 3;
inline constexpr uint32_t epoll_exclusive = 1u << 28, epoll_wakeup = 1u << 29,
                          epoll_oneshot = 1u << 30, epoll_et = 1u << 31;

/// struct epoll_event as x86_64 packs it.
struct [[gnu::packed]] EpollEvent {
    uint32_t events;
    uint64_t data;
};
static_assert(sizeof(EpollEvent) == 12, "fixed by the Linux x86_64 ABI");

/// The most events one epoll_wait may ask for (Linux's EP_MAX_EVENTS).
inline constexpr long epoll_max_events = 0x7fffffff / sizeof(EpollEvent);

/// Makes an epoll instance (flags hold no O_CLOEXEC: the fd table's).
/// Returns 0 with a reference in *out, or -ENOMEM.
long epoll_create(File** out);

/// True when f is an epoll instance.
bool is_epoll(const File* f);

/// epoll_ctl(2) on instance `ep` for `target` (open as `fd`); `ev` is the
/// event for ADD and MOD. Returns 0, -EEXIST, -ENOENT, -EPERM (target
/// cannot be polled), -EINVAL (ep is no epoll instance, or is target; a bad
/// op or EPOLLEXCLUSIVE use), -ELOOP (epoll instances nested in a cycle or
/// more than 5 deep), -ENOMEM.
long epoll_ctl(File* ep, int op, int fd, File* target, EpollEvent ev);

/// epoll_wait(2)'s work: waits until some interest of `ep` is ready, the
/// monotonic `deadline_ns` (0: none; `poll_only`: do not wait at all) or a
/// signal, and writes up to `max` events to the app's array at `uevents`.
/// Returns the count, 0 at the deadline, -EINTR, -EFAULT.
long epoll_wait(File* ep, uintptr_t uevents, int max, uint64_t deadline_ns, bool poll_only);

/// Called by File::put when the last reference to a watched file (one
/// whose `epoll_items` is set) goes, before close(): takes it out of every
/// epoll instance, as Linux does.
void epoll_file_closing(File* f);

} // namespace uk::vfs
