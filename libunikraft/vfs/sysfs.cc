// sysfs: the few /sys files runtimes read to size themselves: the CPUs
// (libcs' get_nprocs and sysconf(_SC_NPROCESSORS_ONLN) read
// devices/system/cpu/online) and the huge page size (Go, the JVM).
#include "vfs/pseudofs.h"

namespace uk::vfs::sysfs {

namespace {

using pseudo::Ctx;
using pseudo::Dir;
using pseudo::Entry;

constexpr uint64_t sysfs_magic = 0x62656572;
constexpr uint32_t dir_r = s_ifdir | 0755, file_r = s_ifreg | 0444, file_rw = s_ifreg | 0644;

template <const char* Value> long show(Text& out, const Ctx&) {
    out.puts(Value);
    return 0;
}

// One CPU, number 0.
constexpr char cpus[] = "0\n", no_cpus[] = "\n", kernel_max[] = "0\n";
// No transparent huge pages: the kernel maps 4 KiB pages (Linux's
// brackets mark the mode in force).
constexpr char thp_enabled[] = "always madvise [never]\n",
               thp_defrag[] = "always defer defer+madvise madvise [never]\n",
               pmd_size[] = "2097152\n";

const Dir empty_dir{nullptr, 0, nullptr, nullptr, nullptr};

const Entry cpu_entries[] = {
    {.name = "cpu0", .mode = dir_r, .dir = &empty_dir},
    {.name = "kernel_max", .mode = file_r, .show = show<kernel_max>},
    {.name = "offline", .mode = file_r, .show = show<no_cpus>},
    {.name = "online", .mode = file_r, .show = show<cpus>},
    {.name = "possible", .mode = file_r, .show = show<cpus>},
    {.name = "present", .mode = file_r, .show = show<cpus>},
};
const Dir cpu_dir{cpu_entries, sizeof(cpu_entries) / sizeof(cpu_entries[0]), nullptr, nullptr,
                  nullptr};
const Entry system_entries[] = {{.name = "cpu", .mode = dir_r, .dir = &cpu_dir}};
const Dir system_dir{system_entries, 1, nullptr, nullptr, nullptr};
const Entry devices_entries[] = {{.name = "system", .mode = dir_r, .dir = &system_dir}};
const Dir devices_dir{devices_entries, 1, nullptr, nullptr, nullptr};

const Entry thp_entries[] = {
    {.name = "defrag", .mode = file_rw, .show = show<thp_defrag>},
    {.name = "enabled", .mode = file_rw, .show = show<thp_enabled>},
    {.name = "hpage_pmd_size", .mode = file_r, .show = show<pmd_size>},
};
const Dir thp_dir{thp_entries, 3, nullptr, nullptr, nullptr};
const Entry mm_entries[] = {
    {.name = "transparent_hugepage", .mode = dir_r, .dir = &thp_dir},
};
const Dir mm_dir{mm_entries, 1, nullptr, nullptr, nullptr};
const Entry kernel_entries[] = {{.name = "mm", .mode = dir_r, .dir = &mm_dir}};
const Dir kernel_dir{kernel_entries, 1, nullptr, nullptr, nullptr};

const Entry fs_entries[] = {{.name = "cgroup", .mode = dir_r, .dir = &empty_dir}};
const Dir fs_dir{fs_entries, 1, nullptr, nullptr, nullptr};

const Entry root_entries[] = {
    {.name = "devices", .mode = dir_r, .dir = &devices_dir},
    {.name = "fs", .mode = dir_r, .dir = &fs_dir},
    {.name = "kernel", .mode = dir_r, .dir = &kernel_dir},
};
const Dir root_dir{root_entries, 3, nullptr, nullptr, nullptr};
const Entry root_entry{.name = "", .mode = dir_r, .dir = &root_dir};

long mount_sysfs(const MountArgs&, FileSystem** out) {
    return pseudo::make(&root_entry, "sysfs", sysfs_magic, out);
}

} // namespace

} // namespace uk::vfs::sysfs

UK_FS_TYPE(sysfs, "sysfs", uk::vfs::sysfs::mount_sysfs);
