// lwIP's configuration for the kernel: IPv4, IPv6, TCP and UDP driven from
// kernel context (NO_SYS=1, see net/lwip/sys_arch.cc), with the socket
// ABI implemented by the kernel itself (net/inet.cc) over the raw API.
#ifndef UK_LWIP_LWIPOPTS_H
#define UK_LWIP_LWIPOPTS_H

// No threads of lwIP's own: the kernel calls it from one context at a time.
#define NO_SYS 1
#define LWIP_TIMERS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_RAW 0

// Memory comes from the kernel heap, so the limits are the kernel's
// parameters (net.*, enforced by net/inet.cc), not fixed pools.
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define mem_clib_malloc uk_lwip_malloc
#define mem_clib_calloc uk_lwip_calloc
#define mem_clib_free uk_lwip_free
#define MEMCPY(dst, src, len) __builtin_memcpy(dst, src, len)
#define SMEMCPY(dst, src, len) __builtin_memcpy(dst, src, len)
#define MEMMOVE(dst, src, len) __builtin_memmove(dst, src, len)
#define PBUF_POOL_SIZE 64
#define PBUF_POOL_BUFSIZE 1600

// Protocols: what loopback needs now and what an ethernet interface
// (ARP, neighbour discovery, DHCP) will need.
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_TCP 1
#define LWIP_UDP 1
#define LWIP_ICMP 1
#define LWIP_ICMP6 1
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_DHCP 1
// No ARP probe of the offered address: it holds the boot for a second.
#define DHCP_DOES_ARP_CHECK 0
// DNS only for the servers DHCP or netdev.ip= name (/etc/resolv.conf):
// musl resolves names itself.
#define LWIP_DNS 1
#define LWIP_IGMP 0
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
// Reassembly keeps its bookkeeping (two pointers' worth on x86-64) in
// place of the 8-byte fragment header only when it may borrow from the
// header before it.
#define IPV6_FRAG_COPYHEADER 1
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_NETIF_LOOPBACK_MULTITHREADING 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_SINGLE_NETIF 0
// Checksums per interface: an interface whose device completes TCP and
// UDP checksums has lwIP's generation of them off (net/lwip/sys_arch.cc);
// loopback and other devices keep them. No summing while copying into
// segments: the interface a segment leaves by decides whether it needs one.
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define LWIP_CHECKSUM_ON_COPY 0
#define LWIP_STATS 0
#define LWIP_TCPIP_CORE_LOCKING 0
#define SO_REUSE 1
#define LWIP_SO_RCVBUF 0
#define LWIP_TCP_KEEPALIVE 1

// TCP: a window and send buffer large enough to keep loopback and a
// virtio link busy; window scaling to offer more than 64 KiB.
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 2
#define TCP_WND (128 * 1024)
#define TCP_SND_BUF (128 * 1024)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_SNDLOWAT (TCP_SND_BUF / 4)
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 2)
#define TCP_OVERSIZE TCP_MSS
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_SACK_OUT 1
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 0xff
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p)                             \
    uk_lwip_tcp_inpacket(pcb, hdr)
// Linux keeps a closed connection in TIME_WAIT for 60 s (2 * MSL).
#define TCP_MSL 30000UL
// As on Linux, a SYN with a sequence number past a TIME_WAIT connection's
// opens a new connection; lwIP alone would answer it with an ACK until the
// TIME_WAIT ends, stalling a client that reuses its port.
#define LWIP_HOOK_IP4_INPUT(p, inp) uk_lwip_ip4_input((p), (inp))
#define LWIP_TCP_TIMESTAMPS 0
#define LWIP_CALLBACK_API 1
#define LWIP_EVENT_API 0

#define LWIP_DEBUG 0
#define LWIP_NOASSERT 0
#define LWIP_STATS_DISPLAY 0
#define LWIP_PERF 0

#endif
