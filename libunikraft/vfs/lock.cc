#include "vfs/lock.h"

#include "arch/x86_64/sigframe.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "mm/user.h"

namespace uk::vfs {

namespace {

enum class Kind : uint8_t { posix, ofd, flock };
constexpr short f_rdlck = 0, f_wrlck = 1, f_unlck = 2;
constexpr uint64_t to_eof = UINT64_MAX;

struct Lock {
    ListNode<Lock> link;
    const void* owner; // the process (POSIX) or the File
    Kind kind;
    short type;
    uint64_t start, end; // inclusive
};

struct LockState {
    IntrusiveList<Lock, &Lock::link> list;
    WaitQueue waiters;
};

// What a POSIX lock's owner is: the one process.
constinit const char g_process = 0;

LockState* state_of(Node* n, bool create) {
    if (!n->locks && create) {
        n->locks = make<LockState>();
    }
    return static_cast<LockState*>(n->locks);
}

bool kinds_interact(Kind a, Kind b) {
    return (a == Kind::flock) == (b == Kind::flock);
}

// The first lock of another owner that conflicts with [start, end] of
// `type`.
Lock* conflict(LockState* s, const void* owner, Kind kind, short type, uint64_t start,
               uint64_t end) {
    if (!s)
        return nullptr;
    for (Lock* l = s->list.front(); l; l = decltype(s->list)::next(l)) {
        if (l->owner == owner || !kinds_interact(l->kind, kind))
            continue;
        if (l->end < start || l->start > end)
            continue;
        if (l->type == f_wrlck || type == f_wrlck)
            return l;
    }
    return nullptr;
}

// Removes owner's part of [start, end] (splitting a lock that straddles
// it). Returns false when a split needs memory there is not.
bool carve(LockState* s, const void* owner, Kind kind, uint64_t start, uint64_t end) {
    for (Lock* l = s->list.front(); l;) {
        Lock* next = decltype(s->list)::next(l);
        if (l->owner == owner && l->kind == kind && !(l->end < start || l->start > end)) {
            if (l->start < start && l->end > end) {
                Lock* tail = make<Lock>();
                if (!tail)
                    return false;
                *tail = Lock{{}, owner, kind, l->type, end + 1, l->end};
                l->end = start - 1;
                s->list.insert_before(next, tail);
            } else if (l->start < start) {
                l->end = start - 1;
            } else if (l->end > end) {
                l->start = end + 1;
            } else {
                s->list.remove(l);
                kheap_free(l);
            }
        }
        l = next;
    }
    return true;
}

// Sets (or with f_unlck clears) owner's lock on [start, end], waiting for
// conflicts to go when `wait`.
long set_lock(Node* n, const void* owner, Kind kind, short type, uint64_t start, uint64_t end,
              bool wait) {
    LockState* s = state_of(n, type != f_unlck);
    if (!s)
        return type == f_unlck ? 0 : -ENOLCK;
    if (type != f_unlck) {
        while (conflict(s, owner, kind, type, start, end)) {
            if (!wait)
                return -EAGAIN;
            if (wait_once(s->waiters, 0) == -EINTR)
                return -arch::erestartsys;
        }
    }
    Lock* l = nullptr;
    if (type != f_unlck && !(l = make<Lock>()))
        return -ENOLCK;
    if (!carve(s, owner, kind, start, end)) {
        kheap_free(l);
        return -ENOLCK;
    }
    if (l) {
        *l = Lock{{}, owner, kind, type, start, end};
        s->list.push_back(l);
    }
    s->waiters.notify(0);
    return 0;
}

struct KFlock {
    short type;
    short whence;
    int64_t start;
    int64_t len;
    int32_t pid;
};
static_assert(sizeof(KFlock) == 32, "struct flock on x86_64");

} // namespace

long fcntl_lock(File* f, int cmd, uint64_t arg) {
    constexpr int f_getlk = 5, f_setlkw = 7, f_ofd_getlk = 36, f_ofd_setlk = 37, f_ofd_setlkw = 38;
    KFlock fl;
    if (mm::UserPtr<const KFlock>(arg).read(&fl))
        return -EFAULT;
    bool ofd = cmd == f_ofd_getlk || cmd == f_ofd_setlk || cmd == f_ofd_setlkw;
    if (ofd && fl.pid != 0)
        return -EINVAL;
    if (fl.type != f_rdlck && fl.type != f_wrlck && fl.type != f_unlck)
        return -EINVAL;
    Node* n = f->node;
    if (!n)
        return -EBADF;
    int64_t base;
    switch (fl.whence) {
    case 0:
        base = 0;
        break;
    case 1:
        base = int64_t(f->pos);
        break;
    case 2: {
        Attr a;
        if (long r = n->getattr(&a))
            return r;
        base = int64_t(a.size);
        break;
    }
    default:
        return -EINVAL;
    }
    if ((fl.start > 0 && base > INT64_MAX - fl.start) ||
        (fl.start < 0 && base < INT64_MIN - fl.start))
        return -EOVERFLOW;
    int64_t start = base + fl.start;
    uint64_t lo, hi;
    if (fl.len > 0) {
        if (start > INT64_MAX - (fl.len - 1))
            return -EOVERFLOW;
        if (start < 0)
            return -EINVAL;
        lo = uint64_t(start);
        hi = uint64_t(start + fl.len - 1);
    } else if (fl.len == 0) {
        if (start < 0)
            return -EINVAL;
        lo = uint64_t(start);
        hi = to_eof;
    } else {
        if (start + fl.len < 0)
            return -EINVAL;
        lo = uint64_t(start + fl.len);
        hi = uint64_t(start - 1);
    }
    const void* owner = ofd ? static_cast<const void*>(f) : &g_process;
    Kind kind = ofd ? Kind::ofd : Kind::posix;
    if (cmd == f_getlk || cmd == f_ofd_getlk) {
        if (fl.type == f_unlck)
            return -EINVAL;
        Lock* l = conflict(state_of(n, false), owner, kind, fl.type, lo, hi);
        if (!l) {
            fl.type = f_unlck;
        } else {
            fl.type = l->type;
            fl.whence = 0;
            fl.start = int64_t(l->start);
            fl.len = l->end == to_eof ? 0 : int64_t(l->end - l->start + 1);
            fl.pid = l->kind == Kind::posix ? 1 : -1;
        }
        return mm::UserPtr<KFlock>(arg).put(fl) ? -EFAULT : 0;
    }
    if (fl.type == f_rdlck && !f->readable())
        return -EBADF;
    if (fl.type == f_wrlck && !f->writable())
        return -EBADF;
    return set_lock(n, owner, kind, fl.type, lo, hi, cmd == f_setlkw || cmd == f_ofd_setlkw);
}

long flock(File* f, int op) {
    constexpr int lock_sh = 1, lock_ex = 2, lock_nb = 4, lock_un = 8;
    int what = op & ~lock_nb;
    short type;
    if (what == lock_sh)
        type = f_rdlck;
    else if (what == lock_ex)
        type = f_wrlck;
    else if (what == lock_un)
        type = f_unlck;
    else
        return -EINVAL;
    if (!f->node)
        return -EINVAL;
    // Converting a lock drops the old one first, as Linux does.
    if (type != f_unlck)
        set_lock(f->node, f, Kind::flock, f_unlck, 0, to_eof, false);
    long r = set_lock(f->node, f, Kind::flock, type, 0, to_eof, !(op & lock_nb));
    return r == -EAGAIN ? -EWOULDBLOCK : r;
}

namespace {

void drop_owner(Node* n, const void* owner, bool posix) {
    auto* s = static_cast<LockState*>(n->locks);
    if (!s)
        return;
    bool any = false;
    for (Lock* l = s->list.front(); l;) {
        Lock* next = decltype(s->list)::next(l);
        if (l->owner == owner && (l->kind == Kind::posix) == posix) {
            s->list.remove(l);
            kheap_free(l);
            any = true;
        }
        l = next;
    }
    if (any)
        s->waiters.notify(0);
}

} // namespace

void release_posix_locks(Node* node) {
    drop_owner(node, &g_process, true);
}

void release_locks(File* f) {
    if (!f->node || !f->node->locks)
        return;
    drop_owner(f->node, f, false);
    auto* s = static_cast<LockState*>(f->node->locks);
    if (s->list.empty() && s->waiters.empty() && f->node->open_files <= 1) {
        kheap_free(s);
        f->node->locks = nullptr;
    }
}

long memfd_seals(File* f, bool add, uint32_t seals) {
    constexpr uint32_t seal_seal = 1, seal_shrink = 2, seal_grow = 4, seal_write = 8,
                       seal_future_write = 16, all = 31;
    (void)seal_shrink;
    (void)seal_grow;
    (void)seal_future_write;
    Node* n = f->node;
    if (!n || !n->sealable) {
        // Not a memfd: Linux says EINVAL; a memfd without sealing has
        // F_SEAL_SEAL set from the start.
        return -EINVAL;
    }
    if (!add)
        return n->seals;
    if (seals & ~all)
        return -EINVAL;
    if (!f->writable())
        return -EPERM;
    if (n->seals & seal_seal)
        return -EPERM;
    (void)seal_write;
    n->seals |= seals;
    return 0;
}

long memfd_check_resize(File* f, uint64_t size) {
    constexpr uint32_t seal_shrink = 2, seal_grow = 4;
    Node* n = f->node;
    if (!n || !n->seals)
        return 0;
    if ((n->seals & seal_shrink) && size < n->size)
        return -EPERM;
    if ((n->seals & seal_grow) && size > n->size)
        return -EPERM;
    return 0;
}

} // namespace uk::vfs
