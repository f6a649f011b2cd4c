#include "qemu_process.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ukrun {

namespace {

// How long a child gets to end after SIGTERM before it gets SIGKILL.
constexpr std::uint64_t kill_grace_ms = 1000;

std::uint64_t now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000 +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1000000;
}

int to_private_fd(int fd) {
    if (fd < 0 || fd >= first_private_fd)
        return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, first_private_fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return moved;
}

// Everything the vfork child touches is prepared by the parent; the child
// only makes system calls, so sharing the parent's memory is safe.
struct ChildPlan {
    char const* path;
    char* const* argv;
    FdMapping const* fds;
    std::size_t fd_count;
    sigset_t const* mask;
    pid_t parent;
    int volatile* exec_errno;
};

[[noreturn]] __attribute__((noinline)) void exec_child(ChildPlan const* plan) {
    sigprocmask(SIG_SETMASK, plan->mask, nullptr);
    // QEMU must not outlive ukrun, even when ukrun is killed with SIGKILL.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != plan->parent)
        _exit(127);
    for (std::size_t i = 0; i < plan->fd_count; i++) {
        FdMapping const& m = plan->fds[i];
        if (m.source != m.target && dup2(m.source, m.target) < 0) {
            *plan->exec_errno = errno;
            _exit(127);
        }
    }
    execv(plan->path, plan->argv);
    *plan->exec_errno = errno;
    _exit(127);
}

QemuEnd end_of(int wait_status) {
    if (WIFSIGNALED(wait_status))
        return {QemuEnd::Kind::Signaled, WTERMSIG(wait_status)};
    return {QemuEnd::Kind::Exited, WEXITSTATUS(wait_status)};
}

// Waits for a SIGCHLD from `pid` until `deadline` (0: forever). Returns the
// wait status, or -1 on reaching the deadline, or -2 - signal when one of
// the stop signals arrives first.
int wait_child(pid_t pid, sigset_t const& set, std::uint64_t deadline) {
    for (;;) {
        int status;
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            return status;
        if (done < 0 && errno != EINTR)
            return 0;

        siginfo_t info;
        int sig;
        if (deadline == 0) {
            sig = sigwaitinfo(&set, &info);
        } else {
            std::uint64_t now = now_ms();
            if (now >= deadline)
                return -1;
            std::uint64_t left = deadline - now;
            timespec ts{static_cast<time_t>(left / 1000), static_cast<long>(left % 1000) * 1000000};
            sig = sigtimedwait(&set, &info, &ts);
        }
        if (sig < 0) {
            if (errno == EAGAIN && deadline != 0 && now_ms() >= deadline)
                return -1;
            continue;
        }
        if (sig != SIGCHLD)
            return -2 - sig;
    }
}

// Stops the child: SIGTERM (QEMU then restores what it changed on its
// descriptors), SIGKILL if it lingers. Reaps it either way.
void stop_child(pid_t pid, sigset_t const& set) {
    kill(pid, SIGTERM);
    int status = wait_child(pid, set, now_ms() + kill_grace_ms);
    while (status < -1)
        status = wait_child(pid, set, now_ms() + kill_grace_ms);
    if (status == -1) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

} // namespace

Parsed<QemuEnd> run_process(std::vector<std::string> const& argv, std::vector<FdMapping> const& fds,
                            std::uint64_t timeout_ms) {
    std::vector<char*> cargv;
    cargv.reserve(argv.size() + 1);
    for (auto const& arg : argv)
        cargv.push_back(const_cast<char*>(arg.c_str()));
    cargv.push_back(nullptr);

    sigset_t set;
    sigset_t old_mask;
    sigemptyset(&set);
    for (int sig : {SIGCHLD, SIGINT, SIGTERM, SIGHUP})
        sigaddset(&set, sig);
    sigprocmask(SIG_BLOCK, &set, &old_mask);

    int volatile exec_errno = 0;
    ChildPlan plan{argv[0].c_str(), cargv.data(), fds.data(), fds.size(),
                   &old_mask,       getpid(),     &exec_errno};
    pid_t pid = vfork();
    if (pid == 0)
        exec_child(&plan);

    if (pid < 0 || exec_errno != 0) {
        int error = pid < 0 ? errno : exec_errno;
        if (pid > 0)
            while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
            }
        sigprocmask(SIG_SETMASK, &old_mask, nullptr);
        return Parsed<QemuEnd>::fail("cannot run " + argv[0] + ": " + std::strerror(error));
    }

    std::uint64_t deadline = timeout_ms ? now_ms() + timeout_ms : 0;
    int status = wait_child(pid, set, deadline);
    QemuEnd end;
    if (status == -1) {
        stop_child(pid, set);
        end = {QemuEnd::Kind::TimedOut, 0};
    } else if (status < -1) {
        stop_child(pid, set);
        end = {QemuEnd::Kind::Interrupted, -2 - status};
    } else {
        end = end_of(status);
    }
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    return Parsed<QemuEnd>::ok(end);
}

int make_memfd(char const* name) {
    return to_private_fd(memfd_create(name, MFD_CLOEXEC));
}

bool make_socketpair(int fds[2]) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        return false;
    fds[1] = to_private_fd(fds[1]);
    if (fds[1] < 0) {
        int saved = errno;
        close(fds[0]);
        errno = saved;
        return false;
    }
    return true;
}

int open_dev_null() {
    return to_private_fd(open("/dev/null", O_RDWR | O_CLOEXEC));
}

bool write_file_fd(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::string read_file_fd(int fd, std::size_t limit) {
    std::string data;
    char buf[4096];
    off_t offset = 0;
    while (data.size() < limit) {
        ssize_t n = pread(fd, buf, sizeof buf, offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        data.append(buf, static_cast<std::size_t>(n));
        offset += n;
    }
    if (data.size() > limit)
        data.resize(limit);
    return data;
}

std::string find_program(std::string const& name) {
    if (name.find('/') != std::string::npos)
        return name;
    char const* path = std::getenv("PATH");
    std::string_view dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
    while (true) {
        auto colon = dirs.find(':');
        std::string_view dir = dirs.substr(0, colon);
        std::string candidate = std::string(dir.empty() ? "." : dir) + "/" + name;
        struct stat st;
        if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            access(candidate.c_str(), X_OK) == 0)
            return candidate;
        if (colon == std::string_view::npos)
            break;
        dirs.remove_prefix(colon + 1);
    }
    return {};
}

} // namespace ukrun
