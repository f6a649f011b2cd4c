// Stand-ins for the scheduler on the host (readiness_host.cc).
#pragma once

namespace readiness_host {

/// The last signal the code under test sent (0: none since reset).
extern int last_signal;
/// How many times a waiting thread was woken.
extern int wakes;

} // namespace readiness_host
