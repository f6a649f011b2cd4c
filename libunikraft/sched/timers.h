// Timers that send signals: the process's interval timers (ITIMER_REAL,
// ITIMER_VIRTUAL, ITIMER_PROF, and alarm() on the first) and POSIX timers
// (timer_create). Each is a kernel timer on the scheduler's queue; on
// expiry it queues its signal, or counts an overrun while the last one is
// still pending, and re-arms itself when periodic. Timers on CPU-time
// clocks are checked against the CPU time used when their wall-clock
// estimate runs out. Argument checks and the app's memory are
// posix/timer.cc's.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/signal_abi.h"

namespace uk::sched {

struct Thread;

namespace timers {

/// What a timer measures.
enum class Clock : uint8_t { monotonic, process_cpu, thread_cpu };

/// Expiry and period of a timer, in ns of its clock (0: disarmed / one-shot).
struct Setting {
    uint64_t value;
    uint64_t interval;
};

/// The interval timers: 0 ITIMER_REAL, 1 ITIMER_VIRTUAL, 2 ITIMER_PROF.
/// Arms (value 0 disarms) and returns the old setting (time left).
Setting set_itimer(int which, Setting s);
Setting get_itimer(int which);

/// How a POSIX timer tells of its expiry (struct sigevent).
struct Notify {
    int signo;      // 0 with none: SIGEV_NONE
    uint64_t value; // si_value
    Thread* thread; // SIGEV_THREAD_ID's thread, nullptr for the process
};

/// Creates a POSIX timer measuring `clock` (of `clock_thread` for
/// thread_cpu); `wall` when absolute times are on the wall clock;
/// `value_is_id` to send the timer's own id as si_value. Returns its id, or
/// -EAGAIN when there is no room.
long create(Clock clock, Thread* clock_thread, const Notify& notify, bool wall, bool value_is_id);

/// Arms timer `id` (an absolute `value` on its clock when `absolute`),
/// returning the old setting in *old. Returns 0, or -EINVAL for an unknown
/// id.
long settime(int id, Setting s, bool absolute, Setting* old);
long gettime(int id, Setting* cur);
long getoverrun(int id);
long remove(int id);

/// The signal of a POSIX timer was taken: fills in its overrun count.
void signal_taken(Siginfo* info);

/// Ends a thread's part in timers (its CPU-time clocks and targets).
void thread_exited(Thread* t);

} // namespace timers

} // namespace uk::sched
