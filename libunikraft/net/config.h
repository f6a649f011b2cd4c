// Addressing of the network interfaces and the files musl's resolver
// reads: netdev.ip=CIDR[:GW[:DNS]] (Unikraft's syntax) for a static IPv4
// address on the first interface, DHCP on every other and when it is
// absent; /etc/resolv.conf and /etc/hosts in the root.
#pragma once

struct netif;

namespace uk::net {

/// Takes a netdev.* kernel parameter: netdev.ip=CIDR[:GW[:DNS]],
/// netdev.dhcp_timeout=SECONDS (how long the boot waits for DHCP before
/// starting the app; 0: not at all; default 10). Returns nullptr, or what is
/// wrong with the value.
const char* netdev_set_param(const char* name, const char* value);

/// Gives a newly added interface its address: the static one of
/// netdev.ip= (first interface only), else starts DHCP. Inside an lwIP
/// guard.
void netdev_configure(struct netif* nif);

} // namespace uk::net
