#include "vfs_host.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "mm/mm.h"
#include "mm/user.h"
#include "posix/limits.h"
#include "vfs/fd.h"
#include "vfs/lock.h"
#include "vfs/ramfs.h"
#include "vfs/vfs.h"

// The linker-section tables the kernel's linker script builds.
namespace uk::vfs::ramfs {
long make_tmpfs(const MountArgs& args, FileSystem** out);
}
// One array, its start and end named as the linker script names them.
extern "C" const uk::vfs::FsType vfs_host_fstypes[2] = {{"ramfs", uk::vfs::ramfs::make},
                                                        {"tmpfs", uk::vfs::ramfs::make_tmpfs}};
static_assert(sizeof(uk::vfs::FsType) == 16);
asm(".globl __uk_fstypes_start\n.set __uk_fstypes_start, vfs_host_fstypes\n"
    ".globl __uk_fstypes_end\n.set __uk_fstypes_end, vfs_host_fstypes + 32\n"
    ".globl __uk_chardevs_start\n.set __uk_chardevs_start, vfs_host_fstypes\n"
    ".globl __uk_chardevs_end\n.set __uk_chardevs_end, vfs_host_fstypes\n");
extern "C" char __uk_kernel_end[1], __uk_image_start[1], __uk_image_end[1], __uk_app_end[1];
char __uk_kernel_end[1], __uk_image_start[1], __uk_image_end[1], __uk_app_end[1];

extern "C" int uk_printk(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = std::vfprintf(stderr, fmt, ap);
    va_end(ap);
    return n;
}

namespace {
size_t g_total = 1 << 16, g_used = 0;
} // namespace

namespace uk {

void* kheap_alloc(size_t size, size_t align) {
    return std::aligned_alloc(align, (size + align - 1) & ~(align - 1));
}
void kheap_free(void* p) {
    std::free(p);
}
[[noreturn]] void panic_status(int status, const char* msg) {
    std::fprintf(stderr, "panic %d: %s\n", status, msg);
    std::abort();
}

namespace mm {
void* alloc_pages(size_t n, size_t, Fill fill) {
    if (g_used + n > g_total)
        return nullptr;
    void* p = std::aligned_alloc(4096, n * 4096);
    if (p && fill == Fill::zero)
        std::memset(p, 0, n * 4096);
    if (p)
        g_used += n;
    return p;
}
void free_pages(void* p, size_t n) {
    std::free(p);
    g_used -= n;
}
size_t free_page_count() {
    return g_total - g_used;
}
size_t total_page_count() {
    return g_total;
}
size_t copy_user_partial(bool to_user, uintptr_t uaddr, void* kbuf, size_t len) {
    if (to_user)
        std::memcpy(reinterpret_cast<void*>(uaddr), kbuf, len);
    else
        std::memcpy(kbuf, reinterpret_cast<const void*>(uaddr), len);
    return len;
}
long copy_to_user(uintptr_t dst, const void* src, size_t len) {
    std::memcpy(reinterpret_cast<void*>(dst), src, len);
    return 0;
}
long copy_from_user(void* dst, uintptr_t src, size_t len) {
    std::memcpy(dst, reinterpret_cast<const void*>(src), len);
    return 0;
}
long read_user_string(UserPtr<const char> src, char* buf, size_t cap) {
    const char* s = reinterpret_cast<const char*>(src.addr());
    size_t n = strnlen(s, cap);
    if (n == cap)
        return -ENAMETOOLONG;
    std::memcpy(buf, s, n + 1);
    return long(n);
}
} // namespace mm

namespace arch {
uint64_t monotonic_ns() {
    static uint64_t t = 0;
    return t += 1000;
}
int64_t boot_epoch_ns() {
    return 1700000000LL * 1000000000LL;
}
} // namespace arch

namespace posix {
uint64_t rlimit_cur(int) {
    return 1024;
}
} // namespace posix

namespace drivers {
long console_open(uint32_t, vfs::File** out) {
    struct Console final : vfs::File {};
    *out = vfs::make<Console>();
    return 0;
}
bool console_fd_is_tty(int) {
    return true;
}
long console_open_stream(int fd, vfs::File** out) {
    return console_open(fd ? vfs::o_wronly : vfs::o_rdonly, out);
}
} // namespace drivers

namespace vfs {
void release_posix_locks(Node*) {}
void release_locks(File*) {}
} // namespace vfs

} // namespace uk

namespace vfs_host {

void boot() {
    static bool done = false;
    if (!done) {
        uk::vfs::init();
        done = true;
    }
}

size_t free_pages() {
    return g_total - g_used;
}

void set_pages(size_t total) {
    g_total = total;
}

} // namespace vfs_host
