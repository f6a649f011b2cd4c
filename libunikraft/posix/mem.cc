// The memory system calls: argument checks and Linux's errnos over the app's
// address space (mm/uvm.h). Writable-and-executable is refused (W^X,
// EACCES). Memory is committed on first touch, as with Linux's default
// overcommit: only a single request larger than all of RAM, or one past
// RLIMIT_AS / RLIMIT_DATA, is refused up front.
#include "lib/errno.h"
#include "mm/mm.h"
#include "mm/uvm.h"
#include "posix/limits.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "sched/sched.h"
#include "vfs/fd.h"

namespace uk::posix {

namespace {

using mm::AddressSpace;
using mm::MapMode;
using mm::VmKind;

constexpr uint64_t page = 4096;
constexpr long prot_read = 1, prot_write = 2, prot_exec = 4, prot_sem = 8,
               prot_growsdown = 0x01000000, prot_growsup = 0x02000000;
constexpr long prot_rwx = prot_read | prot_write | prot_exec;
constexpr long map_shared = 0x01, map_private = 0x02, map_shared_validate = 0x03, map_type = 0x0f,
               map_fixed = 0x10, map_anonymous = 0x20, map_32bit = 0x40, map_growsdown = 0x100,
               map_denywrite = 0x800, map_executable = 0x1000, map_locked = 0x2000,
               map_noreserve = 0x4000, map_populate = 0x8000, map_nonblock = 0x10000,
               map_stack = 0x20000, map_hugetlb = 0x40000, map_fixed_noreplace = 0x100000,
               map_uninitialized = 0x4000000;
// What MAP_SHARED_VALIDATE accepts (anything else is EOPNOTSUPP there).
constexpr long map_known = map_type | map_fixed | map_anonymous | map_32bit | map_growsdown |
                           map_denywrite | map_executable | map_locked | map_noreserve |
                           map_populate | map_nonblock | map_stack | map_hugetlb |
                           map_fixed_noreplace | map_uninitialized | (0x3f << 26);

bool wx(long prot) {
    return (prot & prot_write) && (prot & prot_exec);
}

uint64_t ram_bytes() {
    return mm::total_page_count() * page;
}

// RLIMIT_AS: would the app's mappings exceed it by `more` bytes?
bool over_as_limit(uint64_t more) {
    uint64_t limit = rlimit_cur(rlimit_as);
    uint64_t have = mm::uvm::space().mapped_bytes();
    return more > limit || have > limit - more;
}

// Linux's checks of a file for mmap.
long check_file_map(vfs::File* f, long prot, long flags, uint64_t off, uint64_t rounded) {
    vfs::Node* n = f->node;
    if (!n || (f->flags & vfs::o_path))
        return n ? -EBADF : -ENODEV;
    uint32_t type = n->mode & vfs::s_ifmt;
    if (type == vfs::s_ifchr) {
        if (n->rdev != vfs::make_dev(1, 5)) // /dev/zero
            return -ENODEV;
    } else if (type != vfs::s_ifreg) {
        return -ENODEV;
    }
    if (!f->readable())
        return -EACCES;
    bool shared = (flags & map_type) != map_private;
    if (shared && (prot & prot_write) && !f->writable())
        return -EACCES;
    if (off > UINT64_MAX - rounded || ((off + rounded) >> 12) >= (uint64_t(1) << 52))
        return -EOVERFLOW;
    return 0;
}

// Maps a regular file: its own pages where its file system shares them
// (ramfs), else a private copy of its bytes read in now (a file system
// that must wait for its data, 9P, cannot be read from a page fault).
long map_file(vfs::FileRef& file, uintptr_t hint, uint64_t len, uint8_t prot, uint16_t vflags,
              MapMode mode, uint64_t off) {
    vfs::Node* n = file->node;
    uint64_t rounded = (len + page - 1) & ~(page - 1);
    uintptr_t out;
    if (n->maps_pages()) {
        int r = mm::uvm::space().map(hint, len, prot, vflags, VmKind::file, mode, &out,
                                     reinterpret_cast<uint64_t>(file.get()), off / page);
        if (!r && !mm::uvm::note_file_mapped(file.get())) {
            (void)mm::uvm::space().unmap(out, rounded);
            r = -ENOMEM;
        } else if (!r) {
            file.release(); // the mapping's reference now
        }
        mm::uvm::sweep_files();
        return r ? r : long(out);
    }
    if ((vflags & mm::vm_shared) && (prot & prot_write))
        return -ENODEV;
    vflags &= uint16_t(~mm::vm_shared);
    int r = mm::uvm::space().map(hint, len, mm::vm_read | mm::vm_write, vflags, VmKind::anon, mode,
                                 &out);
    mm::uvm::sweep_files();
    if (r)
        return r;
    vfs::Attr a;
    long got = n->getattr(&a);
    if (!got && off < a.size) {
        uint64_t want = a.size - off < rounded ? a.size - off : rounded;
        vfs::IoBuf buf = vfs::IoBuf::user(out, size_t(want));
        got = n->read(buf, off);
    }
    if (got < 0) {
        (void)mm::uvm::space().unmap(out, rounded);
        return got;
    }
    if (prot != (mm::vm_read | mm::vm_write))
        (void)mm::uvm::space().protect(out, rounded, prot);
    return long(out);
}

} // namespace

UK_SYSCALL(9, mmap) {
    uintptr_t hint = uintptr_t(a1);
    uint64_t len = uint64_t(a2);
    long prot = a3, flags = a4;
    if (uint64_t(a6) & (page - 1))
        return -EINVAL;
    if (!len)
        return -EINVAL;
    if (len > AddressSpace::user_end)
        return -ENOMEM;
    uint64_t rounded = (len + page - 1) & ~(page - 1);
    switch (flags & map_type) {
    case map_shared:
    case map_private:
        break;
    case map_shared_validate:
        if (flags & ~map_known)
            return -EOPNOTSUPP;
        break;
    default:
        return -EINVAL;
    }
    vfs::FileRef file(nullptr);
    if (!(flags & map_anonymous)) {
        file = vfs::FileRef(a5);
        if (!file)
            return -EBADF;
        if (long r = check_file_map(file.get(), prot, flags, uint64_t(a6), rounded))
            return r;
        // /dev/zero maps as anonymous memory.
        if (file->node && (file->node->mode & vfs::s_ifmt) == vfs::s_ifchr)
            file.reset();
    }
    if (wx(prot))
        return -EACCES;
    // Linux's default overcommit: a private writable request larger than
    // RAM cannot be met even in theory; anything smaller is committed on
    // first touch.
    if ((prot & prot_write) && !(flags & (map_shared | map_noreserve)) && rounded > ram_bytes())
        return -ENOMEM;
    if (over_as_limit(rounded))
        return -ENOMEM;
    MapMode mode = (flags & map_fixed_noreplace) ? MapMode::fixed_noreplace
                   : (flags & map_fixed)         ? MapMode::fixed
                                                 : MapMode::anywhere;
    uint16_t vflags = 0;
    if (flags & map_growsdown)
        vflags |= mm::vm_growsdown;
    if (flags & map_noreserve)
        vflags |= mm::vm_noreserve;
    if (flags & map_shared)
        vflags |= mm::vm_shared;
    if (flags & map_locked)
        vflags |= mm::vm_locked;
    uintptr_t out;
    if (file)
        return map_file(file, hint, len, uint8_t(prot & prot_rwx), vflags, mode, uint64_t(a6));
    int r =
        mm::uvm::space().map(hint, len, uint8_t(prot & prot_rwx), vflags,
                             (flags & map_growsdown) ? VmKind::stack : VmKind::anon, mode, &out);
    mm::uvm::sweep_files();
    if (r)
        return r;
    if (flags & (map_populate | map_locked))
        (void)mm::uvm::populate(out, out + rounded); // best effort, as on Linux
    return long(out);
}

UK_SYSCALL(11, munmap) {
    uintptr_t addr = uintptr_t(a1);
    uint64_t len = uint64_t(a2);
    // A detached thread unmaps its own stack and then exits: those pages go
    // once it no longer runs on them.
    const uintptr_t sp = app_stack_pointer();
    if (!(addr & (page - 1)) && len && len <= AddressSpace::user_end &&
        addr <= AddressSpace::user_end - len && sp >= addr && sp - addr < len) {
        sched::defer_unmap(addr, len);
        return 0;
    }
    int r = mm::uvm::space().unmap(addr, len);
    mm::uvm::sweep_files();
    return r;
}

UK_SYSCALL(25, mremap) {
    uintptr_t old = uintptr_t(a1);
    uint64_t old_len = uint64_t(a2), new_len = uint64_t(a3);
    const unsigned flags = unsigned(a4);
    const uintptr_t new_addr = uintptr_t(a5);
    // A new length beyond the user half is EINVAL (Linux 6.18's order).
    if (((new_len + page - 1) & ~(page - 1)) > AddressSpace::user_end)
        return -EINVAL;
    if (new_len > old_len && new_len <= AddressSpace::user_end && over_as_limit(new_len - old_len))
        return -ENOMEM;
    uintptr_t out;
    int r = mm::uvm::space().remap(old, old_len, new_len, flags, new_addr, &out);
    mm::uvm::sweep_files();
    return r ? r : long(out);
}

UK_SYSCALL(10, mprotect) {
    long prot = a3;
    if (prot & ~(prot_rwx | prot_sem | prot_growsdown | prot_growsup))
        return -EINVAL;
    if ((prot & prot_growsdown) && (prot & prot_growsup))
        return -EINVAL;
    if (wx(prot))
        return -EACCES;
    return mm::uvm::space().protect(uintptr_t(a1), uint64_t(a2), uint8_t(prot & prot_rwx));
}

UK_SYSCALL(28, madvise) {
    constexpr long madv_dontneed = 4, madv_free = 8, madv_remove = 9, madv_populate_read = 22,
                   madv_populate_write = 23, madv_dontneed_locked = 24, madv_collapse = 25,
                   madv_hwpoison = 100, madv_soft_offline = 101;
    const long advice = a3;
    const bool known = (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= madv_collapse) ||
                       advice == madv_hwpoison || advice == madv_soft_offline;
    if (!known)
        return -EINVAL;
    uintptr_t start = uintptr_t(a1);
    uint64_t len_in = uint64_t(a2);
    if (start & (page - 1))
        return -EINVAL;
    uint64_t len = (len_in + page - 1) & ~(page - 1);
    if (len_in && !len)
        return -EINVAL;
    uintptr_t end = start + len;
    if (end < start)
        return -EINVAL;
    if (end == start)
        return 0;
    if (advice == madv_hwpoison || advice == madv_soft_offline)
        return -EPERM; // needs CAP_SYS_ADMIN on Linux and means nothing here
    AddressSpace& s = mm::uvm::space();
    // Holes (and the kernel's ranges) are ENOMEM, after the advice is
    // applied to what is mapped, as on Linux.
    bool hole = !s.covers(start, end);
    long err = 0;
    s.for_each(start, end, [&](const mm::Vma& v) {
        if (v.kind == VmKind::kernel)
            return;
        switch (advice) {
        case madv_dontneed:
        case madv_dontneed_locked:
        case madv_free:
            if ((v.flags & mm::vm_locked) && advice != madv_dontneed_locked)
                err = -EINVAL;
            else
                mm::uvm::unmap_pages(v.start, v.end);
            break;
        case madv_remove:
            if (!(v.flags & mm::vm_shared))
                err = -EINVAL;
            else
                mm::uvm::unmap_pages(v.start, v.end);
            break;
        case madv_populate_read:
        case madv_populate_write:
            if (!v.prot || (advice == madv_populate_write && !(v.prot & mm::vm_write)))
                err = -EFAULT;
            else if (!mm::uvm::populate(v.start, v.end))
                err = -ENOMEM;
            break;
        default:
            break;
        }
    });
    if (err)
        return err;
    return hole ? -ENOMEM : 0;
}

UK_SYSCALL(26, msync) {
    constexpr long ms_async = 1, ms_invalidate = 2, ms_sync = 4;
    uintptr_t start = uintptr_t(a1);
    long flags = a3;
    if (flags & ~(ms_async | ms_invalidate | ms_sync))
        return -EINVAL;
    if (start & (page - 1))
        return -EINVAL;
    if ((flags & ms_async) && (flags & ms_sync))
        return -EINVAL;
    uint64_t len = (uint64_t(a2) + page - 1) & ~(page - 1);
    uintptr_t end = start + len;
    if (end < start)
        return -ENOMEM;
    if (end == start)
        return 0;
    // Anonymous memory has nothing to write back; a hole is ENOMEM.
    return mm::uvm::space().covers(start, end) ? 0 : -ENOMEM;
}

namespace {

long lock_range(uintptr_t start, uint64_t len, bool lock) {
    // Linux's arithmetic, wrapping included.
    uint64_t off = start & (page - 1);
    len = (len + off + page - 1) & ~(page - 1);
    start -= off;
    uintptr_t end = start + len;
    if (end < start)
        return -EINVAL;
    if (end == start)
        return 0;
    if (!mm::uvm::space().covers(start, end))
        return -ENOMEM;
    if (lock)
        (void)mm::uvm::populate(start, end);
    return 0;
}

} // namespace

UK_SYSCALL(149, mlock) {
    return lock_range(uintptr_t(a1), uint64_t(a2), true);
}
UK_SYSCALL(325, mlock2) {
    constexpr long mlock_onfault = 1;
    if (a3 & ~mlock_onfault)
        return -EINVAL;
    return lock_range(uintptr_t(a1), uint64_t(a2), !(a3 & mlock_onfault));
}
UK_SYSCALL(150, munlock) {
    return lock_range(uintptr_t(a1), uint64_t(a2), false);
}
UK_SYSCALL(151, mlockall) {
    constexpr long mcl_current = 1, mcl_future = 2, mcl_onfault = 4;
    if (!a1 || (a1 & ~(mcl_current | mcl_future | mcl_onfault)) || a1 == mcl_onfault)
        return -EINVAL;
    return 0;
}
UK_SYSCALL(152, munlockall) {
    return 0;
}

namespace {

// The program break: from the page after the image up, one heap range that
// grows by mapping the pages above it and fails, as brk may, when another
// mapping (or its guard gap) is in the way or RLIMIT_DATA is reached.
constinit uintptr_t g_brk = 0;

} // namespace

UK_SYSCALL(12, brk) {
    const uintptr_t base = mm::uvm::brk_start();
    if (!g_brk)
        g_brk = base;
    const uintptr_t want = uintptr_t(a1);
    if (want < base || want > AddressSpace::user_end)
        return long(g_brk);
    const uintptr_t cur_top = (g_brk + page - 1) & ~(page - 1);
    const uintptr_t new_top = (want + page - 1) & ~(page - 1);
    AddressSpace& s = mm::uvm::space();
    if (new_top > cur_top) {
        // A page of room must stay below the next mapping, more below a
        // stack (Linux's check against vm_start_gap).
        const mm::Vma* next = s.find_next(cur_top);
        if (next) {
            uintptr_t gap = (next->flags & mm::vm_growsdown) ? AddressSpace::guard_gap : 0;
            if (next->start < gap || new_top + page > next->start - gap)
                return long(g_brk);
        }
        if (new_top - base > rlimit_cur(rlimit_data) || over_as_limit(new_top - cur_top))
            return long(g_brk);
        uintptr_t out;
        if (s.map(cur_top, new_top - cur_top, mm::vm_read | mm::vm_write, 0, VmKind::heap,
                  MapMode::fixed_noreplace, &out))
            return long(g_brk);
    } else if (new_top < cur_top) {
        (void)s.unmap(new_top, cur_top - new_top);
    }
    g_brk = want;
    return long(g_brk);
}

} // namespace uk::posix
