// lwIP's operating-system layer for the kernel. lwIP runs with NO_SYS=1
// (see net/lwip/sys_arch.cc for why): no threads, semaphores or mailboxes
// of its own, and a protection macro that is empty because the kernel is
// not preemptible and never calls lwIP from interrupt context.
#ifndef UK_LWIP_ARCH_SYS_ARCH_H
#define UK_LWIP_ARCH_SYS_ARCH_H

typedef int sys_prot_t;

#endif
