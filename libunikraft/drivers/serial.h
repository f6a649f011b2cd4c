// The COM1 16550 UART: the console.
#pragma once

#include <stddef.h>

namespace uk::drivers {

/// Programs COM1 for 115200 8N1 with FIFOs on.
void serial_init();
/// Writes bytes, waiting for room in the transmit FIFO.
void serial_write(const char* buf, size_t len);
/// Reads what has arrived, without waiting; returns the count.
size_t serial_read(char* buf, size_t len);

} // namespace uk::drivers
