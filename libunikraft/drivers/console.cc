// The console as a file: fds 0, 1 and 2, /dev/console and /dev/tty.
#include <uk/console.h>

#include "lib/errno.h"
#include "mm/user.h"
#include "vfs/vfs.h"

namespace uk::drivers {

namespace {

class ConsoleFile final : public vfs::File {
  public:
    long read(vfs::IoBuf& buf) override {
        char chunk[256];
        size_t done = 0;
        while (buf.left()) {
            size_t n =
                uk_console_read(chunk, buf.left() < sizeof chunk ? buf.left() : sizeof chunk);
            if (!n)
                break;
            size_t moved = buf.fill(chunk, n);
            done += moved;
            if (moved < n)
                break;
        }
        return buf.result(done);
    }
    long write(vfs::IoBuf& buf) override {
        char chunk[256];
        size_t done = 0;
        while (buf.left()) {
            size_t n = buf.drain(chunk, buf.left() < sizeof chunk ? buf.left() : sizeof chunk);
            done += uk_console_write(chunk, n);
            if (buf.faulted())
                break;
        }
        return buf.result(done);
    }
    long pread(vfs::IoBuf&, uint64_t) override { return -ESPIPE; }
    long pwrite(vfs::IoBuf&, uint64_t) override { return -ESPIPE; }
    long seek(int64_t, int) override { return -ESPIPE; }
    long ioctl(unsigned long cmd, uint64_t arg) override;
    long stat(vfs::Attr* a) override {
        *a = vfs::Attr{};
        a->dev = 5;
        a->ino = 3;
        a->nlink = 1;
        a->mode = vfs::s_ifchr | 0620;
        a->rdev = vfs::make_dev(5, 1);
        a->blksize = 1024;
        return 0;
    }
};

long ConsoleFile::ioctl(unsigned long cmd, uint64_t arg) {
    struct Winsize {
        uint16_t row, col, xpixel, ypixel;
    };
    struct Termios {
        uint32_t iflag, oflag, cflag, lflag;
        uint8_t line;
        uint8_t cc[19];
    };
    constexpr unsigned long tcgets = 0x5401, tcsets = 0x5402, tcsetsw = 0x5403, tcsetsf = 0x5404,
                            tiocgwinsz = 0x5413, tiocswinsz = 0x5414, fionread = 0x541b;
    switch (cmd) {
    case tiocgwinsz:
        return mm::UserPtr<Winsize>(arg).put(Winsize{24, 80, 0, 0}) ? -EFAULT : 0;
    case tcgets: {
        Termios t{};
        t.iflag = 0x500;
        t.oflag = 0x5;
        t.cflag = 0xbf;
        t.lflag = 0x8a3b;
        return mm::UserPtr<Termios>(arg).put(t) ? -EFAULT : 0;
    }
    case tcsets:
    case tcsetsw:
    case tcsetsf: {
        Termios t;
        return mm::UserPtr<const Termios>(arg).read(&t) ? -EFAULT : 0;
    }
    case tiocswinsz: {
        Winsize w;
        return mm::UserPtr<const Winsize>(arg).read(&w) ? -EFAULT : 0;
    }
    case fionread:
        return mm::UserPtr<int>(arg).put(0) ? -EFAULT : 0;
    default:
        return -ENOTTY;
    }
}

long open_console(vfs::Node*, uint32_t, vfs::File** out) {
    *out = vfs::make<ConsoleFile>();
    return *out ? 0 : -ENOMEM;
}

} // namespace

long console_open(uint32_t flags, vfs::File** out) {
    if (long r = open_console(nullptr, flags, out))
        return r;
    (*out)->flags = flags;
    return 0;
}

UK_CHAR_DEV(console, 5, 1, open_console);
UK_CHAR_DEV(tty, 5, 0, open_console);

} // namespace uk::drivers
