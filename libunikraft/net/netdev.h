// What a network driver needs from the stack, and gives it. The driver
// (virtio-net) owns the device and its rings; the stack (lwIP, behind
// net/lwip/) owns addressing and protocols. Nothing here names lwIP, so a
// driver includes this header only.
//
// Context: netdev_register runs once the device is ready (from the driver's
// probe); netdev_receive runs from the device's interrupt handler, which the
// kernel runs deferred, in kernel context, never in the middle of other
// kernel code (arch/x86_64/irq.h); transmit is called from the same kind of
// context (a system call, a timer's expiry, a receive), never from an
// interrupt, and must not block.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::net {

/// A piece of a frame to transmit (a frame may come in several pieces).
/// `owner`, when not null, is the stack's holder of the bytes, which a
/// driver may keep with frame_hold so as to point the device at them
/// rather than copy them.
struct FrameSeg {
    const void* data;
    size_t len;
    void* owner = nullptr;
};

/// Keeps the bytes of a FrameSeg that has an owner where they are after
/// transmit() returns, until frame_release. Of a TCP segment the stack
/// marked (TxCsum::tcp_payload), the payload also stays unchanged; the
/// headers before it may be rewritten (a retransmission reuses them). In
/// the contexts transmit() runs in, or the device's interrupt handler.
void frame_hold(void* owner);
void frame_release(void* owner);

/// Where the device is to complete a transmitted frame's TCP or UDP
/// checksum (virtio 1.2, 5.1.6.2): the Internet checksum of the bytes from
/// `start` to the end of the frame goes at `start + offset`, where the stack
/// has left the sum of the pseudo-header.
///
/// For a TCP segment the device may gather with the same connection's next
/// segments into one large frame (HOST_TSO), the stack says so too: a
/// segment with payload and no flags but ACK and PSH, over IPv4 without
/// options or fragmentation or over IPv6 without extension headers, whose
/// frame ends where its IP packet does. `tcp_payload` is then where its
/// payload starts (after the TCP header and options), else 0.
struct TxCsum {
    uint16_t start;
    uint16_t offset;
    uint16_t tcp_payload = 0;
    bool v6 = false;
    uint32_t tcp_seq = 0;
};

/// A one's complement sum of 16-bit words folded to 16 bits (RFC 1071).
inline uint16_t csum_fold(uint64_t s) {
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return uint16_t(s);
}

/// Netdev::offloads: the device completes the checksum of frames transmit()
/// is given a TxCsum for.
inline constexpr uint32_t offload_tx_csum = 1u << 0;

/// An ethernet interface as the driver describes it.
struct Netdev {
    /// Its MAC address and MTU (the IP payload size, 1500 for ethernet).
    uint8_t mac[6] = {};
    uint16_t mtu = 1500;
    /// What the device does for the stack (offload_* bits), fixed before
    /// netdev_register.
    uint32_t offloads = 0;
    /// Sends one ethernet frame, given in `n` pieces (the bytes are valid
    /// only during the call, unless held: frame_hold), with its
    /// checksum left to the device when `csum` is not null (only with
    /// offload_tx_csum). Returns 0, or -ENOBUFS when the device has no room
    /// (the stack drops the frame, as a full NIC queue would, and the
    /// driver calls netdev_tx_ready once there is room again).
    long (*transmit)(Netdev* dev, const FrameSeg* segs, size_t n, const TxCsum* csum) = nullptr;
    /// Optional: tells the device about the frames transmit() queued since
    /// the last call (the stack calls it when it has finished a burst), so
    /// that several frames cost one notification.
    void (*flush)(Netdev* dev) = nullptr;
    /// Optional: gives back (frame_release) the held bytes of frames the
    /// device is done with. The stack calls it before its timers decide on
    /// retransmissions: lwIP resends no segment whose bytes a driver holds.
    void (*reclaim)(Netdev* dev) = nullptr;
    /// The driver's own state.
    void* driver = nullptr;
    /// The stack's (set by netdev_register).
    void* stack = nullptr;
};

/// Adds `dev` (which must live as long as the kernel) as an interface and
/// brings it up. Returns 0, or -ENOMEM.
long netdev_register(Netdev* dev);

/// Hands a received ethernet frame to the stack, which copies it: the
/// driver may reuse the buffer at once. From the device's interrupt handler
/// (deferred kernel context) only. Returns 0, or -ENOMEM when the frame was
/// dropped for lack of memory.
long netdev_receive(Netdev* dev, const void* frame, size_t len);

/// The same for a frame in `n` pieces (at most 65535 bytes in all), whose
/// TCP or UDP checksum the device has vouched for when `csum_valid` (it
/// validated it, or the frame comes from the host's own stack with the
/// checksum left partial): the stack then does not check it.
long netdev_receive(Netdev* dev, const FrameSeg* segs, size_t n, bool csum_valid);

/// Tells the stack that the device, whose transmit() returned -ENOBUFS,
/// has room again: TCP sends at once what it could not, instead of at its
/// next timer. From the device's interrupt handler.
void netdev_tx_ready(Netdev* dev);

/// Tells the stack the link went up or down (the device's link status).
/// From the device's interrupt handler or the driver's probe.
void netdev_set_link(Netdev* dev, bool up);

} // namespace uk::net
