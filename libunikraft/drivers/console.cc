// The console as a file (drivers/console.h): a terminal-like character
// device whose reads block until ukrun's input arrives or ends, with
// O_NONBLOCK and poll readiness, and the terminal ioctls programs ask
// before they decide how to talk to it.
#include "drivers/console.h"

#include <new>

#include <uk/console.h>

#include "arch/x86_64/irq.h"
#include "arch/x86_64/sigframe.h"
#include "drivers/driver.h"
#include "drivers/serial.h"
#include "lib/errno.h"
#include "lib/signal_abi.h"
#include "mm/user.h"
#include "sched/sched.h"
#include "sched/signal.h"
#include "vfs/anon.h"
#include "vfs/path.h"
#include "vfs/vfs.h"
#include "vfs/wait.h"

namespace uk::drivers {

namespace {

using namespace uk::vfs;

// Linux's struct termios as TCGETS/TCSETS move it, and its defaults for a
// serial console (cooked mode, echo, 38400 8N1).
struct Termios {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
};
static_assert(sizeof(Termios) == 36, "the kernel's struct termios");

struct Winsize {
    uint16_t row, col, xpixel, ypixel;
};

constexpr Termios default_termios{
    0x0500, // ICRNL | IXON
    0x0005, // OPOST | ONLCR
    0x00bf, // B38400 | CS8 | CREAD
    0x8a3b, // ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
    0,      {3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0, 0, 0},
};

constexpr unsigned long tcgets = 0x5401, tcsets = 0x5402, tcsetsw = 0x5403, tcsetsf = 0x5404,
                        tcsbrk = 0x5409, tcxonc = 0x540a, tcflsh = 0x540b, tiocsctty = 0x540e,
                        tiocgpgrp = 0x540f, tiocspgrp = 0x5410, tiocoutq = 0x5411,
                        tiocgwinsz = 0x5413, tiocswinsz = 0x5414, fionread = 0x541b,
                        tiocnotty = 0x5422, tiocgsid = 0x5429, tcsbrkp = 0x5425,
                        tiocgptn = 0x80045430;
constexpr int self_pid = 1; // the process's id, group and session

// The console's state, shared by every open file of it.
struct Console {
    console::InputQueue input;
    WaitQueue in_wait;  // readers and pollers of input
    WaitQueue out_wait; // writers waiting for an output buffer
    const console::Transport* transport = nullptr;
    bool uart_input = false; // COM1 carries input (no virtio console)
    Termios termios = default_termios;
    Winsize winsize{24, 80, 0, 0};
    sched::WakeSource wake{};
    File* boot_file = nullptr; // fds 0-2's shared description
    uint8_t tty_fds = 7;       // bit n: fd n is a terminal (console.tty=)
};

constinit Console* g_con = nullptr;
alignas(Console) constinit uint8_t g_con_storage[sizeof(Console)]{};

Console& con() {
    if (!g_con) {
        g_con = new (g_con_storage) Console();
        g_con->wake.may_wake = [](sched::WakeSource*) {
            Console& c = *g_con;
            bool input_can_come = (c.transport || c.uart_input) && !c.input.closed();
            return (input_can_come && !c.in_wait.empty()) || !c.out_wait.empty();
        };
        sched::add_wake_source(&g_con->wake);
    }
    return *g_con;
}

// COM1 as the transport when there is no other: output straight out,
// input through its interrupt.
alignas(16) uint8_t g_uart_chunk[256];

uint8_t* uart_acquire(size_t* cap) {
    *cap = sizeof(g_uart_chunk);
    return g_uart_chunk;
}
void uart_commit(size_t n) {
    serial_write(reinterpret_cast<const char*>(g_uart_chunk), n);
}

// A new size, as Linux's tty_do_resize: SIGWINCH for the process (the
// foreground group) when it differs.
void set_winsize(Console& c, const Winsize& w) {
    bool changed = w.row != c.winsize.row || w.col != c.winsize.col ||
                   w.xpixel != c.winsize.xpixel || w.ypixel != c.winsize.ypixel;
    c.winsize = w;
    if (changed) {
        Siginfo si{};
        si.signo = sigwinch;
        si.code = si_kernel;
        sched::signal::send(sigwinch, si, nullptr);
    }
}

void take_winsize(Console& c) {
    uint16_t rows, cols;
    if (c.input.take_winsize(&rows, &cols))
        set_winsize(c, Winsize{rows, cols, 0, 0});
}

void resume_input(Console& c) {
    if (c.transport)
        c.transport->rx_resume();
}

// Runs `fn` with interrupts off: app-context entries (the C API) must not
// be preempted while they use the console's state.
template <typename F> auto with_irqs_off(F fn) {
    uint64_t flags;
    asm volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
    auto r = fn();
    if (flags & 0x200)
        asm volatile("sti" ::: "memory");
    return r;
}

// What an open of the console is: the terminal, or one of fds 0-2 where the
// host stream is not a terminal, which behaves as the pipe end Linux would
// have there.
enum class ConsoleKind { Terminal, Stream };

class ConsoleFile final : public File {
  public:
    explicit ConsoleFile(ConsoleKind kind = ConsoleKind::Terminal) : m_kind(kind) {
        if (kind == ConsoleKind::Stream)
            m_ino = next_ino();
    }
    long read(IoBuf& buf) override;
    long write(IoBuf& buf) override;
    long pread(IoBuf&, uint64_t) override { return -ESPIPE; }
    long pwrite(IoBuf&, uint64_t) override { return -ESPIPE; }
    long seek(int64_t, int) override { return -ESPIPE; }
    long ioctl(unsigned long cmd, uint64_t arg) override;
    uint32_t poll(PollTable* pt) override;
    bool can_poll() const override { return true; }
    long stat(Attr* a) override;

