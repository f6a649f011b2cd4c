/* libunikraft: how a VM ends. */
#ifndef UK_EXIT_H
#define UK_EXIT_H

#include <uk/api.h>

UK_BEGIN_DECLS

/** Exit statuses the kernel reports besides the app's own 0-255:
 *  128 + signal number when the app dies of a fault (SIGSEGV = 139 for a page
 *  or protection fault, SIGILL = 132, SIGFPE = 136, SIGBUS = 135,
 *  SIGTRAP = 133) or of abort() (SIGABRT = 134), and UK_EXIT_PANIC for an
 *  error inside the kernel or bad boot input. */
#define UK_EXIT_PANIC 250

/** Ends the VM with `status` (0-255): reports it on the isa-debugcon port
 *  0xe9 as "ukexit:<n>\n", then leaves through isa-debug-exit (port 0xf4);
 *  where neither exists, resets through the keyboard controller, then by a
 *  triple fault. Never returns. */
UK_API __attribute__((noreturn)) void uk_exit(int status);

/** Prints "uk: panic: <message>", the registers and a symbolized backtrace
 *  of the caller, then ends the VM with UK_EXIT_PANIC. Never returns. */
UK_API __attribute__((noreturn, format(printf, 1, 2))) void uk_panic(const char* fmt, ...);

UK_END_DECLS

#endif
