/* libunikraft: the system-call entry points. */
#ifndef UK_SYSCALL_H
#define UK_SYSCALL_H

#include <uk/api.h>

UK_BEGIN_DECLS

/** Runs Linux x86_64 system call `nr` with up to six arguments as a plain
 *  function call. Returns the result, or a negative errno (-ENOSYS for a
 *  call the kernel does not implement). musl's syscalls land here. */
UK_API long uk_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

UK_END_DECLS

#endif