  private:
    long stream_ioctl(unsigned long cmd, uint64_t arg);

    ConsoleKind m_kind;
    uint64_t m_ino = 0;
};

long ConsoleFile::read(IoBuf& buf) {
    Console& c = con();
    if (!buf.left())
        return 0;
    for (;;) {
        take_winsize(c);
        if (c.input.available()) {
            size_t done = 0;
            while (buf.left() && c.input.available()) {
                size_t n;
                const uint8_t* p = c.input.peek(&n);
                if (n > buf.left())
                    n = buf.left();
                size_t moved = buf.fill(p, n);
                c.input.consume(moved);
                done += moved;
                if (moved < n)
                    break;
            }
            resume_input(c);
            return buf.result(done);
        }
        if (c.input.at_eof()) {
            c.input.take_eof();
            resume_input(c);
            return 0;
        }
        if (flags & o_nonblock)
            return -EAGAIN;
        if (wait_until(c.in_wait, 0, [&c] { return c.input.readable(); }))
            return -arch::erestartsys;
    }
}

long ConsoleFile::write(IoBuf& buf) {
    Console& c = con();
    size_t done = 0;
    while (buf.left()) {
        size_t cap;
        uint8_t* p = c.transport ? c.transport->tx_acquire(&cap) : uart_acquire(&cap);
        if (!p) {
            if (done)
                break;
            if (flags & o_nonblock)
                return -EAGAIN;
            if (wait_until(c.out_wait, 0, [&c] { return c.transport->tx_ready(); }))
                return done ? long(done) : -arch::erestartsys;
            continue;
        }
        size_t n = buf.drain(p, buf.left() < cap ? buf.left() : cap);
        if (c.transport)
            c.transport->tx_commit(n);
        else
            uart_commit(n);
        done += n;
        if (buf.faulted())
            break;
    }
    return buf.result(done);
}

uint32_t ConsoleFile::poll(PollTable* pt) {
    Console& c = con();
    if (pt) {
        pt->wait_on(c.in_wait);
        pt->wait_on(c.out_wait);
    }
    uint32_t ev = 0;
    // A pipe's read end is never writable, its write end never readable.
    bool stream = m_kind == ConsoleKind::Stream;
    if (c.input.readable() && (!stream || readable()))
        ev |= ev_readable;
    if ((!c.transport || c.transport->tx_ready()) && (!stream || writable()))
        ev |= ev_writable;
    return ev;
}

long ConsoleFile::stat(Attr* a) {
    if (m_kind == ConsoleKind::Stream) {
        *a = Attr{};
        a->dev = pipefs_dev;
        a->ino = m_ino;
        a->mode = s_ififo | 0600;
        a->nlink = 1;
        return 0;
    }
    if (node)
        return File::stat(a);
    // Fds 0-2 were opened without a node: they are /dev/console's, as the
    // console Linux opens for init is, so that ttyname() finds them there.
    Location loc;
    if (lookup(at_fdcwd, "/dev/console", lk_follow, &loc) == 0) {
        long r = loc.node->rdev == make_dev(5, 1) ? loc.node->getattr(a) : -ENODEV;
        if (r == 0 && !a->dev && loc.node->fs)
            a->dev = loc.node->fs->dev;
        loc.release();
        if (r == 0)
            return 0;
    }
    *a = Attr{};
    a->dev = 5;
    a->ino = 3;
    a->nlink = 1;
    a->mode = s_ifchr | 0620;
    a->rdev = make_dev(5, 1);
    a->blksize = 1024;
    return 0;
}

// A pipe's ioctls: FIONREAD (what input is queued; 0 on the write end,
// which has no queue of its own here), -ENOTTY for every terminal one.
long ConsoleFile::stream_ioctl(unsigned long cmd, uint64_t arg) {
    if (cmd != fionread)
        return -ENOTTY;
    size_t n = readable() ? con().input.available() : 0;
    return mm::UserPtr<int>(arg).put(int(n)) ? -EFAULT : 0;
}

long ConsoleFile::ioctl(unsigned long cmd, uint64_t arg) {
    if (m_kind == ConsoleKind::Stream)
        return stream_ioctl(cmd, arg);
    Console& c = con();
    switch (cmd) {
    case tcgets:
        return mm::UserPtr<Termios>(arg).put(c.termios) ? -EFAULT : 0;
    case tcsets:
    case tcsetsw:
    case tcsetsf: {
        Termios t;
        if (mm::UserPtr<const Termios>(arg).read(&t))
            return -EFAULT;
        if (cmd != tcsets)
            console_flush();
        if (cmd == tcsetsf)
            c.input.flush();
        c.termios = t;
        return 0;
    }
    case tiocgwinsz:
        take_winsize(c);
        return mm::UserPtr<Winsize>(arg).put(c.winsize) ? -EFAULT : 0;
    case tiocswinsz: {
        Winsize w;
        if (mm::UserPtr<const Winsize>(arg).read(&w))
            return -EFAULT;
        set_winsize(c, w);
        return 0;
    }
    case fionread: {
        size_t n = c.input.available();
        return mm::UserPtr<int>(arg).put(int(n)) ? -EFAULT : 0;
    }
    case tiocoutq:
        return mm::UserPtr<int>(arg).put(0) ? -EFAULT : 0;
    case tcflsh:
        if (arg > 2)
            return -EINVAL;
        if (arg != 1) // TCIFLUSH or TCIOFLUSH
            c.input.flush();
        resume_input(c);
        return 0;
    case tcsbrk:
    case tcsbrkp:
        console_flush();
        return 0;
    case tcxonc:
        return arg > 3 ? -EINVAL : 0;
    case tiocgpgrp:
    case tiocgsid:
        return mm::UserPtr<int>(arg).put(self_pid) ? -EFAULT : 0;
    case tiocspgrp: {
        int pgrp;
        if (mm::UserPtr<const int>(arg).read(&pgrp))
            return -EFAULT;
        return pgrp < 0 ? -EINVAL : pgrp != self_pid ? -EPERM : 0;
    }
    case tiocsctty:
    case tiocnotty:
        return 0;
    case tiocgptn:
        return -ENOTTY;
    default:
        return -ENOTTY;
    }
}

long open_console(Node*, uint32_t, File** out) {
    con();
    *out = make<ConsoleFile>();
    return *out ? 0 : -ENOMEM;
}

// Without a virtio console, COM1's received bytes are the input: raw,
// never ending.
void uart_input(const uint8_t* p, size_t n) {
    Console& c = con();
    if (!c.input.room_for(n))
        return;
    c.input.push(p, n, false);
    c.in_wait.notify(ev_readable);
}

void probe_uart_input() {
    Console& c = con();
    if (c.transport)
        return;
    c.uart_input = serial_enable_input(uart_input);
}

} // namespace

long console_open(uint32_t flags, File** out) {
    Console& c = con();
    if (!c.boot_file) {
        if (long r = open_console(nullptr, flags, &c.boot_file))
            return r;
        c.boot_file->flags = flags;
    }
    c.boot_file->get();
    *out = c.boot_file;
    return 0;
}

bool console_fd_is_tty(int fd) {
    return fd >= 0 && fd <= 2 && (con().tty_fds >> fd) & 1;
}

long console_open_stream(int fd, File** out) {
    con();
    auto* f = make<ConsoleFile>(ConsoleKind::Stream);
    if (!f)
        return -ENOMEM;
    f->flags = (fd == 0 ? o_rdonly : o_wronly) | o_largefile;
    *out = f;
    return 0;
}

namespace {

// console.tty=0,1,2 (any of them, each at most once) or none.
const char* parse_tty_fds(const char* value, uint8_t* out) {
    constexpr const char* usage = "console.tty needs a list of 0, 1 and 2 (e.g. 0,2) or none";
    if (!value || !*value)
        return usage;
    if (__builtin_strcmp(value, "none") == 0) {
        *out = 0;
        return nullptr;
    }
    uint8_t fds = 0;
    for (const char* p = value;; p++) {
        if (*p < '0' || *p > '2' || (fds >> (*p - '0')) & 1)
            return usage;
        fds |= uint8_t(1u << (*p - '0'));
        if (p[1] == '\0')
            break;
        if (*++p != ',')
            return usage;
    }
    *out = fds;
    return nullptr;
}

bool parse_dim(const char*& p, uint16_t* out) {
    uint32_t v = 0;
    const char* start = p;
    while (*p >= '0' && *p <= '9' && v <= 0xffff)
        v = v * 10 + uint32_t(*p++ - '0');
    *out = uint16_t(v);
    return p != start && v <= 0xffff;
}

} // namespace

const char* console_set_param(const char* name, const char* value) {
    if (__builtin_strcmp(name, "console.tty") == 0)
        return parse_tty_fds(value, &con().tty_fds);
    if (__builtin_strcmp(name, "console.winsize") != 0)
        return "unknown console parameter";
    const char* p = value ? value : "";
    uint16_t rows, cols;
    if (!parse_dim(p, &rows) || *p++ != 'x' || !parse_dim(p, &cols) || *p)
        return "console.winsize needs ROWSxCOLS";
    con().winsize = Winsize{rows, cols, 0, 0};
    return nullptr;
}

void console_flush() {
    if (g_con && g_con->transport)
        g_con->transport->tx_drain();
}

void console_kernel_write(const char* p, size_t n) {
    if (g_con && g_con->transport)
        g_con->transport->kernel_write(p, n);
    else
        serial_write(p, n);
}

namespace console {

void attach(const Transport* t) {
    con().transport = t;
}

InputQueue& input() {
    return con().input;
}

void input_arrived() {
    Console& c = con();
    take_winsize(c);
    c.in_wait.notify(ev_readable);
}

void output_room() {
    con().out_wait.notify(ev_writable);
}

} // namespace console

// After the virtio console's probe (50): COM1 takes input only without it.
UK_DRIVER(console_uart, 90, "console", probe_uart_input);

UK_CHAR_DEV(console, 5, 1, open_console);
UK_CHAR_DEV(tty, 5, 0, open_console);
UK_CHAR_DEV(ttys0, 4, 64, open_console);

} // namespace uk::drivers

extern "C" UK_API size_t uk_console_write(const char* buf, size_t len) {
    uk::drivers::console_kernel_write(buf, len);
    return len;
}

extern "C" UK_API size_t uk_console_read(char* buf, size_t len) {
    using namespace uk::drivers;
    return with_irqs_off([&] {
        console::InputQueue& in = console::input();
        size_t done = 0;
        while (done < len && in.available()) {
            size_t n;
            const uint8_t* p = in.peek(&n);
            if (n > len - done)
                n = len - done;
            __builtin_memcpy(buf + done, p, n);
            in.consume(n);
            done += n;
        }
        if (done)
            resume_input(con());
        return done;
    });
}
