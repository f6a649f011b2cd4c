// Files with no name in any file system (vfs/anon.h).
#include "vfs/anon.h"

#include "lib/signal_abi.h"
#include "sched/sched.h"
#include "sched/signal.h"

namespace uk::vfs {

void anon_stat(Attr* a) {
    // One inode for all of them, made with its times when first asked.
    static constinit uint64_t ino = 0;
    static constinit Time born{};
    if (!ino) {
        ino = next_ino();
        born = now();
    }
    *a = Attr{};
    a->dev = anon_dev;
    a->ino = ino;
    a->mode = 0600;
    a->nlink = 1;
    a->atime = a->mtime = a->ctime = a->btime = born;
}

void send_sigpipe() {
    Siginfo info{};
    info.signo = sigpipe;
    info.code = si_user;
    info.kill.pid = 1; // the process itself, as the sender
    sched::signal::send(sigpipe, info, sched::current());
}

} // namespace uk::vfs
