/* libunikraft: the console (COM1). */
#ifndef UK_CONSOLE_H
#define UK_CONSOLE_H

#include <stddef.h>
#include <uk/api.h>

UK_BEGIN_DECLS

/** Writes `len` bytes to the console as they are (no newline translation).
 *  Returns the number of bytes written; the console never fails. */
UK_API size_t uk_console_write(const char* buf, size_t len);

/** Reads up to `len` bytes the console has already received, without
 *  waiting. Returns the number read, 0 when nothing is pending. */
UK_API size_t uk_console_read(char* buf, size_t len);

/** printf-style output to the console (%d %i %u %x %X %p %s %c %% with
 *  l/ll/z and width/zero-pad/left-justify). Returns the bytes written. */
UK_API __attribute__((format(printf, 1, 2))) int uk_printk(const char* fmt, ...);

UK_END_DECLS

#endif
