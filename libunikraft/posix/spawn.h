// Starting another process, which a unikernel cannot do (spawn.cc).
#pragma once

namespace uk::posix {

/// The answer to system call `nr` (fork, vfork, execve, execveat, or a
/// clone that is not a thread): -ENOSYS, after a console line, once per
/// call, naming the C library call the program made and its caller.
long refuse_process(long nr);

} // namespace uk::posix
