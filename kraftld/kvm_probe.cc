#include "kvm_probe.h"

#include "qemu_cmdline.h"
#include "qemu_process.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

// The probe guest's bytes, from kraftld/kvm_probe_blob.S.
extern "C" char const ukrun_kvm_probe_start[];
extern "C" char const ukrun_kvm_probe_end[];

namespace ukrun {

namespace {

// A healthy KVM boots the probe in tens of milliseconds; a broken one hangs
// or crawls, and this bounds what that costs (once per host configuration).
constexpr std::uint64_t probe_timeout_ms = 2000;

// The probe leaves through isa-debug-exit with 0x21: QEMU exits (0x21 << 1) | 1.
constexpr int probe_exit_code = 0x43;

std::string cache_path() {
    std::string dir;
    if (char const* xdg = std::getenv("XDG_CACHE_HOME"); xdg && xdg[0] == '/')
        dir = xdg;
    else if (char const* home = std::getenv("HOME"); home && home[0] == '/')
        dir = std::string(home) + "/.cache";
    else
        return {};
    return dir + "/ukrun/kvm-probe";
}

std::optional<std::string> current_key(std::string const& qemu_path) {
    struct utsname uts;
    struct stat kvm;
    struct stat qemu;
    if (uname(&uts) != 0 || stat("/dev/kvm", &kvm) != 0 || stat(qemu_path.c_str(), &qemu) != 0)
        return std::nullopt;
    return kvm_probe_cache_key(uts.release, kvm.st_rdev, kvm.st_ino, qemu_path,
                               static_cast<unsigned long long>(qemu.st_size), qemu.st_mtim.tv_sec,
                               qemu.st_mtim.tv_nsec);
}

std::optional<KvmVerdict> read_cache(std::string const& path, std::string const& key) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    std::string content = read_file_fd(fd, 4096);
    close(fd);
    return parse_probe_cache(content, key);
}

void make_dirs(std::string const& path) {
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1))
        mkdir(path.substr(0, slash).c_str(), 0755);
}

// Writes the cache through a temporary file and a rename, so that a
// concurrent ukrun reads either the old verdict or the new one. A cache
// that cannot be written only means the probe runs again next time.
void write_cache(std::string const& path, std::string const& content) {
    make_dirs(path);
    std::string tmp = path + "." + std::to_string(getpid());
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp.c_str(), path.c_str()) != 0)
        unlink(tmp.c_str());
}

bool write_all(int fd, char const* data, std::size_t size) {
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// Boots the probe guest once under KVM with `cpu`.
bool probe_runs(std::string const& qemu_path, char const* cpu) {
    int image = make_memfd("ukrun-kvm-probe");
    int debugcon = make_memfd("ukrun-kvm-probe-debugcon");
    int null = open_dev_null();
    bool ok = false;
    if (image >= 0 && debugcon >= 0 && null >= 0 &&
        write_all(image, ukrun_kvm_probe_start,
                  static_cast<std::size_t>(ukrun_kvm_probe_end - ukrun_kvm_probe_start))) {
        QemuConfig config;
        config.qemu = qemu_path;
        config.kvm = true;
        config.cpu = cpu;
        config.mem_bytes = 16ull << 20;
        config.kernel = qemu_fd_path(qemu_kernel_fd);
        config.serial_stdio = false;
        config.console = false;
        auto end = run_process(build_qemu_argv(config),
                               {{0, null},
                                {1, null},
                                {2, null},
                                {qemu_debugcon_fd, debugcon},
                                {qemu_kernel_fd, image}},
                               probe_timeout_ms);
        std::string reported = read_file_fd(debugcon, 64);
        ok = end && end.value->kind == QemuEnd::Kind::Exited &&
             end.value->code == probe_exit_code && !reported.empty() && reported.back() == 'K';
    }
    for (int fd : {image, debugcon, null}) {
        if (fd >= 0)
            close(fd);
    }
    return ok;
}

KvmVerdict run_probe(std::string const& qemu_path) {
    // QEMU aborts where KVM rejects a CPU model's MSRs; an expected failure
    // should not leave core dumps behind.
    struct rlimit saved;
    bool limited = getrlimit(RLIMIT_CORE, &saved) == 0;
    if (limited) {
        struct rlimit none = {0, saved.rlim_max};
        setrlimit(RLIMIT_CORE, &none);
    }
    KvmVerdict found = KvmVerdict::Unusable;
    for (auto verdict : {KvmVerdict::CpuHost, KvmVerdict::CpuMax, KvmVerdict::CpuDefault}) {
        if (probe_runs(qemu_path, verdict_cpu(verdict))) {
            found = verdict;
            break;
        }
    }
    if (limited)
        setrlimit(RLIMIT_CORE, &saved);
    return found;
}

} // namespace

Parsed<AccelChoice> choose_accel(Accel requested, std::string const& qemu_path) {
    if (requested == Accel::Tcg)
        return Parsed<AccelChoice>::ok({false, "max", "tcg (requested)"});

    bool kvm_usable = access("/dev/kvm", R_OK | W_OK) == 0;
    if (!kvm_usable) {
        std::string why = std::string("/dev/kvm: ") + std::strerror(errno);
        if (requested == Accel::Kvm)
            return Parsed<AccelChoice>::fail("--accel kvm: " + why);
        return Parsed<AccelChoice>::ok({false, "max", "tcg (" + why + ")"});
    }

    std::optional<KvmVerdict> verdict;
    std::string source = "cached";
    auto key = current_key(qemu_path);
    std::string path = cache_path();
    if (key && !path.empty())
        verdict = read_cache(path, *key);
    if (!verdict) {
        verdict = run_probe(qemu_path);
        source = "probed now";
        if (key && !path.empty())
            write_cache(path, format_probe_cache(*key, *verdict));
    }

    std::string reason = "kvm probe: " + std::string(verdict_name(*verdict)) + ", " + source;
    if (requested == Accel::Kvm)
        return Parsed<AccelChoice>::ok(
            {true, verdict_cpu(*verdict), "kvm (requested; " + reason + ")"});
    if (*verdict == KvmVerdict::Unusable)
        return Parsed<AccelChoice>::ok({false, "max", "tcg (" + reason + ")"});
    return Parsed<AccelChoice>::ok({true, verdict_cpu(*verdict), "kvm (" + reason + ")"});
}

} // namespace ukrun
