// Starting QEMU and waiting for it: no shell, no helper processes, one
// vfork+exec and one wait.
#pragma once

#include "ukrun_args.h"
#include "ukrun_outcome.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ukrun {

/// The lowest file descriptor the fd helpers below return, so that a
/// child's dup2 onto 0-9 never overwrites a source it still needs.
inline constexpr int first_private_fd = 10;

/// One descriptor the child gets: `source` in the parent becomes `target`
/// in the child. A source other than the target must be first_private_fd
/// or above and close-on-exec.
struct FdMapping {
    int target;
    int source;
};

/// Runs argv (argv[0] is the program's path; there is no PATH search) with
/// the mapped descriptors, and waits for it to end, at most `timeout_ms`
/// (0: no limit). The child dies with ukrun (PR_SET_PDEATHSIG). SIGINT,
/// SIGTERM and SIGHUP to ukrun, or the timeout, stop the child (SIGTERM,
/// then SIGKILL after a grace period). Fails with a message when the child
/// cannot be started.
Parsed<QemuEnd> run_process(std::vector<std::string> const& argv, std::vector<FdMapping> const& fds,
                            std::uint64_t timeout_ms);

/// An anonymous in-memory file (memfd), close-on-exec, numbered
/// first_private_fd or above. Returns -1 with errno set on failure.
int make_memfd(char const* name);

/// A connected pair of stream sockets, close-on-exec, the second numbered
/// first_private_fd or above (for the child). Returns false with errno set.
bool make_socketpair(int fds[2]);

/// Opens /dev/null like make_memfd. Returns -1 with errno set on failure.
int open_dev_null();

/// Writes all of data to fd (a memfd). Returns false with errno set on failure.
bool write_file_fd(int fd, std::string_view data);

/// Reads all of a regular file (memfd) from offset 0, up to `limit` bytes.
std::string read_file_fd(int fd, std::size_t limit = 1 << 20);

/// Finds `name` in $PATH the way execvp would, or returns it unchanged when
/// it contains a '/'. Returns an empty string when nothing executable is found.
std::string find_program(std::string const& name);

} // namespace ukrun
