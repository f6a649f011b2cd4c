// The COM1 16550 UART: the console.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::drivers {

/// Programs COM1 for 115200 8N1 with FIFOs on.
void serial_init();
/// Writes bytes, waiting for room in the transmit FIFO.
void serial_write(const char* buf, size_t len);
/// Reads what has arrived, without waiting; returns the count.
size_t serial_read(char* buf, size_t len);

/// Delivers received bytes to `on_input` from COM1's interrupt (kernel
/// context). Returns false when the interrupt cannot be routed.
bool serial_enable_input(void (*on_input)(const uint8_t* p, size_t n));

} // namespace uk::drivers
