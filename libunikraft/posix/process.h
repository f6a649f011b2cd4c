// What the rest of the kernel reads of the process's identity: the names
// uname reports (also /proc/version and /proc/sys/kernel), its umask.
#pragma once

#include <stdint.h>

namespace uk::posix {

/// uname's fields. "Linux" because programs parse it to pick Linux
/// behaviour, which is the ABI this kernel implements.
inline constexpr const char uts_sysname[] = "Linux", uts_nodename[] = "libunikraft",
                            uts_release[] = "6.1.0-libunikraft", uts_version[] = "#1 libunikraft",
                            uts_machine[] = "x86_64", uts_domainname[] = "(none)";

/// The process's file mode creation mask (umask(2)'s, posix/fs.cc).
uint32_t current_umask();

} // namespace uk::posix
