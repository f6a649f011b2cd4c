// The console: the app's fds 0, 1 and 2, /dev/console, /dev/tty and
// /dev/ttyS0. One device carries its bytes: a virtio console port when
// there is one (drivers/virtio_console.cc), else COM1 (drivers/serial.h).
// Input arrives framed by ukrun (drivers/console_input.h) so that the end
// of ukrun's standard input is the app's end of file.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "drivers/console_input.h"

namespace uk::vfs {
class File;
}

namespace uk::drivers {

/// Opens the console for fds 0, 1 and 2: one open file description that
/// the three share (as a shell's terminal), a new reference each call.
/// Returns 0 or -ENOMEM.
long console_open(uint32_t flags, vfs::File** out);

/// Whether fd 0, 1 or 2 is a terminal, as console.tty= says (every one
/// when it is not given).
bool console_fd_is_tty(int fd);

/// Opens the console for fd 0, 1 or 2 when that fd is not a terminal (the
/// host stream behind it is a pipe or a file): its own open file
/// description, read-only for fd 0 and write-only for 1 and 2, that reads
/// and writes the console but answers the terminal ioctls with -ENOTTY
/// (so isatty() is false) and reports itself to fstat as a pipe, S_IFIFO.
/// Returns 0 or -ENOMEM.
long console_open_stream(int fd, vfs::File** out);

/// Waits, spinning, until every byte written to the console has left the
/// guest: before the VM ends, so that nothing the app wrote is lost.
/// Safe anywhere (touches no queue state).
void console_flush();

/// Takes a `console.*` kernel parameter: console.winsize=ROWSxCOLS, the
/// terminal's size at boot (ukrun passes its terminal's); console.tty=LIST,
/// which of fds 0, 1 and 2 are terminals (a comma-separated list of them,
/// or `none`; ukrun passes what isatty() says of its own). Returns nullptr,
/// or what is wrong with it.
const char* console_set_param(const char* name, const char* value);

/// Writes a kernel message where the app's output goes, after it: the
/// console's device once it is up, else COM1. Synchronous, any context.
void console_kernel_write(const char* p, size_t n);

namespace console {

/// What carries the console's bytes besides COM1: the virtio console
/// port. Called from thread context; input and output events come back
/// through input_arrived() and output_room().
struct Transport {
    /// A free output buffer and its size, or nullptr when all are in use.
    uint8_t* (*tx_acquire)(size_t* cap);
    /// Sends the first n bytes of the buffer tx_acquire gave (0: gives it
    /// back unused).
    void (*tx_commit)(size_t n);
    /// Whether tx_acquire would give a buffer now.
    bool (*tx_ready)();
    /// Spins until the host has taken every buffer sent.
    void (*tx_drain)();
    /// Sends a kernel message from a buffer of its own and spins until the
    /// host has it (interrupts off, callable anywhere).
    void (*kernel_write)(const char* p, size_t n);
    /// The reader made room in the input queue: take what the device holds.
    void (*rx_resume)();
};

/// Makes `t` carry the console from now on (the virtio console's probe).
void attach(const Transport* t);

/// The input queue the transport fills.
InputQueue& input();

/// For the transport's interrupt handlers: input was pushed; an output
/// buffer came back.
void input_arrived();
void output_room();

} // namespace console

} // namespace uk::drivers
