// procfs: the process (pid 1), its threads and the system as text in
// Linux's formats, for runtimes and libraries that read /proc: /proc/self
// (status, stat, statm, maps, fd/, cmdline, environ, auxv, mounts, ...),
// /proc/cpuinfo, meminfo, uptime, stat, loadavg and /proc/sys's values.
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "boot/boot.h"
#include "lib/errno.h"
#include "mm/image.h"
#include "mm/mm.h"
#include "mm/user.h"
#include "mm/uvm.h"
#include "posix/limits.h"
#include "posix/process.h"
#include "posix/random.h"
#include "sched/sched.h"
#include "sched/signal.h"
#include "vfs/cpuinfo.h"
#include "vfs/fd.h"
#include "vfs/path.h"
#include "vfs/pseudofs.h"
#include "vfs/ramfs.h"

extern "C" const char __ehdr_start[];
extern "C" const uk::vfs::FsType __uk_fstypes_start[];
extern "C" const uk::vfs::FsType __uk_fstypes_end[];

namespace uk::vfs::procfs {

namespace {

using pseudo::Ctx;
using pseudo::Dir;
using pseudo::Entry;

constexpr int32_t self_pid = 1;
constexpr uint64_t proc_super_magic = 0x9fa0;
constexpr uint64_t ns_per_tick = 10000000; // USER_HZ = 100
constexpr uint64_t page = 4096;
constexpr uint32_t dir_r = s_ifdir | 0555, file_r = s_ifreg | 0444, file_rw = s_ifreg | 0644,
                   file_owner = s_ifreg | 0400, link_mode = s_iflnk | 0777;

// ------------------------------------------------------------ helpers

// The thread a node describes: its own, or for the process the main
// thread (the first live one once that has exited).
sched::Thread* thread_of(const Ctx& c) {
    if (c.tid)
        return sched::find(c.tid);
    if (sched::Thread* t = sched::find(self_pid))
        return t;
    return sched::next_thread(nullptr);
}

int32_t tid_of(const Ctx& c) {
    return c.tid ? c.tid : self_pid;
}

const char* state_name(const sched::Thread* t) {
    switch (t->state) {
    case sched::ThreadState::running:
    case sched::ThreadState::runnable:
        return "R (running)";
    case sched::ThreadState::blocked:
        return "S (sleeping)";
    default:
        return "Z (zombie)";
    }
}

// The program's path as /proc/<pid>/exe gives it: argv[0] made absolute.
void exe_path(Text& out) {
    const char* a = boot::app_info().argv0;
    if (!a || !*a)
        a = "app";
    if (*a != '/')
        out.putc('/');
    while (a[0] == '.' && a[1] == '/')
        a += 2;
    out.puts(a);
}

// /proc/mounts's escapes for space, tab, newline and backslash.
void put_escaped(Text& out, const char* s) {
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\') {
            out.putc('\\');
            out.octal(uint8_t(*s), 3);
        } else {
            out.putc(*s);
        }
    }
}

// The app's memory [lo, hi), as much of it as can be read.
void put_user_range(Text& out, uintptr_t lo, uintptr_t hi) {
    char chunk[256];
    while (lo < hi) {
        size_t n = hi - lo < sizeof chunk ? hi - lo : sizeof chunk;
        size_t got = mm::copy_user_partial(false, lo, chunk, n);
        out.put(chunk, got);
        if (got < n)
            return;
        lo += n;
    }
}

// What the address space holds, summed by kind (status, statm, stat).
struct MemUse {
    uint64_t size = 0, locked = 0, data = 0, stack = 0, exe = 0, committed = 0;
    uint64_t rss_anon = 0, rss_file = 0; // pages
};

MemUse mem_use() {
    MemUse u;
    mm::uvm::space().for_each(0, mm::AddressSpace::user_end, [&](const mm::Vma& v) {
        if (v.kind == mm::VmKind::kernel)
            return;
        uint64_t len = v.end - v.start;
        u.size += len;
        if (v.flags & mm::vm_locked)
            u.locked += len;
        bool stack = v.kind == mm::VmKind::stack || (v.flags & mm::vm_growsdown);
        // Linux's data_vm, stack_vm and exec_vm.
        if (stack)
            u.stack += len;
        else if ((v.prot & mm::vm_write) && !(v.flags & mm::vm_shared))
            u.data += len;
        if ((v.prot & mm::vm_exec) && !(v.prot & mm::vm_write) && !stack)
            u.exe += len;
        if ((v.prot & mm::vm_write) && !(v.flags & (mm::vm_shared | mm::vm_noreserve)))
            u.committed += len;
        size_t pages = mm::uvm::resident_pages(v.start, v.end);
        if (v.kind == mm::VmKind::image || v.kind == mm::VmKind::file)
            u.rss_file += pages;
        else
            u.rss_anon += pages;
    });
    return u;
}

// Signal bits for status ("%016lx") and stat (decimal).
struct SigMasks {
    SigSet pending, shared, blocked, ignored, caught;
};

