// Pipes and FIFOs (vfs/pipe.h).
#include "vfs/pipe.h"

#include "arch/x86_64/sigframe.h"
#include "lib/errno.h"
#include "mm/mm.h"
#include "mm/user.h"
#include "vfs/anon.h"

namespace uk::vfs {

namespace {

constexpr size_t page = 4096;
constexpr uint32_t default_slots = pipe_default_size / page;
constexpr unsigned long fionread = 0x541b;
constexpr uint32_t ev_all = ev_in | ev_out | ev_rdnorm | ev_wrnorm | ev_err | ev_hup;

struct Slot {
    char* data;
    uint16_t off;
    uint16_t len;
    bool merge;  // later small writes may append to it
    bool packet; // O_DIRECT: a read takes it whole or drops the rest
};

struct Pipe {
    Slot* slots = nullptr;
    uint32_t nslots = 0;         // a power of two: the capacity in slots
    uint32_t head = 0, tail = 0; // free-running; slot i is slots[i & (nslots - 1)]
    size_t bytes = 0;
    char* spare = nullptr; // a freed page kept for the next write
    uint32_t readers = 0, writers = 0, files = 0;
    // How many readers and writers ever opened: a FIFO open waits for the
    // other side's count to move, and a reader that opened without writers
    // reports no hang-up until a writer has come.
    uint32_t r_counter = 0, w_counter = 0;
    WaitQueue rd_wait, wr_wait;
    Node* fifo = nullptr; // the FIFO node it belongs to
    uint64_t ino = 0;
    Time atime, mtime, ctime;

    bool empty() const { return head == tail; }
    bool full() const { return head - tail >= nslots; }
    Slot& at(uint32_t i) { return slots[i & (nslots - 1)]; }

    char* take_page() {
        char* p = spare;
        spare = nullptr;
        return p ? p : static_cast<char*>(mm::alloc_pages(1, 1, mm::Fill::any));
    }
    void give_page(char* p) {
        if (!spare)
            spare = p;
        else
            mm::free_pages(p, 1);
    }
};

Pipe* pipe_alloc() {
    Pipe* p = make<Pipe>();
    if (!p)
        return nullptr;
    p->slots = static_cast<Slot*>(kheap_alloc(default_slots * sizeof(Slot), alignof(Slot)));
    if (!p->slots) {
        kheap_free(p);
        return nullptr;
    }
    p->nslots = default_slots;
    p->atime = p->mtime = p->ctime = now();
    return p;
}

void pipe_free(Pipe* p) {
    while (!p->empty())
        mm::free_pages(p->at(p->tail++).data, 1);
    if (p->spare)
        mm::free_pages(p->spare, 1);
    if (p->fifo)
        p->fifo->fifo = nullptr;
    kheap_free(p->slots);
    p->~Pipe();
    kheap_free(p);
}

// Moves the pipe's contents into a ring of `n` slots. -EBUSY when they do
// not fit, -ENOMEM.
long pipe_resize(Pipe* p, uint32_t n) {
    uint32_t used = p->head - p->tail;
    if (n < used)
        return -EBUSY;
    auto* slots = static_cast<Slot*>(kheap_alloc(n * sizeof(Slot), alignof(Slot)));
    if (!slots)
        return -ENOMEM;
    for (uint32_t i = 0; i < used; i++)
        slots[i] = p->at(p->tail + i);
    kheap_free(p->slots);
    p->slots = slots;
    p->nslots = n;
    p->tail = 0;
    p->head = used;
    // More room may let writers on.
    p->wr_wait.notify(ev_out | ev_wrnorm);
    return 0;
}

class PipeFile final : public File {
  public:
    explicit PipeFile(Pipe* p) : m_pipe(p) {}

    static constexpr char tag = 0;
    Pipe* m_pipe;
    uint32_t m_seen_writers = 0; // w_counter when it opened, to hold back ev_hup

