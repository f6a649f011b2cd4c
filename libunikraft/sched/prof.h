// A sampling profiler for the whole VM: with prof.hz=N the kernel has the
// PIT raise an NMI N times a second, notes where each found the CPU (app
// code, kernel code or the idle halt) and, as the app exits, prints the
// functions that held the most samples, by the names of the image's symbol
// table:
//
//   uk: prof 2873 samples at 1000 Hz by NMI, 0 dropped
//   uk: prof  41.2%   1184  PyObject_Malloc
//
// On a machine with no PIT, or under 19 Hz, a kernel timer samples
// instead ("by the timer"); an interrupt that arrives while the kernel
// runs with interrupts disabled is taken, and so sampled, where it enables
// them again.
#pragma once

#include <stdint.h>

namespace uk::sched {

/// Takes the prof.* kernel parameters; returns an error message or nullptr.
const char* prof_set_param(const char* name, const char* value);

/// Starts sampling when prof.hz asked for it (the scheduler must be
/// running). Prints a console line and goes on without when there is no
/// memory for the samples.
void prof_start();

/// Called on every timer interrupt with the interrupted instruction.
void prof_tick(uint64_t rip);

/// Called on every NMI with the interrupted instruction (any context).
void prof_nmi(uint64_t rip);

/// Prints the profile if prof.hz asked for one (at exit).
void prof_final();

} // namespace uk::sched
