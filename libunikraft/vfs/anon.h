// Files with no name in any file system: pipes (on Linux's pipefs) and the
// anon_inode files (eventfd, timerfd, signalfd, epoll), which all share one
// inode as on Linux.
#pragma once

#include <stdint.h>

#include "lib/errno.h"
#include "vfs/vfs.h"

namespace uk::vfs {

/// st_dev of pipes and of anon_inode files, Linux's numbers (0:15, 0:16).
inline constexpr uint64_t pipefs_dev = make_dev(0, 15), anon_dev = make_dev(0, 16);

/// What fstat reports for an anon_inode file: mode 0600 without a type,
/// the shared inode.
void anon_stat(Attr* a);

/// Sends SIGPIPE to the running thread, as a write to a pipe (or socket)
/// without readers does.
void send_sigpipe();

/// The base of the anon_inode files: no positions (lseek answers 0 and
/// changes nothing, pread/pwrite -ESPIPE), read and write -EINVAL unless
/// the kind overrides them, ioctl -ENOTTY, pollable.
class AnonFile : public File {
  public:
    AnonFile() { flags = o_rdwr; }

    bool can_poll() const override { return true; }
    long read(IoBuf&) override { return -EINVAL; }
    long write(IoBuf&) override { return -EINVAL; }
    long pread(IoBuf&, uint64_t) override { return -ESPIPE; }
    long pwrite(IoBuf&, uint64_t) override { return -ESPIPE; }
    long seek(int64_t, int) override { return 0; }
    long getdents(IoBuf&) override { return -ENOTDIR; }
    long ioctl(unsigned long, uint64_t) override { return -ENOTTY; }
    long stat(Attr* a) override {
        anon_stat(a);
        return 0;
    }

  protected:
    ~AnonFile() = default;
};

} // namespace uk::vfs