    const void* kind() const override { return &tag; }
    bool can_poll() const override { return true; }
    long read(IoBuf& buf) override;
    long write(IoBuf& buf) override;
    long pread(IoBuf&, uint64_t) override { return -ESPIPE; }
    long pwrite(IoBuf&, uint64_t) override { return -ESPIPE; }
    long seek(int64_t, int) override { return -ESPIPE; }
    long ioctl(unsigned long cmd, uint64_t arg) override;
    uint32_t poll(PollTable* pt) override;
    long stat(Attr* a) override;
    void close() override;
};

long PipeFile::read(IoBuf& buf) {
    if (!buf.left())
        return 0;
    Pipe* p = m_pipe;
    size_t done = 0;
    bool freed_full = false;
    for (;;) {
        bool packet = false;
        while (!p->empty() && buf.left() && !packet) {
            Slot& s = p->at(p->tail);
            size_t n = s.len < buf.left() ? s.len : buf.left();
            // A fault takes nothing from the pipe, as on Linux.
            if (buf.fill(s.data + s.off, n) < n) {
                if (!done)
                    return -EFAULT;
                goto out;
            }
            done += n;
            p->bytes -= n;
            s.off = uint16_t(s.off + n);
            s.len = uint16_t(s.len - n);
            packet = s.packet;
            if (packet) {
                p->bytes -= s.len;
                s.len = 0;
            }
            if (!s.len) {
                freed_full |= p->full();
                p->give_page(s.data);
                p->tail++;
            }
        }
        if (done || !p->writers)
            break;
        if (flags & o_nonblock)
            return -EAGAIN;
        if (wait_until(p->rd_wait, 0, [p] { return !p->empty() || !p->writers; }))
            return -arch::erestartsys;
    }
out:
    if (done)
        p->atime = now();
    if (freed_full)
        p->wr_wait.notify(ev_out | ev_wrnorm);
    return long(done);
}

long PipeFile::write(IoBuf& buf) {
    size_t total = buf.left();
    if (!total)
        return 0;
    Pipe* p = m_pipe;
    long ret = 0;
    const bool packet = flags & o_direct;
    if (!p->readers) {
        send_sigpipe();
        return -EPIPE;
    }
    // The part beyond whole pages joins the last slot when it fits, so
    // small writes share pages and a write of at most PIPE_BUF bytes is
    // never split.
    if (size_t chars = total & (page - 1); chars && !p->empty()) {
        Slot& last = p->at(p->head - 1);
        if (last.merge && last.off + last.len + chars <= page) {
            if (buf.drain(last.data + last.off + last.len, chars) < chars)
                return -EFAULT;
            last.len = uint16_t(last.len + chars);
            p->bytes += chars;
            ret = long(chars);
        }
    }
    while (buf.left()) {
        if (!p->readers) {
            send_sigpipe();
            if (!ret)
                ret = -EPIPE;
            break;
        }
        if (!p->full()) {
            char* data = p->take_page();
            if (!data) {
                if (!ret)
                    ret = -ENOMEM;
                break;
            }
            size_t n = buf.left() < page ? buf.left() : page;
            if (buf.drain(data, n) < n) {
                p->give_page(data);
                if (!ret)
                    ret = -EFAULT;
                break;
            }
            p->at(p->head) = Slot{data, 0, uint16_t(n), !packet, packet};
            p->head++;
            p->bytes += n;
            ret += long(n);
            continue;
        }
        if (flags & o_nonblock) {
            if (!ret)
                ret = -EAGAIN;
            break;
        }
        // Readers may take what is there while this writer waits for room.
        if (ret)
            p->rd_wait.notify(ev_in | ev_rdnorm);
        if (wait_until(p->wr_wait, 0, [p] { return !p->full() || !p->readers; })) {
            if (!ret)
                ret = -arch::erestartsys;
            break;
        }
    }
    if (ret > 0) {
        p->mtime = p->ctime = now();
        // Every write notifies, not only one into an empty pipe: an
        // edge-triggered epoll expects an event per write, as Linux gives.
        p->rd_wait.notify(ev_in | ev_rdnorm);
    }
    return ret;
}

long PipeFile::ioctl(unsigned long cmd, uint64_t arg) {
    if (cmd != fionread)
        return -ENOTTY;
    int n = int(m_pipe->bytes);
    return mm::UserPtr<int>(arg).put(n) ? -EFAULT : 0;
}

uint32_t PipeFile::poll(PollTable* pt) {
    Pipe* p = m_pipe;
    uint32_t m = 0;
    if (readable()) {
        if (pt)
            pt->wait_on(p->rd_wait);
        if (!p->empty())
            m |= ev_in | ev_rdnorm;
        if (!p->writers && m_seen_writers != p->w_counter)
            m |= ev_hup;
    }
    if (writable()) {
        if (pt)
            pt->wait_on(p->wr_wait);
        if (!p->full())
            m |= ev_out | ev_wrnorm;
        if (!p->readers)
            m |= ev_err; // Linux reports it for FIFOs as for pipes
    }
    return m;
}

long PipeFile::stat(Attr* a) {
    if (node)
        return File::stat(a);
    Pipe* p = m_pipe;
    *a = Attr{};
    a->dev = pipefs_dev;
    a->ino = p->ino;
    a->mode = s_ififo | 0600;
    a->nlink = 1;
    a->atime = p->atime;
    a->mtime = p->mtime;
    a->ctime = a->btime = p->ctime;
    return 0;
}

// Drops f's side of the pipe: its reader or writer count, its file count
// (the last frees the pipe); the other side hears of it.
void pipe_release(Pipe* p, uint32_t f_flags) {
    uint32_t mode = f_flags & o_accmode;
    if (mode != o_wronly)
        p->readers--;
    if (mode != o_rdonly)
        p->writers--;
    if (--p->files == 0) {
        pipe_free(p);
        return;
    }
    p->rd_wait.notify(ev_all);
    p->wr_wait.notify(ev_all);
}

void PipeFile::close() {
    pipe_release(m_pipe, flags);
}

} // namespace

bool is_pipe(const File* f) {
    return f->kind() == &PipeFile::tag;
}

bool same_pipe(const File* a, const File* b) {
    return is_pipe(a) && is_pipe(b) &&
           static_cast<const PipeFile*>(a)->m_pipe == static_cast<const PipeFile*>(b)->m_pipe;
}

long pipe_create(uint32_t flags, File** rd, File** wr) {
    Pipe* p = pipe_alloc();
    if (!p)
        return -ENOMEM;
    auto* r = make<PipeFile>(p);
    auto* w = r ? make<PipeFile>(p) : nullptr;
    if (!w) {
        kheap_free(r);
        pipe_free(p);
        return -ENOMEM;
    }
    p->ino = next_ino();
    p->readers = p->writers = 1;
    p->r_counter = p->w_counter = 1;
    p->files = 2;
    r->flags = o_rdonly | (flags & o_nonblock);
    w->flags = o_wronly | (flags & (o_nonblock | o_direct));
    *rd = r;
    *wr = w;
    return 0;
}

namespace {

Pipe* pipe_of(File* f) {
    return static_cast<PipeFile*>(f)->m_pipe;
}

} // namespace

long pipe_room(File* f, bool nonblock) {
    Pipe* p = pipe_of(f);
    for (;;) {
        if (!p->readers) {
            send_sigpipe();
            return -EPIPE;
        }
        if (!p->full())
            return long((p->nslots - (p->head - p->tail)) * page);
        if (nonblock)
            return -EAGAIN;
        if (wait_until(p->wr_wait, 0, [p] { return !p->full() || !p->readers; }))
            return -arch::erestartsys;
    }
}

size_t pipe_put(File* f, const char* src, size_t n) {
    Pipe* p = pipe_of(f);
    size_t done = 0;
    while (done < n) {
        IoBuf b = IoBuf::kernel(const_cast<char*>(src + done), n - done);
        long put = f->write(b);
        if (put > 0) {
            done += size_t(put);
            continue;
        }
        if (put != -EAGAIN && put != -arch::erestartsys)
            break;
        // Another writer filled the room granted: the bytes are already
        // taken from their source, so wait it out, signals or not.
        while (p->full() && p->readers)
            wait_once_uninterruptible(p->wr_wait);
        if (!p->readers)
            break;
    }
    return done;
}

long pipe_avail(File* f, bool nonblock) {
    Pipe* p = pipe_of(f);
    for (;;) {
        if (!p->empty())
            return long(p->bytes);
        if (!p->writers)
            return 0;
        if (nonblock)
            return -EAGAIN;
        if (wait_until(p->rd_wait, 0, [p] { return !p->empty() || !p->writers; }))
            return -arch::erestartsys;
    }
}

size_t pipe_peek(File* f, char* dst, size_t n) {
    Pipe* p = pipe_of(f);
    size_t done = 0;
    for (uint32_t i = p->tail; i != p->head && done < n; i++) {
        const Slot& s = p->at(i);
        size_t k = s.len < n - done ? s.len : n - done;
        __builtin_memcpy(dst + done, s.data + s.off, k);
        done += k;
    }
    return done;
}

void pipe_consume(File* f, size_t n) {
    Pipe* p = pipe_of(f);
    bool freed_full = false;
    while (n && !p->empty()) {
        Slot& s = p->at(p->tail);
        size_t k = s.len < n ? s.len : n;
        s.off = uint16_t(s.off + k);
        s.len = uint16_t(s.len - k);
        p->bytes -= k;
        n -= k;
        if (!s.len) {
            freed_full |= p->full();
            p->give_page(s.data);
            p->tail++;
        }
    }
    p->atime = now();
    if (freed_full)
        p->wr_wait.notify(ev_out | ev_wrnorm);
}

long pipe_fcntl(File* f, int cmd, uint64_t arg) {
    if (!is_pipe(f))
        return -EBADF;
    Pipe* p = static_cast<PipeFile*>(f)->m_pipe;
    if (cmd == f_getpipe_sz)
        return long(p->nslots * page);
    if (cmd != f_setpipe_sz)
        return -EINVAL;
    // Linux takes the size as an unsigned int and rounds it up to a power
    // of two pages.
    uint64_t size = uint32_t(arg);
    if (size > (uint64_t(1) << 31))
        return -EINVAL;
    uint64_t slots = size <= page ? 1 : uint64_t(1) << (64 - __builtin_clzll((size - 1) / page));
    if (slots > p->nslots && slots * page > pipe_max_size)
        return -EPERM;
    if (slots != p->nslots)
        if (long r = pipe_resize(p, uint32_t(slots)))
            return r;
    return long(p->nslots * page);
}

long fifo_open(Node* node, Mount* mnt, uint32_t flags, File** out) {
    const uint32_t mode = flags & o_accmode;
    if (mode == o_accmode)
        return -EINVAL;
    Pipe* p = static_cast<Pipe*>(node->fifo);
    if (!p) {
        p = pipe_alloc();
        if (!p)
            return -ENOMEM;
        p->fifo = node;
        node->fifo = p;
    }
    p->files++;
    auto fail = [&](long err) {
        if (--p->files == 0)
            pipe_free(p);
        return err;
    };
    auto* f = make<PipeFile>(p);
    if (!f)
        return fail(-ENOMEM);
    const bool nonblock = flags & o_nonblock;
    // Waits until a partner of the other kind has opened since; false when
    // a signal came first.
    auto wait_partner = [p](const uint32_t& counter) {
        const uint32_t cur = counter;
        return wait_until(p->rd_wait, 0, [&] { return counter != cur; }) == 0;
    };
    auto wake_partners = [p] { p->rd_wait.notify(ev_all); };
    switch (mode) {
    case o_rdonly:
        p->r_counter++;
        if (p->readers++ == 0)
            wake_partners();
        if (!p->writers) {
            if (nonblock) {
                f->m_seen_writers = p->w_counter;
            } else if (!wait_partner(p->w_counter)) {
                if (!--p->readers)
                    p->wr_wait.notify(ev_all);
                kheap_free(f);
                return fail(-arch::erestartsys);
            }
        }
        break;
    case o_wronly:
        if (nonblock && !p->readers) {
            kheap_free(f);
            return fail(-ENXIO);
        }
        p->w_counter++;
        if (p->writers++ == 0)
            wake_partners();
        if (!p->readers && !wait_partner(p->r_counter)) {
            if (!--p->writers)
                p->rd_wait.notify(ev_all);
            kheap_free(f);
            return fail(-arch::erestartsys);
        }
        break;
    default:
        p->readers++;
        p->writers++;
        p->r_counter++;
        p->w_counter++;
        if (p->readers == 1 || p->writers == 1)
            wake_partners();
        break;
    }
    f->flags = flags & (o_accmode | o_setfl_mask | o_sync | o_dsync | o_largefile);
    node->get();
    node->open_files++;
    f->node = node;
    f->mount = mnt;
    *out = f;
    return 0;
}

} // namespace uk::vfs
