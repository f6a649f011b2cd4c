// ramfs: files in memory, the default root and what tmpfs mounts are.
// Space is whatever the page allocator has: a write that finds no page
// fails with ENOSPC, and pages come back when a file shrinks or its last
// name and last open File go.
#pragma once

#include <stddef.h>

#include "vfs/vfs.h"

namespace uk::vfs::ramfs {

/// Makes a new, empty ramfs (type "ramfs"; "tmpfs" is the same). Returns 0
/// or -ENOMEM.
long make(const MountArgs& args, FileSystem** out);

/// Makes the ramfs regular file `node` hold `data[0, len)`, read in place
/// from memory that stays valid and unchanged for the life of the system
/// (the initrd): pages are copied only when the file is written (copy on
/// write) or mapped writable and shared. When `data` is page-aligned,
/// read-only and private mappings use its pages directly; else they copy. Returns
/// 0, -EINVAL for another kind of node, -ENOMEM.
long set_borrowed_data(Node* node, const void* data, size_t len);

/// True when `fs` is a ramfs.
bool is_ramfs(const FileSystem* fs);

/// The pages ramfs `fs` holds for file data (/proc/meminfo's Cached and
/// Shmem).
size_t used_pages(const FileSystem* fs);

} // namespace uk::vfs::ramfs
