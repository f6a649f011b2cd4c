#include "vfs/fd.h"

#include "lib/errno.h"
#include "posix/limits.h"
#include "vfs/lock.h"

namespace uk::vfs {

namespace {

struct Slot {
    File* file;
    bool cloexec;
};

constexpr size_t initial_slots = 64;
constinit Slot g_initial[initial_slots]{};
constinit Slot* g_slots = g_initial;
constinit size_t g_cap = initial_slots;
constinit long g_limit = 0; // highest used fd + 1

// The table's size may not exceed RLIMIT_NOFILE (nor a sane maximum).
size_t nofile() {
    uint64_t n = posix::rlimit_cur(posix::rlimit_nofile);
    return n > (1u << 20) ? (1u << 20) : size_t(n);
}

bool grow(size_t need) {
    if (need <= g_cap)
        return true;
    size_t cap = g_cap;
    while (cap < need)
        cap *= 2;
    auto* slots = static_cast<Slot*>(kheap_alloc(cap * sizeof(Slot), 16));
    if (!slots)
        return false;
    __builtin_memcpy(slots, g_slots, g_cap * sizeof(Slot));
    __builtin_memset(slots + g_cap, 0, (cap - g_cap) * sizeof(Slot));
    if (g_slots != g_initial)
        kheap_free(g_slots);
    g_slots = slots;
    g_cap = cap;
    return true;
}

void set(long fd, File* f, bool cloexec) {
    g_slots[fd] = Slot{f, cloexec};
    if (fd >= g_limit)
        g_limit = fd + 1;
}

// Any close of an fd drops the process's POSIX locks on the file.
void close_file(File* f) {
    if (f->node && f->node->locks)
        release_posix_locks(f->node);
    f->put();
}

void shrink_limit() {
    while (g_limit > 0 && !g_slots[g_limit - 1].file)
        g_limit--;
}

} // namespace

long fd_install(File* f, bool cloexec, long lowest) {
    long max = long(nofile());
    for (long fd = lowest < 0 ? 0 : lowest; fd < max; fd++) {
        if (size_t(fd) >= g_cap && !grow(size_t(fd) + 1))
            break;
        if (!g_slots[fd].file) {
            set(fd, f, cloexec);
            return fd;
        }
    }
    f->put();
    return -EMFILE;
}

long fd_install_at(File* f, long fd, bool cloexec) {
    if (fd < 0 || size_t(fd) >= nofile()) {
        f->put();
        return -EBADF;
    }
    if (!grow(size_t(fd) + 1)) {
        f->put();
        return -EMFILE;
    }
    File* old = g_slots[fd].file;
    set(fd, f, cloexec);
    if (old)
        close_file(old);
    return fd;
}

File* fd_get(long fd_arg) {
    // An fd is an int to Linux: the register's upper half is ignored.
    long fd = int(fd_arg);
    if (fd < 0 || fd >= g_limit || !g_slots[fd].file)
        return nullptr;
    File* f = g_slots[fd].file;
    f->get();
    return f;
}

long fd_close(long fd) {
    if (fd < 0 || fd >= g_limit || !g_slots[fd].file)
        return -EBADF;
    File* f = g_slots[fd].file;
    g_slots[fd] = Slot{nullptr, false};
    shrink_limit();
    close_file(f);
    return 0;
}

long fd_cloexec(long fd) {
    if (fd < 0 || fd >= g_limit || !g_slots[fd].file)
        return -EBADF;
    return g_slots[fd].cloexec ? 1 : 0;
}

long fd_set_cloexec(long fd, bool on) {
    if (fd < 0 || fd >= g_limit || !g_slots[fd].file)
        return -EBADF;
    g_slots[fd].cloexec = on;
    return 0;
}

long fd_limit() {
    return g_limit;
}

} // namespace uk::vfs
