#include "console_relay.h"

#include "drivers/console_input.h"

#include <cerrno>
#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

namespace ukrun {

namespace console = uk::drivers::console;

namespace {

// Framed input waiting for room in the socket: past this, ukrun stops
// reading its input until the guest takes some.
constexpr std::size_t pending_limit = 1 << 16;
// How often a terminal's size and foreground state are looked at again.
constexpr int terminal_poll_ms = 250;

std::uint64_t now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000 +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1000000;
}

// Writes everything, waiting when the descriptor is non-blocking and full.
bool write_all(int fd, char const* p, std::size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w > 0) {
            p += w;
            n -= static_cast<std::size_t>(w);
        } else if (w < 0 && errno == EAGAIN) {
            pollfd pfd{fd, POLLOUT, 0};
            poll(&pfd, 1, -1);
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else {
            return false;
        }
    }
    return true;
}

bool terminal_size(int in, int out, std::uint16_t* rows, std::uint16_t* cols) {
    winsize ws{};
    if (ioctl(out, TIOCGWINSZ, &ws) != 0 && ioctl(in, TIOCGWINSZ, &ws) != 0)
        return false;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return true;
}

void append(std::string* out, std::uint8_t const* p, std::size_t n) {
    out->append(reinterpret_cast<char const*>(p), n);
}

} // namespace

std::optional<std::string> terminal_size_param() {
    std::uint16_t rows, cols;
    if (!terminal_size(0, 1, &rows, &cols))
        return std::nullopt;
    return "console.winsize=" + std::to_string(rows) + "x" + std::to_string(cols);
}

void frame_input(std::uint8_t const* data, std::size_t n, std::string* out) {
    std::size_t at = out->size();
    out->resize(at + 2 * n);
    std::size_t len = console::encode(data, n, reinterpret_cast<std::uint8_t*>(out->data() + at));
    out->resize(at + len);
}

ConsoleRelay::~ConsoleRelay() {
    finish();
}

bool ConsoleRelay::start(int sock, int in_fd, int out_fd, StdinMode mode) {
    if (pipe2(m_wake, O_CLOEXEC) != 0)
        return false;
    m_sock = sock;
    m_in = in_fd;
    m_out = out_fd;
    m_mode = mode;
    // The thread takes no signals: ukrun's main thread waits for them.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    try {
        m_thread = std::thread([this] { run(); });
    } catch (...) {
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        errno = EAGAIN;
        return false;
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return true;
}

void ConsoleRelay::finish() {
    if (!m_thread.joinable())
        return;
    char b = 0;
    (void)!write(m_wake[1], &b, 1);
    m_thread.join();
    for (int fd : {m_sock, m_wake[0], m_wake[1]})
        close(fd);
    m_sock = m_wake[0] = m_wake[1] = -1;
}

void ConsoleRelay::run() {
    bool const terminal = m_mode == StdinMode::Terminal;
    bool input_open = true;
    bool finishing = false;
    bool out_ok = true;
    std::uint64_t paused_until = 0;
    std::string pending;
    std::uint8_t mark[8];
    // The size at start went on the kernel command line: only changes go
    // through the console.
    std::uint16_t rows = 0, cols = 0;
    bool has_size = terminal_size(m_in, m_out, &rows, &cols);
    static thread_local char buf[1 << 16];

    for (;;) {
        bool want_input =
            input_open && !finishing && pending.size() < pending_limit && now_ms() >= paused_until;
        pollfd fds[3] = {
            {m_sock, static_cast<short>(POLLIN | (pending.empty() ? 0 : POLLOUT)), 0},
            {m_wake[0], POLLIN, 0},
            {want_input ? m_in : -1, POLLIN, 0},
        };
        bool timed = (terminal || has_size) && !finishing;
        if (poll(fds, 3, timed ? terminal_poll_ms : -1) < 0 && errno != EINTR)
            break;
        if (fds[1].revents)
            finishing = true;
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = read(m_sock, buf, sizeof buf);
            if (r > 0) {
                // Output that cannot be written (a closed pipe) is dropped,
                // not left to stop the guest.
                if (out_ok && !write_all(m_out, buf, static_cast<std::size_t>(r)))
                    out_ok = false;
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                break; // QEMU's end is closed: everything the guest wrote is out
            }
        }
        if ((fds[0].revents & POLLOUT) && !pending.empty()) {
            ssize_t w = send(m_sock, pending.data(), pending.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (w > 0) {
                pending.erase(0, static_cast<std::size_t>(w));
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                pending.clear();
                input_open = false;
            }
        }
        if (fds[2].revents) {
            ssize_t r = read(m_in, buf, 16384);
            if (r > 0) {
                frame_input(reinterpret_cast<std::uint8_t*>(buf), static_cast<std::size_t>(r),
                            &pending);
            } else if (r == 0 && terminal) {
                append(&pending, mark, console::encode_eof(mark)); // Ctrl-D
            } else if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
                continue;
            } else if (r < 0 && errno == EIO && terminal && tcgetpgrp(m_in) != getpgrp()) {
                // In the background (SIGTTIN is blocked here): wait to be
                // brought back to the foreground.
                paused_until = now_ms() + terminal_poll_ms;
            } else {
                append(&pending, mark, console::encode_end(mark));
                input_open = false;
            }
        }
        if (has_size) {
            std::uint16_t r2, c2;
            if (terminal_size(m_in, m_out, &r2, &c2) && (r2 != rows || c2 != cols)) {
                rows = r2;
                cols = c2;
                append(&pending, mark, console::encode_winsize(rows, cols, mark));
            }
        }
    }
}

} // namespace ukrun