SigMasks sig_masks(const sched::Thread* t) {
    SigMasks m{};
    m.pending = t->pending.set;
    m.shared = sched::signal::pending(t) & ~t->pending.set;
    m.blocked = t->blocked;
    for (int sig = 1; sig <= nsig; sig++) {
        uint64_t h = sched::signal::action(sig).handler;
        if (h == sig_ign)
            m.ignored |= sigbit(sig);
        else if (h != sig_dfl)
            m.caught |= sigbit(sig);
    }
    return m;
}

uint64_t ticks(uint64_t ns) {
    return ns / ns_per_tick;
}

uint64_t running_threads() {
    uint64_t n = 0;
    for (sched::Thread* t = sched::next_thread(nullptr); t; t = sched::next_thread(t))
        n += t->state == sched::ThreadState::running || t->state == sched::ThreadState::runnable;
    return n;
}

int32_t last_tid() {
    int32_t max = 0;
    for (sched::Thread* t = sched::next_thread(nullptr); t; t = sched::next_thread(t))
        max = t->tid > max ? t->tid : max;
    return max;
}

void describe(Text& out, File* f);

// ------------------------------------------------------------ /proc/<pid>/

long show_status(Text& out, const Ctx& c) {
    sched::Thread* t = thread_of(c);
    if (!t)
        return -ESRCH;
    MemUse u = mem_use();
    SigMasks s = sig_masks(t);
    uint64_t threads = sched::thread_count();
    long fds = fd_limit();
    uint64_t fdsize = 64;
    while (fdsize < uint64_t(fds))
        fdsize *= 2;
    out.printf("Name:\t%s\n", t->comm);
    out.puts("Umask:\t");
    out.octal(posix::current_umask(), 4);
    out.printf("\nState:\t%s\n", state_name(t));
    out.printf("Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t0\nTracerPid:\t0\n", self_pid, tid_of(c));
    out.puts("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
    out.printf("FDSize:\t%lu\nGroups:\t \n", (unsigned long)fdsize);
    out.printf("NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", self_pid, tid_of(c), self_pid,
               self_pid);
    auto kb = [&](const char* name, uint64_t bytes) {
        out.printf("%s\t%8lu kB\n", name, (unsigned long)(bytes >> 10));
    };
    uint64_t rss = (u.rss_anon + u.rss_file) * page;
    kb("VmPeak:", u.size);
    kb("VmSize:", u.size);
    kb("VmLck:", u.locked);
    kb("VmPin:", 0);
    kb("VmHWM:", rss);
    kb("VmRSS:", rss);
    kb("RssAnon:", u.rss_anon * page);
    kb("RssFile:", u.rss_file * page);
    kb("RssShmem:", 0);
    kb("VmData:", u.data);
    kb("VmStk:", u.stack);
    kb("VmExe:", u.exe);
    kb("VmLib:", 0);
    kb("VmPTE:", 0);
    kb("VmSwap:", 0);
    out.puts("HugetlbPages:\t       0 kB\nCoreDumping:\t0\nTHP_enabled:\t1\n");
    out.printf("Threads:\t%lu\n", (unsigned long)threads);
    out.printf("SigQ:\t0/%lu\n", (unsigned long)posix::rlimit_cur(posix::rlimit_sigpending));
    out.printf("SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\n"
               "SigCgt:\t%016lx\n",
               (unsigned long)s.pending, (unsigned long)s.shared, (unsigned long)s.blocked,
               (unsigned long)s.ignored, (unsigned long)s.caught);
    // Root with every capability of Linux 6.1 (CAP_LAST_CAP 40).
    out.puts("CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n"
             "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n");
    out.puts("NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n");
    out.puts("Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\nMems_allowed_list:\t0\n");
    out.puts("voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
    return 0;
}

long show_stat(Text& out, const Ctx& c) {
    sched::Thread* t = thread_of(c);
    if (!t)
        return -ESRCH;
    const boot::AppInfo& app = boot::app_info();
    MemUse u = mem_use();
    SigMasks s = sig_masks(t);
    uint64_t cpu = c.tid ? sched::cpu_ns_of(t) : sched::process_cpu_ns();
    uint64_t start = ticks(arch::ticks_to_ns(app.start_tsc - arch::boot_tsc()));
    const auto addr = [](const char* p) { return (unsigned long)reinterpret_cast<uintptr_t>(p); };
    out.printf("%d (%s) %c 0 %d %d 0 -1 4194304 0 0 0 0 %lu 0 0 0 20 0 %lu 0 %lu %lu %lu ",
               tid_of(c), t->comm, state_name(t)[0], self_pid, self_pid, (unsigned long)ticks(cpu),
               (unsigned long)sched::thread_count(), (unsigned long)start, (unsigned long)u.size,
               (unsigned long)(u.rss_anon + u.rss_file));
    constexpr int rlimit_rss = 5;
    out.printf("%lu %lu %lu %lu 0 0 ", (unsigned long)posix::rlimit_cur(rlimit_rss),
               addr(__uk_app_start), addr(__uk_app_text_end), (unsigned long)app.start_stack);
    out.printf("%lu %lu %lu %lu 0 0 0 %d 0 0 0 0 0 0 ", (unsigned long)(s.pending | s.shared),
               (unsigned long)s.blocked, (unsigned long)s.ignored, (unsigned long)s.caught,
               t->tid == self_pid ? sigchld : -1);
    out.printf("%lu %lu %lu %lu %lu %lu %lu 0\n", addr(__uk_app_data_start), addr(__uk_app_end),
               (unsigned long)mm::uvm::brk_start(), (unsigned long)app.arg_start,
               (unsigned long)app.arg_end, (unsigned long)app.env_start,
               (unsigned long)app.env_end);
    return 0;
}

long show_statm(Text& out, const Ctx&) {
    MemUse u = mem_use();
    out.printf("%lu %lu %lu %lu 0 %lu 0\n", (unsigned long)(u.size / page),
               (unsigned long)(u.rss_anon + u.rss_file), (unsigned long)u.rss_file,
               (unsigned long)(u.exe / page), (unsigned long)((u.data + u.stack) / page));
    return 0;
}

// The file offset of an image address: from the program header that
// loads it.
uint64_t image_offset(uintptr_t addr) {
    struct Phdr {
        uint32_t type, flags;
        uint64_t offset, vaddr, paddr, filesz, memsz, align;
    };
    static_assert(sizeof(Phdr) == 56, "fixed by the ELF64 format");
    uint64_t phoff, nph;
    __builtin_memcpy(&phoff, __ehdr_start + 32, 8);
    uint16_t n16;
    __builtin_memcpy(&n16, __ehdr_start + 56, 2);
    nph = n16;
    for (uint64_t i = 0; i < nph; i++) {
        Phdr ph;
        __builtin_memcpy(&ph, __ehdr_start + phoff + i * sizeof(Phdr), sizeof ph);
        // The range starts at the page holding the segment's first byte;
        // file offsets and addresses agree modulo the page size.
        uint64_t lo = ph.vaddr & ~(page - 1);
        if (ph.type == 1 && addr >= lo && addr < ph.vaddr + ph.memsz)
            return (ph.offset & ~(page - 1)) + (addr - lo);
    }
    return 0;
}

long show_maps(Text& out, const Ctx&) {
    const uintptr_t main_stack_top = mm::uvm::main_stack().top;
    mm::uvm::space().for_each(0, mm::AddressSpace::user_end, [&](const mm::Vma& v) {
        if (v.kind == mm::VmKind::kernel)
            return;
        // A file's range: the file's device, inode and offset, and its path.
        File* file = v.kind == mm::VmKind::file ? reinterpret_cast<File*>(v.file) : nullptr;
        Attr a{};
        if (file && file->stat(&a) != 0)
            a = Attr{};
        uint64_t offset = 0;
        if (file)
            offset = v.pgoff * page;
        else if (v.kind == mm::VmKind::image)
            offset = image_offset(v.start);
        out.printf("%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ", (unsigned long)v.start,
                   (unsigned long)v.end, (v.prot & mm::vm_read) ? 'r' : '-',
                   (v.prot & mm::vm_write) ? 'w' : '-', (v.prot & mm::vm_exec) ? 'x' : '-',
                   (v.flags & mm::vm_shared) ? 's' : 'p', (unsigned long)offset, dev_major(a.dev),
                   dev_minor(a.dev), (unsigned long)a.ino);
        const char* name = nullptr;
        if (v.kind == mm::VmKind::heap)
            name = "[heap]";
        else if (v.kind == mm::VmKind::stack && v.end == main_stack_top)
            name = "[stack]";
        if (v.kind == mm::VmKind::image || file || name) {
            out.pad_to(72);
            out.putc(' ');
            if (v.kind == mm::VmKind::image)
                exe_path(out);
            else if (file)
                describe(out, file);
            else
                out.puts(name);
        }
        out.putc('\n');
    });
    return 0;
}

long show_cmdline(Text& out, const Ctx&) {
    const boot::AppInfo& app = boot::app_info();
    put_user_range(out, app.arg_start, app.arg_end);
    return 0;
}

long show_environ(Text& out, const Ctx&) {
    const boot::AppInfo& app = boot::app_info();
    put_user_range(out, app.env_start, app.env_end);
    return 0;
}

long show_auxv(Text& out, const Ctx&) {
    const boot::AppInfo& app = boot::app_info();
    out.put(reinterpret_cast<const char*>(app.auxv), app.auxv_words * sizeof(uint64_t));
    return 0;
}

long show_comm(Text& out, const Ctx& c) {
    sched::Thread* t = thread_of(c);
    if (!t)
        return -ESRCH;
    out.printf("%s\n", t->comm);
    return 0;
}

long store_comm(const Ctx& c, const char* data, size_t len) {
    sched::Thread* t = thread_of(c);
    if (!t)
        return -ESRCH;
    // Linux keeps the bytes as written, a newline included, cut to 15.
    size_t n = len < sizeof(t->comm) - 1 ? len : sizeof(t->comm) - 1;
    __builtin_memcpy(t->comm, data, n);
    t->comm[n] = '\0';
    return 0;
}

long show_limits(Text& out, const Ctx&) {
    static const struct {
        const char* name;
        const char* unit;
    } names[posix::rlimit_nlimits] = {
        {"Max cpu time", "seconds"},        {"Max file size", "bytes"},
        {"Max data size", "bytes"},         {"Max stack size", "bytes"},
        {"Max core file size", "bytes"},    {"Max resident set", "bytes"},
        {"Max processes", "processes"},     {"Max open files", "files"},
        {"Max locked memory", "bytes"},     {"Max address space", "bytes"},
        {"Max file locks", "locks"},        {"Max pending signals", "signals"},
        {"Max msgqueue size", "bytes"},     {"Max nice priority", nullptr},
        {"Max realtime priority", nullptr}, {"Max realtime timeout", "us"},
    };
    out.printf("%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
    for (int i = 0; i < posix::rlimit_nlimits; i++) {
        out.printf("%-25s ", names[i].name);
        const uint64_t values[2] = {posix::rlimit_cur(i), posix::rlimit_max(i)};
        for (uint64_t v : values) {
            if (v == posix::rlim_infinity)
                out.printf("%-20s ", "unlimited");
            else
                out.printf("%-20lu ", (unsigned long)v);
        }
        if (names[i].unit)
            out.printf("%-10s\n", names[i].unit);
        else
            out.putc('\n');
    }
    return 0;
}

// Mount options as /proc/mounts shows them.
void mount_options(Text& out, const Mount* m) {
    bool ro = (m->flags & ms_rdonly) || m->fs->readonly;
    out.puts(ro ? "ro" : "rw");
    if (m->flags & ms_nosuid)
        out.puts(",nosuid");
    if (m->flags & ms_nodev)
        out.puts(",nodev");
    if (m->flags & ms_noexec)
        out.puts(",noexec");
    constexpr unsigned long ms_noatime = 1024, ms_strictatime = 1ul << 24;
    if (m->flags & ms_noatime)
        out.puts(",noatime");
    else if (!(m->flags & ms_strictatime))
        out.puts(",relatime");
}

const char* mount_source(const Mount* m) {
    return m->source && *m->source ? m->source : "none";
}

long show_mounts(Text& out, const Ctx&) {
    for (Mount* m = next_mount(nullptr); m; m = next_mount(m)) {
        put_escaped(out, mount_source(m));
        out.putc(' ');
        put_escaped(out, m->target);
        out.printf(" %s ", m->fs->type);
        mount_options(out, m);
        out.puts(" 0 0\n");
    }
    return 0;
}

int mount_id(const Mount* target) {
    int id = 1;
    for (Mount* m = next_mount(nullptr); m; m = next_mount(m), id++)
        if (m == target)
            return id;
    return 0;
}

long show_mountinfo(Text& out, const Ctx&) {
    for (Mount* m = next_mount(nullptr); m; m = next_mount(m)) {
        out.printf("%d %d %u:%u / ", mount_id(m), m->parent ? mount_id(m->parent) : 0,
                   dev_major(m->fs->dev), dev_minor(m->fs->dev));
        put_escaped(out, m->target);
        out.putc(' ');
        mount_options(out, m);
        out.printf(" - %s ", m->fs->type);
        put_escaped(out, mount_source(m));
        out.puts(((m->flags & ms_rdonly) || m->fs->readonly) ? " ro\n" : " rw\n");
    }
    return 0;
}

long show_cgroup(Text& out, const Ctx&) {
    out.puts("0::/\n");
    return 0;
}

// ------------------------------------------------------------ fd links

// The absolute path of loc into out; false when it cannot be told.
bool put_path(Text& out, const Location& loc) {
    char buf[path_max];
    long n = path_of(loc, buf, sizeof buf);
    if (n <= 0)
        return false;
    out.put(buf, size_t(n - 1));
    return true;
}

// The /dev node of character device `rdev`, as /dev/NAME.
bool put_dev_name(Text& out, uint64_t rdev) {
    Location dev;
    if (lookup(at_fdcwd, "/dev", lk_follow | lk_directory, &dev))
        return false;
    struct Sink final : DirSink {
        Node* dir;
        uint64_t want;
        char name[name_max + 1];
        size_t len = 0;
        bool emit(Name n, uint64_t, uint32_t mode, uint64_t) override {
            if ((mode & s_ifmt) != s_ifchr || len)
                return true;
            Node* child = nullptr;
            if (dir->lookup(n, &child))
                return true;
            if (child->rdev == want) {
                __builtin_memcpy(name, n.p, n.n);
                len = n.n;
            }
            child->put();
            return true;
        }
    } sink;
    sink.dir = dev.node;
    sink.want = rdev;
    uint64_t cookie = 0;
    dev.node->readdir(&cookie, sink);
    dev.release();
    if (!sink.len)
        return false;
    out.puts("/dev/");
    out.put(sink.name, sink.len);
    return true;
}

// The path f was opened as (vfs::file_path), or that of another open
// file on the same node that knows it (a reopen through /proc/self/fd/N
// does not).
bool put_file_path(Text& out, File* f) {
    char path[path_max];
    // file_path needs a mount, an origin or (a memfd) a name.
    long n = f->mount || f->dir || f->name ? file_path(f, path, sizeof path) : -ENOENT;
    for (long fd = 0; n < 0 && fd < fd_limit(); fd++) {
        FileRef other(fd);
        if (other && other.get() != f && other->node == f->node && other->dir)
            n = file_path(other.get(), path, sizeof path);
    }
    if (n <= 0)
        return false;
    out.put(path, size_t(n - 1));
    return true;
}

// What /proc/<pid>/fd/N names: the file's path, pipe:[ino], socket:[ino],
// the /dev node of a device opened without one (the console's fds 0-2),
// anon_inode:[...].
void describe(Text& out, File* f) {
    if (f->node && put_file_path(out, f))
        return;
    Attr a;
    if (f->stat(&a) != 0)
        a = Attr{};
    switch (a.mode & s_ifmt) {
    case s_ififo:
        out.printf("pipe:[%lu]", (unsigned long)a.ino);
        return;
    case s_ifsock:
        out.printf("socket:[%lu]", (unsigned long)a.ino);
        return;
    case s_ifchr:
        if (put_dev_name(out, a.rdev))
            return;
        break;
    default:
        break;
    }
    if (f->node && !f->mount)
        out.puts("/memfd: (deleted)"); // memfd_create's files: no name kept
    else
        out.puts("anon_inode:[unknown]");
}

long fd_next(const Ctx&, long from) {
    for (long fd = from < 0 ? 0 : from; fd < fd_limit(); fd++) {
        FileRef f(fd);
        if (f)
            return fd;
    }
    return -1;
}

void fd_bind(Ctx& c, long n) {
    c.num = n;
}

long fd_link(Text& out, const Ctx& c) {
    FileRef f(c.num);
    if (!f)
        return -ENOENT;
    describe(out, f.get());
    return 0;
}

long fd_follow(const Ctx& c, Node** node, Mount** mnt) {
    FileRef f(c.num);
    if (!f)
        return -ENOENT;
    // Files outside any mount (memfd) are left to the link's text: the
    // lookup code expects a mount with every node it walks.
    if (!f->node || !f->mount)
        return -EINVAL;
    f->node->get();
    *node = f->node;
    *mnt = f->mount;
    return 0;
}

// lr-x------, l-wx------ or lrwx------, as the fd was opened.
uint32_t fd_mode(const Ctx& c) {
    FileRef f(c.num);
    uint32_t m = s_iflnk | 0100;
    if (f && f->readable())
        m |= 0400;
    if (f && f->writable())
        m |= 0200;
    return m;
}

long show_fdinfo(Text& out, const Ctx& c) {
    FileRef f(c.num);
    if (!f)
        return -ENOENT;
    Attr a;
    if (f->stat(&a) != 0)
        a = Attr{};
    out.printf("pos:\t%lu\nflags:\t", (unsigned long)f->pos);
    out.putc('0');
    out.octal(f->flags | (fd_cloexec(c.num) == 1 ? o_cloexec : 0), 1);
    out.printf("\nmnt_id:\t%d\nino:\t%lu\n", f->mount ? mount_id(f->mount) : 0,
               (unsigned long)a.ino);
    return 0;
}

long cwd_link(Text& out, const Ctx&) {
    Location here = cwd();
    bool ok = put_path(out, here);
    here.release();
    return ok ? 0 : -ENOENT;
}

long cwd_follow(const Ctx&, Node** node, Mount** mnt) {
    Location here = cwd();
    *node = here.node;
    *mnt = here.mount;
    return 0;
}

long root_link(Text& out, const Ctx&) {
    out.putc('/');
    return 0;
}

long root_follow(const Ctx&, Node** node, Mount** mnt) {
    Mount* m = root_mount();
    m->fs->root->get();
    *node = m->fs->root;
    *mnt = m;
    return 0;
}

long exe_link(Text& out, const Ctx&) {
    exe_path(out);
    return 0;
}

// ------------------------------------------------------------ tables

const Entry fd_entry{
    .name = "fd", .mode = 0, .link = fd_link, .follow = fd_follow, .mode_of = fd_mode};
const Entry fdinfo_entry{.name = "fdinfo", .mode = file_r, .show = show_fdinfo};
const Dir fd_dir{nullptr, 0, &fd_entry, fd_next, fd_bind};
const Dir fdinfo_dir{nullptr, 0, &fdinfo_entry, fd_next, fd_bind};

// What the process's directory (/proc/<pid>/) holds: "task", then what a
// thread's directory (/proc/<pid>/task/<tid>/) holds, which is the rest.
extern const Entry pid_entries[18];
constexpr size_t npid_entries = sizeof(pid_entries) / sizeof(pid_entries[0]);

long tid_next(const Ctx&, long from) {
    long best = -1;
    for (sched::Thread* t = sched::next_thread(nullptr); t; t = sched::next_thread(t))
        if (t->tid >= from && (best < 0 || t->tid < best))
            best = t->tid;
    return best;
}

void tid_bind(Ctx& c, long n) {
    c.tid = int32_t(n);
}

const Dir task_dir_contents{pid_entries + 1, npid_entries - 1, nullptr, nullptr, nullptr};
const Entry task_entry{.name = "task", .mode = dir_r, .dir = &task_dir_contents};
const Dir task_dir{nullptr, 0, &task_entry, tid_next, tid_bind};

const Entry pid_entries[18] = {
    {.name = "task", .mode = dir_r, .dir = &task_dir},
    {.name = "fd", .mode = s_ifdir | 0500, .dir = &fd_dir},
    {.name = "fdinfo", .mode = dir_r, .dir = &fdinfo_dir},
    {.name = "environ", .mode = file_owner, .show = show_environ},
    {.name = "auxv", .mode = file_owner, .show = show_auxv},
    {.name = "status", .mode = file_r, .show = show_status},
    {.name = "limits", .mode = file_r, .show = show_limits},
    {.name = "comm", .mode = file_rw, .show = show_comm, .store = store_comm},
    {.name = "cmdline", .mode = file_r, .show = show_cmdline},
    {.name = "stat", .mode = file_r, .show = show_stat},
    {.name = "statm", .mode = file_r, .show = show_statm},
    {.name = "maps", .mode = file_r, .show = show_maps},
    {.name = "cwd", .mode = link_mode, .link = cwd_link, .follow = cwd_follow},
    {.name = "root", .mode = link_mode, .link = root_link, .follow = root_follow},
    {.name = "exe", .mode = link_mode, .link = exe_link},
    {.name = "mounts", .mode = file_r, .show = show_mounts},
    {.name = "mountinfo", .mode = file_r, .show = show_mountinfo},
    {.name = "cgroup", .mode = file_r, .show = show_cgroup},
};

const Dir pid_dir_contents{pid_entries, npid_entries, nullptr, nullptr, nullptr};
const Entry pid_entry{.name = "pid", .mode = dir_r, .dir = &pid_dir_contents};

long pid_next(const Ctx&, long from) {
    return from <= self_pid ? self_pid : -1;
}

void pid_bind(Ctx& c, long n) {
    c.pid = int32_t(n);
}

// ------------------------------------------------------------ /proc/

long self_link(Text& out, const Ctx&) {
    out.printf("%d", self_pid);
    return 0;
}

long thread_self_link(Text& out, const Ctx&) {
    out.printf("%d/task/%d", self_pid, sched::current()->tid);
    return 0;
}

long mounts_link(Text& out, const Ctx&) {
    out.puts("self/mounts");
    return 0;
}

arch::CpuidResult cpuid_regs(uint32_t leaf, uint32_t subleaf) {
    return arch::cpuid(leaf, subleaf);
}

cpuinfo::Regs cpuid_fn(uint32_t leaf, uint32_t subleaf) {
    arch::CpuidResult r = cpuid_regs(leaf, subleaf);
    return cpuinfo::Regs{r.eax, r.ebx, r.ecx, r.edx};
}

long show_cpuinfo(Text& out, const Ctx&) {
    cpuinfo::Facts f{cpuid_fn, arch::tsc_hz() / 1000, arch::g_cpu.xcr0 ? arch::g_cpu.xcr0 : 3, 1};
    cpuinfo::write(out, f, 0);
    return 0;
}

// Pages the in-memory file systems hold (Cached and Shmem: tmpfs's
// pages count as both on Linux).
uint64_t ramfs_pages() {
    uint64_t pages = 0;
    for (Mount* m = next_mount(nullptr); m; m = next_mount(m)) {
        if (!ramfs::is_ramfs(m->fs))
            continue;
        pages += ramfs::used_pages(m->fs);
    }
    return pages;
}

long show_meminfo(Text& out, const Ctx&) {
    const uint64_t kb = page / 1024;
    uint64_t total = mm::total_page_count() * kb;
    uint64_t free = mm::free_page_count() * kb;
    uint64_t cached = ramfs_pages() * kb;
    MemUse u = mem_use();
    uint64_t anon = u.rss_anon * kb, mapped = u.rss_file * kb;
    uint64_t kstacks = sched::thread_count() * (mm::kstack_size / 1024);
    auto line = [&](const char* name, uint64_t v) {
        out.printf("%-16s%8lu kB\n", name, (unsigned long)v);
    };
    line("MemTotal:", total);
    line("MemFree:", free);
    line("MemAvailable:", free);
    line("Buffers:", 0);
    line("Cached:", cached);
    line("SwapCached:", 0);
    line("Active:", anon + mapped);
    line("Inactive:", cached);
    line("Active(anon):", anon);
    line("Inactive(anon):", cached);
    line("Active(file):", mapped);
    line("Inactive(file):", 0);
    line("Unevictable:", u.locked / 1024);
    line("Mlocked:", u.locked / 1024);
    line("SwapTotal:", 0);
    line("SwapFree:", 0);
    line("Dirty:", 0);
    line("Writeback:", 0);
    line("AnonPages:", anon);
    line("Mapped:", mapped);
    line("Shmem:", cached);
    line("KReclaimable:", 0);
    line("Slab:", 0);
    line("SReclaimable:", 0);
    line("SUnreclaim:", 0);
    line("KernelStack:", kstacks);
    line("PageTables:", 0);
    line("NFS_Unstable:", 0);
    line("Bounce:", 0);
    line("WritebackTmp:", 0);
    line("CommitLimit:", total / 2);
    line("Committed_AS:", u.committed / 1024);
    line("VmallocTotal:", 34359738367);
    line("VmallocUsed:", 0);
    line("VmallocChunk:", 0);
    line("Percpu:", 0);
    line("AnonHugePages:", 0);
    line("ShmemHugePages:", 0);
    line("ShmemPmdMapped:", 0);
    line("FileHugePages:", 0);
    line("FilePmdMapped:", 0);
    out.puts("HugePages_Total:       0\nHugePages_Free:        0\nHugePages_Rsvd:        0\n"
             "HugePages_Surp:        0\n");
    line("Hugepagesize:", 2048);
    line("Hugetlb:", 0);
    return 0;
}

uint64_t idle_ns(uint64_t up) {
    uint64_t busy = sched::process_cpu_ns();
    return busy < up ? up - busy : 0;
}

long show_uptime(Text& out, const Ctx&) {
    uint64_t up = arch::monotonic_ns();
    uint64_t idle = idle_ns(up);
    out.printf("%lu.%02lu %lu.%02lu\n", (unsigned long)(up / 1000000000),
               (unsigned long)(up / 10000000 % 100), (unsigned long)(idle / 1000000000),
               (unsigned long)(idle / 10000000 % 100));
    return 0;
}

long show_stat_all(Text& out, const Ctx&) {
    uint64_t up = arch::monotonic_ns();
    uint64_t user = ticks(sched::process_cpu_ns()), idle = ticks(idle_ns(up));
    out.printf("cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", (unsigned long)user, (unsigned long)idle);
    out.printf("cpu0 %lu 0 0 %lu 0 0 0 0 0 0\n", (unsigned long)user, (unsigned long)idle);
    out.puts("intr 0\nctxt 0\n");
    out.printf("btime %lu\n", (unsigned long)(arch::boot_epoch_ns() / 1000000000));
    out.printf("processes %lu\n", (unsigned long)last_tid());
    out.printf("procs_running %lu\nprocs_blocked 0\n", (unsigned long)running_threads());
    out.puts("softirq 0 0 0 0 0 0 0 0 0 0 0\n");
    return 0;
}

long show_loadavg(Text& out, const Ctx&) {
    out.printf("0.00 0.00 0.00 %lu/%lu %d\n", (unsigned long)running_threads(),
               (unsigned long)sched::thread_count(), last_tid());
    return 0;
}

long show_version(Text& out, const Ctx&) {
    out.printf("%s version %s (libunikraft@libunikraft) (libunikraft) %s\n", posix::uts_sysname,
               posix::uts_release, posix::uts_version);
    return 0;
}

long show_filesystems(Text& out, const Ctx&) {
    for (const FsType* t = __uk_fstypes_start; t < __uk_fstypes_end; t++)
        out.printf("nodev\t%s\n", t->name);
    return 0;
}

// /proc/sys: values, one a file.
template <const char* Text_> long show_text(Text& out, const Ctx&) {
    out.printf("%s\n", Text_);
    return 0;
}

long show_threads_max(Text& out, const Ctx&) {
    out.printf("%lu\n", (unsigned long)sched::max_threads());
    return 0;
}

// A version 4 UUID's text.
void put_uuid(Text& out, const uint8_t (&b)[16]) {
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out.putc('-');
        out.printf("%02x", b[i]);
    }
    out.putc('\n');
}

void random_uuid(uint8_t (&b)[16]) {
    posix::random_fill(b, sizeof b);
    b[6] = uint8_t((b[6] & 0x0f) | 0x40);
    b[8] = uint8_t((b[8] & 0x3f) | 0x80);
}

long show_boot_id(Text& out, const Ctx&) {
    static constinit uint8_t id[16]{};
    static constinit bool made = false;
    if (!made) {
        random_uuid(id);
        made = true;
    }
    put_uuid(out, id);
    return 0;
}

long show_uuid(Text& out, const Ctx&) {
    uint8_t id[16];
    random_uuid(id);
    put_uuid(out, id);
    return 0;
}

constexpr char text_linux[] = "Linux", text_pid_max[] = "32768", text_zero[] = "0",
               text_50[] = "50", text_map_count[] = "65530", text_mmap_min[] = "65536",
               text_nr_open[] = "1048576", text_file_max[] = "9223372036854775807",
               text_256[] = "256", text_ngroups[] = "65536", text_cap_last[] = "40",
               text_overflow[] = "65534", text_somaxconn[] = "4096";

const Entry sys_kernel_random[] = {
    {.name = "boot_id", .mode = file_r, .show = show_boot_id},
    {.name = "entropy_avail", .mode = file_r, .show = show_text<text_256>},
    {.name = "poolsize", .mode = file_r, .show = show_text<text_256>},
    {.name = "uuid", .mode = file_r, .show = show_uuid},
};
const Dir sys_kernel_random_dir{sys_kernel_random, 4, nullptr, nullptr, nullptr};

const Entry sys_kernel[] = {
    {.name = "cap_last_cap", .mode = file_r, .show = show_text<text_cap_last>},
    {.name = "domainname", .mode = file_rw, .show = show_text<posix::uts_domainname>},
    {.name = "hostname", .mode = file_rw, .show = show_text<posix::uts_nodename>},
    {.name = "ngroups_max", .mode = file_r, .show = show_text<text_ngroups>},
    {.name = "osrelease", .mode = file_r, .show = show_text<posix::uts_release>},
    {.name = "ostype", .mode = file_r, .show = show_text<text_linux>},
    {.name = "overflowgid", .mode = file_rw, .show = show_text<text_overflow>},
    {.name = "overflowuid", .mode = file_rw, .show = show_text<text_overflow>},
    {.name = "pid_max", .mode = file_rw, .show = show_text<text_pid_max>},
    {.name = "random", .mode = dir_r, .dir = &sys_kernel_random_dir},
    {.name = "threads-max", .mode = file_rw, .show = show_threads_max},
    {.name = "version", .mode = file_r, .show = show_text<posix::uts_version>},
};
const Dir sys_kernel_dir{sys_kernel, sizeof(sys_kernel) / sizeof(sys_kernel[0]), nullptr, nullptr,
                         nullptr};

const Entry sys_vm[] = {
    {.name = "max_map_count", .mode = file_rw, .show = show_text<text_map_count>},
    {.name = "mmap_min_addr", .mode = file_rw, .show = show_text<text_mmap_min>},
    {.name = "overcommit_memory", .mode = file_rw, .show = show_text<text_zero>},
    {.name = "overcommit_ratio", .mode = file_rw, .show = show_text<text_50>},
};
const Dir sys_vm_dir{sys_vm, 4, nullptr, nullptr, nullptr};

const Entry sys_fs[] = {
    {.name = "file-max", .mode = file_rw, .show = show_text<text_file_max>},
    {.name = "nr_open", .mode = file_rw, .show = show_text<text_nr_open>},
    {.name = "pipe-max-size", .mode = file_rw, .show = show_text<text_nr_open>},
};
const Dir sys_fs_dir{sys_fs, 3, nullptr, nullptr, nullptr};

const Entry sys_net_core[] = {
    {.name = "somaxconn", .mode = file_rw, .show = show_text<text_somaxconn>},
};
const Dir sys_net_core_dir{sys_net_core, 1, nullptr, nullptr, nullptr};
const Entry sys_net[] = {{.name = "core", .mode = dir_r, .dir = &sys_net_core_dir}};
const Dir sys_net_dir{sys_net, 1, nullptr, nullptr, nullptr};

const Entry sys_entries[] = {
    {.name = "fs", .mode = dir_r, .dir = &sys_fs_dir},
    {.name = "kernel", .mode = dir_r, .dir = &sys_kernel_dir},
    {.name = "net", .mode = dir_r, .dir = &sys_net_dir},
    {.name = "vm", .mode = dir_r, .dir = &sys_vm_dir},
};
const Dir sys_dir{sys_entries, 4, nullptr, nullptr, nullptr};

const Entry root_entries[] = {
    {.name = "cpuinfo", .mode = file_r, .show = show_cpuinfo},
    {.name = "filesystems", .mode = file_r, .show = show_filesystems},
    {.name = "loadavg", .mode = file_r, .show = show_loadavg},
    {.name = "meminfo", .mode = file_r, .show = show_meminfo},
    {.name = "mounts", .mode = link_mode, .link = mounts_link},
    {.name = "self", .mode = link_mode, .link = self_link},
    {.name = "stat", .mode = file_r, .show = show_stat_all},
    {.name = "sys", .mode = dir_r, .dir = &sys_dir},
    {.name = "thread-self", .mode = link_mode, .link = thread_self_link},
    {.name = "uptime", .mode = file_r, .show = show_uptime},
    {.name = "version", .mode = file_r, .show = show_version},
};
const Dir root_dir{root_entries, sizeof(root_entries) / sizeof(root_entries[0]), &pid_entry,
                   pid_next, pid_bind};
const Entry root_entry{.name = "", .mode = dir_r, .dir = &root_dir};

long mount_proc(const MountArgs&, FileSystem** out) {
    return pseudo::make(&root_entry, "proc", proc_super_magic, out);
}

} // namespace

} // namespace uk::vfs::procfs

UK_FS_TYPE(proc, "proc", uk::vfs::procfs::mount_proc);
