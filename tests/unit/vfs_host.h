// The VFS core (vfs.cc, path.cc, fd.cc, ramfs.cc) built for the host: the
// kernel services it calls, stood in for by plain memory (an "app address"
// is a host pointer), so path lookup and ramfs are tested and fuzzed here.
#pragma once

#include <cstddef>

namespace vfs_host {

/// Sets up the mount table once (a ramfs root and a tmpfs at /tmp).
void boot();

/// Pages the stand-in page allocator still has; set_pages caps it (for
/// running out of space).
size_t free_pages();
void set_pages(size_t total);

} // namespace vfs_host
