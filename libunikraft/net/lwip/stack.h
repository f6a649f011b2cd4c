// The kernel's side of lwIP: starting it, and the guard every use of it
// goes through (net/lwip/sys_arch.cc explains the execution model).
#pragma once

#include <stdint.h>

namespace uk::net::lwip {

/// Starts lwIP the first time it is called (the loopback interface up
/// with 127.0.0.1 and ::1). Returns 0, or -ENOMEM.
long ensure_started();

/// Brackets a sequence of lwIP calls. While one is alive, lwIP's state is
/// the caller's (nothing else runs lwIP: the kernel is not preemptible and
/// nothing it does in between blocks). Leaving the outermost guard hands
/// the loopback interface's queued packets to lwIP until none is left and
/// re-arms lwIP's timer, so a send on 127.0.0.1 has reached the receiving
/// socket by the time the call returns.
class [[nodiscard]] Guard {
  public:
    Guard();
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
};

/// The kernel parameters net.* (net.tcp_pcbs, net.tcp_tw_pcbs,
/// net.udp_pcbs, net.exit_timeout). Returns nullptr, or what is wrong
/// with the value.
const char* set_param(const char* name, const char* value);

/// How long the kernel keeps sending what connections hold once the app
/// has exited (net.exit_timeout, seconds; 0: not at all), in ns.
uint64_t exit_timeout_ns();

/// How many TCP and UDP sockets may exist at once (net.tcp_pcbs,
/// net.udp_pcbs).
uint32_t max_tcp_pcbs();
uint32_t max_udp_pcbs();

} // namespace uk::net::lwip
