// lwIP's compiler and platform definitions for the kernel: freestanding C,
// no stdio, and Linux's errno values (the kernel's own).
#ifndef UK_LWIP_ARCH_CC_H
#define UK_LWIP_ARCH_CC_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

// ssize_t as the kernel's (and Linux's) ABI has it.
typedef long ssize_t;
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif

// The kernel builds without the host's libc headers' meaning: the freestanding
// headers give the types, and the printf formats are spelled out here.
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_UNISTD_H 1
#define LWIP_NO_CTYPE_H 1
#define X8_F "02x"
#define U16_F "hu"
#define S16_F "hd"
#define X16_F "hx"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "lu"

#define BYTE_ORDER LITTLE_ENDIAN
// Byte swaps inline: lwIP's own are out-of-line functions, called a few
// times per header (3.8% of a busy server's samples).
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))
#define LWIP_ERRNO_STDINCLUDE 0
#define LWIP_PROVIDE_ERRNO 0

#ifdef __cplusplus
extern "C" {
#endif
/// Kernel services lwIP calls (net/lwip/sys_arch.cc).
void uk_lwip_assert(const char* msg, const char* file, int line) __attribute__((noreturn));
uint32_t uk_lwip_rand(void);
void* uk_lwip_malloc(size_t size);
void* uk_lwip_calloc(size_t n, size_t size);
void uk_lwip_free(void* p);
struct tcp_pcb;
struct tcp_hdr;
/// Sees each TCP segment lwIP has matched to a pcb before lwIP does: a SYN
/// for a listener whose backlog is full makes room by dropping its oldest
/// half-open connection, so that a SYN flood delays real clients instead
/// of locking them out. Returns ERR_OK (lwIP goes on with the segment).
signed char uk_lwip_tcp_inpacket(struct tcp_pcb* pcb, const struct tcp_hdr* hdr);
struct pbuf;
struct netif;
/// Looks at an IPv4 packet before lwIP does: a SYN for a connection held
/// in TIME_WAIT ends that TIME_WAIT, so the SYN opens a new connection,
/// and a SYN keeps the TIME_WAIT list to uk_lwip_tw_max. Returns 0 (lwIP
/// goes on with the packet).
int uk_lwip_ip4_input(struct pbuf* p, struct netif* inp);
/// The most connections kept in TIME_WAIT (net.tcp_tw_pcbs): beyond it
/// the oldest end early, as on Linux past tcp_max_tw_buckets.
extern unsigned int uk_lwip_tw_max;
/// Ends the TIME_WAIT of the oldest connections beyond uk_lwip_tw_max.
void uk_lwip_timewait_trim(void);
#ifdef __cplusplus
}
#endif

#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) uk_lwip_assert(x, __FILE__, __LINE__)
#define LWIP_RAND() uk_lwip_rand()

#endif
