// The kernel's memory use as a console line, `uk: mem used=BYTES
// peak=BYTES kernel=BYTES`, every mem.report=SECONDS and once as the app
// exits: pages taken from the page allocator since boot, with the kernel
// heap's share counted by its live blocks rather than its arenas. The app's
// memory is made of these pages too, so this is all the VM's memory that
// changes; `kernel` is the kernel heap's live blocks alone (sockets, network
// buffers, files), which a kernel leak grows and the app's own allocator
// does not.
#pragma once

#include <stddef.h>

namespace uk::mm {

/// Returns the bytes in use now.
size_t used_bytes();

/// Returns the most bytes in use at any time since boot.
size_t peak_bytes();

/// Records the use after an allocation, for the peak.
void note_usage();
/// The same after a kernel heap allocation: cheap unless the heap's use
/// has passed what it was at the last note.
void note_kheap_usage();

/// Takes the mem.* kernel parameters; returns an error message or nullptr.
const char* report_set_param(const char* name, const char* value);

/// Starts the periodic report when mem.report asked for one (the scheduler
/// must be running).
void report_start();

/// Prints the report line once more if mem.report asked for them (at exit).
void report_final();

} // namespace uk::mm
