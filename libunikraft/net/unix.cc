// AF_UNIX sockets: stream, datagram and seqpacket, paired, bound to a
// path (a socket node made through the VFS) or to an abstract name.
//
// As on Linux, the bytes a socket sends sit in its peer's receive queue
// but count against the sender's send buffer until they are read, so a
// writer blocks on its own buffer and a reader's progress wakes it. A
// connection is made by the connecting side: it makes the listener's end
// of the connection (an "embryo"), connects itself to it and queues it on
// the listener, where accept() finds it; the backlog bounds that queue.
//
// Lifetime: a socket is freed once its File is gone and nothing else holds
// it (a peer's pointer to it, bytes it sent still queued somewhere), so
// those need no checks for a freed peer.
#include "arch/x86_64/sigframe.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "mm/user.h"
#include "net/socket.h"
#include "vfs/fd.h"
#include "vfs/path.h"

extern "C" long uk_sysimpl_95(long, long, long, long, long, long);

namespace uk::net {

namespace {

using vfs::ev_err;
using vfs::ev_hup;
using vfs::ev_in;
using vfs::ev_out;
using vfs::ev_rdhup;
using vfs::ev_rdnorm;
using vfs::ev_wrband;
using vfs::ev_wrnorm;
using vfs::IoBuf;

constexpr int sol_socket = 1;
constexpr int so_debug = 1, so_reuseaddr = 2, so_error = 4, so_dontroute = 5, so_broadcast = 6,
              so_sndbuf = 7, so_rcvbuf = 8, so_keepalive = 9, so_oobinline = 10, so_priority = 12,
              so_linger = 13, so_reuseport = 15, so_passcred = 16, so_peercred = 17,
              so_rcvlowat = 18, so_acceptconn = 30, so_sndbufforce = 32, so_rcvbufforce = 33;
constexpr int rcv_shutdown = 1, send_shutdown = 2, shutdown_mask = 3;
constexpr unsigned long fionread = 0x541b;

// Linux's defaults: net.core.wmem_default/wmem_max (and rmem), the
// smallest buffers, and net.unix.max_dgram_qlen.
constexpr uint32_t buf_default = 212992, sndbuf_min = 4608, rcvbuf_min = 2304;
constexpr uint32_t max_dgram_qlen = 10;
// What a queued message costs its sender beyond its bytes (Linux's
// skb truesize overhead, roughly).
constexpr size_t msg_overhead = 576;
constexpr size_t sun_path_off = 2, sockaddr_un_size = 110;

class UnixSocket;

// Ancillary data (SCM_RIGHTS, SCM_CREDENTIALS) and their limits.
constexpr int scm_rights = 1, scm_credentials = 2;
constexpr size_t scm_max_fd = 253, cmsghdr_size = 16, optmem_max = 131072;
// The process: pid 1, root.
constexpr int32_t own_pid = 1;

// What a message carries besides its bytes: files (each held) and the
// sender's credentials.
struct Scm {
    vfs::File** files = nullptr;
    uint32_t nfiles = 0;
    bool has_cred = false;
    int32_t cred[3] = {own_pid, 0, 0}; // pid, uid, gid

    void release() {
        for (uint32_t i = 0; i < nfiles; i++)
            if (files[i])
                files[i]->put();
        kheap_free(files);
        files = nullptr;
        nfiles = 0;
    }
};

// One message in a receive queue.
struct Msg {
    ListNode<Msg> link;
    UnixSocket* from; // held: charged for `charge` bytes
    size_t charge;
    size_t len, off;
    Scm* scm; // owned, or nullptr
    char data[];
};

void free_scm(Scm* scm) {
    if (!scm)
        return;
    scm->release();
    kheap_free(scm);
}

enum class State { unconnected, listening, connected };

// One option value per generic SOL_SOCKET option the family keeps.
struct StoredOpt {
    int name;
    bool boolean;
};
constexpr StoredOpt stored_opts[] = {
    {so_debug, true},     {so_reuseaddr, true}, {so_dontroute, true}, {so_broadcast, true},
    {so_keepalive, true}, {so_oobinline, true}, {so_priority, false}, {so_reuseport, true},
    {so_passcred, true},  {so_rcvlowat, false},
};
constexpr size_t n_stored = sizeof(stored_opts) / sizeof(stored_opts[0]);
constexpr size_t passcred_opt = 8;
static_assert(stored_opts[passcred_opt].name == so_passcred);

class UnixSocket final : public Socket {
  public:
    UnixSocket(int t, int p) {
        family = af_unix;
        type = t;
        protocol = p;
        flags = vfs::o_rdwr;
    }

    State m_state = State::unconnected;
    UnixSocket* m_peer = nullptr; // held
    IntrusiveList<Msg, &Msg::link> m_queue;
    size_t m_qbytes = 0;
    uint32_t m_qlen = 0;
    // Listening: the connections not yet accepted (each a File reference).
    UnixSocket* m_pending_head = nullptr;
    UnixSocket* m_pending_tail = nullptr;
    UnixSocket* m_pending_next = nullptr;
    uint32_t m_npending = 0;
    uint32_t m_backlog = 0;
    bool m_embryo = false; // made by connect, not accepted yet
    bool m_dead = false;   // its File is closed
    bool m_peercred = false;
    size_t m_wmem = 0;
    uint32_t m_sndbuf = buf_default, m_rcvbuf = buf_default;
    int m_shut = 0;
    int m_err = 0;
    int m_opts[n_stored] = {};
    int m_linger[2] = {};
    // Its address (getsockname); m_listed when connect can find it by it.
    SockAddr m_addr;
    bool m_named = false, m_listed = false;
    vfs::Node* m_node = nullptr; // the socket node of a path, held
    UnixSocket* m_bound_next = nullptr;
    uint32_t m_holds = 1; // the File, peers, queued messages
    vfs::WaitQueue m_wq;

    bool connection() const { return type != sock_dgram; }
    bool nonblocking(int f) const { return (f & msg_dontwait) || (flags & vfs::o_nonblock); }
    void hold() { m_holds++; }
    void drop();

    long bind(const SockAddr& addr) override;
    long listen(int backlog) override;
    long accept(Socket** out, SockAddr* peer, int flags) override;
    long connect(const SockAddr& addr) override;
    long sendmsg(MsgIo& msg) override;
    long recvmsg(MsgIo& msg) override;
    long shutdown(int how) override;
    long getsockname(SockAddr* out) override;
    long getpeername(SockAddr* out) override;
    long setsockopt(int level, int name, const OptVal& val) override;
    long getsockopt(int level, int name, OptVal* val) override;
    long ioctl(unsigned long cmd, uint64_t arg) override;
    uint32_t poll(vfs::PollTable* pt) override;
    void close() override;
    void destroy() override { drop(); }

    long autobind();
    void deliver_scm(MsgIo& msg, Msg* m, bool peek, bool creds);
    long send_stream(MsgIo& msg, Scm* scm);
    long send_dgram(MsgIo& msg, Scm* scm);
    long recv_stream(MsgIo& msg);
    long recv_dgram(MsgIo& msg);
    void set_peer(UnixSocket* p);
    void enqueue(Msg* m);
    void consume(Msg* m);
    void purge();
    void name_of(SockAddr* out) const;
};

constinit UnixSocket* g_bound = nullptr;
constinit uint32_t g_autobind = 0;

void free_msg(Msg* m) {
    UnixSocket* from = m->from;
    from->m_wmem -= m->charge;
    free_scm(m->scm);
    kheap_free(m);
    // Room in the sender's buffer: writers may go on.
    from->m_wq.notify(ev_out | ev_wrnorm | ev_wrband);
    from->drop();
}

void UnixSocket::drop() {
    if (--m_holds)
        return;
    purge();
    if (m_peer)
        m_peer->drop();
    this->~UnixSocket();
    kheap_free(this);
}

void UnixSocket::purge() {
    while (Msg* m = m_queue.pop_front())
        free_msg(m);
    m_qbytes = 0;
    m_qlen = 0;
}

void UnixSocket::set_peer(UnixSocket* p) {
    if (p)
        p->hold();
    if (m_peer)
        m_peer->drop();
    m_peer = p;
}

void UnixSocket::enqueue(Msg* m) {
    m_queue.push_back(m);
    m_qbytes += m->len;
    m_qlen++;
    m_wq.notify(ev_in | ev_rdnorm);
}

void UnixSocket::consume(Msg* m) {
    m_queue.remove(m);
    m_qbytes -= m->len - m->off;
    m_qlen--;
    free_msg(m);
    // A datagram sender blocked on this full queue waits here.
    m_wq.notify(ev_out | ev_wrnorm);
}

void UnixSocket::name_of(SockAddr* out) const {
    if (m_named) {
        *out = m_addr;
        return;
    }
    out->len = sizeof(uint16_t);
    out->bytes[0] = uint8_t(af_unix);
    out->bytes[1] = 0;
}

// unix_validate_addr: a family and at least one byte of name.
long validate(const SockAddr& a) {
    if (a.len <= sun_path_off || a.len > sockaddr_un_size || a.family() != af_unix)
        return -EINVAL;
    return 0;
}

// The path of a non-abstract address, NUL-terminated in `buf` (as Linux
// terminates it after the given length); returns its length.
size_t path_of(const SockAddr& a, char* buf) {
    size_t n = 0;
    while (sun_path_off + n < a.len && a.bytes[sun_path_off + n]) {
        buf[n] = char(a.bytes[sun_path_off + n]);
        n++;
    }
    buf[n] = 0;
    return n;
}

bool same_name(const SockAddr& a, const SockAddr& b) {
    return a.len == b.len && __builtin_memcmp(a.bytes, b.bytes, a.len) == 0;
}

UnixSocket* find_abstract(const SockAddr& a) {
    for (UnixSocket* s = g_bound; s; s = s->m_bound_next)
        if (!s->m_node && same_name(s->m_addr, a))
            return s;
    return nullptr;
}

void list_bound(UnixSocket* s) {
    s->m_bound_next = g_bound;
    g_bound = s;
    s->m_listed = true;
}

void unlist_bound(UnixSocket* s) {
    for (UnixSocket** p = &g_bound; *p; p = &(*p)->m_bound_next) {
        if (*p == s) {
            *p = s->m_bound_next;
            break;
        }
    }
    s->m_listed = false;
    if (s->m_node) {
        s->m_node->put();
        s->m_node = nullptr;
    }
}

// The socket `a` names (not held), for connect and sendto: -EINVAL,
// lookup's errors, -ECONNREFUSED when nothing listens there, -EPROTOTYPE
// for a socket of another type.
long find_target(const SockAddr& a, int type, UnixSocket** out) {
    if (long r = validate(a))
        return r;
    UnixSocket* found = nullptr;
    if (a.bytes[sun_path_off]) {
        char path[sockaddr_un_size];
        path_of(a, path);
        vfs::Location loc;
        if (long r = vfs::lookup(vfs::at_fdcwd, path, vfs::lk_follow, &loc))
            return r;
        vfs::Node* n = loc.node;
        if ((n->mode & vfs::s_ifmt) == vfs::s_ifsock) {
            for (UnixSocket* s = g_bound; s && !found; s = s->m_bound_next)
                if (s->m_node && s->m_node->fs == n->fs && s->m_node->ino == n->ino)
                    found = s;
        }
        loc.release();
    } else {
        found = find_abstract(a);
    }
    if (!found)
        return -ECONNREFUSED;
    if (found->type != type)
        return -EPROTOTYPE;
    *out = found;
    return 0;
}

long UnixSocket::autobind() {
    if (m_named)
        return -EINVAL;
    // An abstract name of five hex digits, as Linux chooses.
    SockAddr a;
    a.len = sun_path_off + 6;
    a.bytes[0] = uint8_t(af_unix);
    a.bytes[1] = 0;
    a.bytes[2] = 0;
    for (uint32_t tries = 0; tries < 0x100000; tries++) {
        uint32_t v = g_autobind++ & 0xfffff;
        for (int i = 0; i < 5; i++)
            a.bytes[3 + i] = uint8_t("0123456789abcdef"[(v >> (4 * (4 - i))) & 0xf]);
        if (!find_abstract(a)) {
            m_addr = a;
            m_named = true;
            list_bound(this);
            return 0;
        }
    }
    return -ENOSPC;
}

long UnixSocket::bind(const SockAddr& addr) {
    if (addr.len == sun_path_off && addr.family() == af_unix)
        return autobind();
    if (long r = validate(addr))
        return r;
    if (!addr.bytes[sun_path_off]) {
        if (m_named)
            return -EINVAL;
        if (find_abstract(addr))
            return -EADDRINUSE;
        m_addr = addr;
        m_named = true;
        list_bound(this);
        return 0;
    }
    char path[sockaddr_un_size];
    size_t n = path_of(addr, path);
    vfs::Parent par;
    if (long r = vfs::lookup_parent(vfs::at_fdcwd, path, &par))
        return r;
    long r = 0;
    vfs::Node* node = nullptr;
    if (!par.last.n || par.last.is(".") || par.last.is("..")) {
        r = -EADDRINUSE;
    } else if (vfs::Node* old = nullptr; par.dir.node->lookup(par.last, &old) == 0) {
        old->put();
        r = -EADDRINUSE;
    } else if (par.trailing_slash) {
        r = -ENOENT;
    } else if ((par.dir.mount->flags & vfs::ms_rdonly) || par.dir.node->fs->readonly) {
        r = -EROFS;
    } else if (m_named) {
        r = -EINVAL;
    } else {
        // umask(2) is the way to read the process's mask.
        uint32_t mask = uint32_t(uk_sysimpl_95(0, 0, 0, 0, 0, 0));
        uk_sysimpl_95(mask, 0, 0, 0, 0, 0);
        r = par.dir.node->create(par.last, vfs::s_ifsock | (0777 & ~mask), 0, &node);
        if (r == -EEXIST)
            r = -EADDRINUSE;
    }
    par.release();
    if (r) {
        if (node)
            node->put();
        return r;
    }
    m_node = node;
    m_addr.len = uint32_t(sun_path_off + n + 1);
    __builtin_memcpy(m_addr.bytes, addr.bytes, sun_path_off + n);
    m_addr.bytes[sun_path_off + n] = 0;
    m_named = true;
    list_bound(this);
    return 0;
}

long UnixSocket::listen(int backlog) {
    if (!connection())
        return -EOPNOTSUPP;
    if (!m_named || (m_state != State::unconnected && m_state != State::listening))
        return -EINVAL;
    if (uint32_t(backlog) > m_backlog)
        m_wq.notify(ev_out | ev_wrnorm);
    m_backlog = uint32_t(backlog);
    m_state = State::listening;
    m_peercred = true;
    return 0;
}

long UnixSocket::accept(Socket** out, SockAddr* peer, int f) {
    if (!connection())
        return -EOPNOTSUPP;
    if (m_state != State::listening)
        return -EINVAL;
    const uint64_t deadline = this->deadline(false);
    while (!m_pending_head) {
        if (nonblocking(f))
            return -EAGAIN;
        if (long r = vfs::wait_once(m_wq, deadline))
            return wait_error(r, false);
    }
    UnixSocket* c = m_pending_head;
    m_pending_head = c->m_pending_next;
    if (!m_pending_head)
        m_pending_tail = nullptr;
    c->m_pending_next = nullptr;
    m_npending--;
    c->m_embryo = false;
    // Room in the backlog for a waiting connect.
    m_wq.notify(ev_out | ev_wrnorm);
    if (peer) {
        SockAddr unnamed;
        unnamed.len = sizeof(uint16_t);
        unnamed.bytes[0] = uint8_t(af_unix);
        unnamed.bytes[1] = 0;
        if (c->m_peer)
            c->m_peer->name_of(peer);
        else
            *peer = unnamed;
    }
    *out = c;
    return 0;
}

long UnixSocket::connect(const SockAddr& addr) {
    if (!connection()) {
        if (addr.len < sizeof(uint16_t))
            return -EINVAL;
        if (addr.family() == 0) {
            // As Linux, leaving a peer drops what is queued.
            if (m_peer)
                purge();
            set_peer(nullptr);
            m_state = State::unconnected;
            return 0;
        }
        UnixSocket* other;
        if (long r = find_target(addr, type, &other))
            return r;
        if (other->m_peer && other->m_peer != this)
            return -EPERM;
        if (m_opts[passcred_opt] && !m_named)
            if (long r = autobind())
                return r;
        if (m_peer && m_peer != other)
            purge();
        set_peer(other);
        m_state = State::connected;
        m_peercred = true;
        return 0;
    }
    const uint64_t deadline = this->deadline(true);
    for (;;) {
        UnixSocket* other;
        if (long r = find_target(addr, type, &other))
            return r;
        if (other->m_state != State::listening)
            return -ECONNREFUSED;
        if (m_state == State::connected)
            return -EISCONN;
        if (m_state != State::unconnected)
            return -EINVAL;
        if (other->m_npending > other->m_backlog) {
            if (nonblocking(0))
                return -EAGAIN;
            other->hold();
            long r = vfs::wait_once(other->m_wq, deadline);
            other->drop();
            if (r)
                return wait_error(r, true);
            continue;
        }
        auto* e = vfs::make<UnixSocket>(type, protocol);
        if (!e)
            return -ENOMEM;
        if (m_opts[passcred_opt] && !m_named)
            if (long r = autobind()) {
                e->put();
                return r;
            }
        e->m_state = State::connected;
        e->m_embryo = true;
        e->m_peercred = true;
        e->m_sndbuf = other->m_sndbuf;
        e->m_rcvbuf = other->m_rcvbuf;
        if (other->m_named) {
            e->m_addr = other->m_addr;
            e->m_named = true;
        }
        e->set_peer(this);
        set_peer(e);
        m_state = State::connected;
        m_peercred = true;
        if (other->m_pending_tail)
            other->m_pending_tail->m_pending_next = e;
        else
            other->m_pending_head = e;
        other->m_pending_tail = e;
        other->m_npending++;
        other->m_wq.notify(ev_in | ev_rdnorm);
        m_wq.notify(ev_out | ev_wrnorm);
        return 0;
    }
}

Msg* new_msg(UnixSocket* from, size_t len) {
    auto* m = static_cast<Msg*>(kheap_alloc(sizeof(Msg) + len));
    if (!m)
        return nullptr;
    new (m) Msg{};
    m->from = from;
    m->len = len;
    m->charge = len + msg_overhead;
    return m;
}

// __scm_send: the control messages of a sendmsg, checked as Linux checks
// them; SCM_RIGHTS takes a reference to each file. Sets *out (nullptr when
// there is nothing to carry).
long parse_scm(const MsgIo& msg, Scm** out) {
    *out = nullptr;
    if (!msg.control || msg.control_len < cmsghdr_size)
        return 0;
    if (msg.control_len > optmem_max)
        return -ENOBUFS;
    const size_t len = msg.control_len;
    auto* buf = static_cast<uint8_t*>(kheap_alloc(len));
    if (!buf)
        return -ENOBUFS;
    if (mm::UserPtr<const uint8_t>(msg.control).read(buf, len)) {
        kheap_free(buf);
        return -EFAULT;
    }
    Scm* scm = nullptr;
    long r = 0;
    for (size_t off = 0; len - off >= cmsghdr_size;) {
        uint64_t clen;
        int32_t level, ctype;
        __builtin_memcpy(&clen, buf + off, 8);
        __builtin_memcpy(&level, buf + off + 8, 4);
        __builtin_memcpy(&ctype, buf + off + 12, 4);
        if (clen < cmsghdr_size || clen > len - off) {
            r = -EINVAL;
            break;
        }
        const uint8_t* data = buf + off + cmsghdr_size;
        size_t dlen = size_t(clen) - cmsghdr_size;
        if (level == sol_socket) {
            if (ctype != scm_rights && ctype != scm_credentials) {
                r = -EINVAL;
                break;
            }
            if (!scm) {
                scm = static_cast<Scm*>(kheap_alloc(sizeof(Scm)));
                if (!scm) {
                    r = -ENOMEM;
                    break;
                }
                new (scm) Scm{};
            }
            if (ctype == scm_credentials) {
                if (dlen != 3 * sizeof(int32_t)) {
                    r = -EINVAL;
                    break;
                }
                int32_t c[3];
                __builtin_memcpy(c, data, sizeof(c));
                // Root may claim any ids, but only a process that exists.
                if (c[1] == -1 || c[2] == -1) {
                    r = -EINVAL;
                    break;
                }
                if (c[0] != own_pid) {
                    r = -ESRCH;
                    break;
                }
                __builtin_memcpy(scm->cred, c, sizeof(c));
                scm->has_cred = true;
            } else if (size_t n = dlen / sizeof(int32_t)) {
                if (n + scm->nfiles > scm_max_fd) {
                    r = -EINVAL;
                    break;
                }
                auto** files =
                    static_cast<vfs::File**>(kheap_alloc((scm->nfiles + n) * sizeof(vfs::File*)));
                if (!files) {
                    r = -ENOMEM;
                    break;
                }
                if (scm->nfiles)
                    __builtin_memcpy(files, scm->files, scm->nfiles * sizeof(vfs::File*));
                kheap_free(scm->files);
                scm->files = files;
                for (size_t i = 0; i < n && !r; i++) {
                    int32_t fd;
                    __builtin_memcpy(&fd, data + i * 4, 4);
                    vfs::FileRef f(long{fd});
                    if (!f)
                        r = -EBADF;
                    else
                        scm->files[scm->nfiles++] = f.release();
                }
                if (r)
                    break;
            }
        }
        size_t step = (size_t(clen) + 7) & ~size_t(7);
        if (step > len - off)
            break;
        off += step;
    }
    kheap_free(buf);
    if (r) {
        free_scm(scm);
        return r;
    }
    *out = scm;
    return 0;
}

long UnixSocket::sendmsg(MsgIo& msg) {
    if (msg.flags & msg_oob)
        return -EOPNOTSUPP;
    Scm* scm;
    if (long r = parse_scm(msg, &scm))
        return r;
    long r = type == sock_stream ? send_stream(msg, scm) : send_dgram(msg, scm);
    return r;
}

// Writes a struct cmsghdr at `at` in the app's memory; false on a fault.
bool write_cmsghdr(uint64_t at, size_t len, int level, int ctype) {
    uint8_t hdr[cmsghdr_size];
    uint64_t l64 = len;
    __builtin_memcpy(hdr, &l64, 8);
    __builtin_memcpy(hdr + 8, &level, 4);
    __builtin_memcpy(hdr + 12, &ctype, 4);
    return !mm::UserPtr<uint8_t>(at).write(hdr, cmsghdr_size);
}

// Writes one control message at control_used in the app's control buffer
// (put_cmsg): truncated, with MSG_CTRUNC, when it does not fit.
void put_cmsg(MsgIo& msg, int level, int ctype, const void* data, size_t len) {
    size_t avail = msg.control_len - msg.control_used;
    if (!msg.control || avail < cmsghdr_size) {
        msg.out_flags |= msg_ctrunc;
        return;
    }
    size_t cmlen = cmsghdr_size + len;
    if (avail < cmlen) {
        msg.out_flags |= msg_ctrunc;
        cmlen = avail;
    }
    uint64_t at = msg.control + msg.control_used;
    if (!write_cmsghdr(at, cmlen, level, ctype) ||
        mm::UserPtr<uint8_t>(at + cmsghdr_size)
            .write(static_cast<const uint8_t*>(data), cmlen - cmsghdr_size))
        return;
    size_t space = cmsghdr_size + ((len + 7) & ~size_t(7));
    msg.control_used += space < avail ? space : avail;
}

// scm_recv: the sender's credentials when this socket has SO_PASSCRED,
// then the files, each installed as a new fd (those that do not fit are
// closed, with MSG_CTRUNC). A peek installs new fds and leaves the
// message its files.
void UnixSocket::deliver_scm(MsgIo& msg, Msg* m, bool peek, bool creds) {
    Scm* scm = m->scm;
    if (creds && m_opts[passcred_opt]) {
        int32_t cred[3] = {own_pid, 0, 0};
        if (scm && scm->has_cred)
            __builtin_memcpy(cred, scm->cred, sizeof(cred));
        put_cmsg(msg, sol_socket, scm_credentials, cred, sizeof(cred));
    }
    if (!scm || !scm->nfiles)
        return;
    size_t avail = msg.control ? msg.control_len - msg.control_used : 0;
    size_t fdmax = avail > cmsghdr_size ? (avail - cmsghdr_size) / sizeof(int32_t) : 0;
    const bool cloexec = msg.flags & msg_cmsg_cloexec;
    uint32_t i = 0;
    for (; i < scm->nfiles && i < fdmax; i++) {
        vfs::File* f = scm->files[i];
        f->get();
        long fd = vfs::fd_install(f, cloexec);
        if (fd < 0)
            break;
        int32_t v = int32_t(fd);
        uint64_t at = msg.control + msg.control_used + cmsghdr_size + i * sizeof(int32_t);
        if (mm::UserPtr<int32_t>(at).put(v)) {
            vfs::fd_close(fd);
            break;
        }
    }
    if (i) {
        if (write_cmsghdr(msg.control + msg.control_used, cmsghdr_size + i * sizeof(int32_t),
                          sol_socket, scm_rights)) {
            size_t space = cmsghdr_size + ((i * sizeof(int32_t) + 7) & ~size_t(7));
            msg.control_used += space < avail ? space : avail;
        }
    }
    if (i < scm->nfiles)
        msg.out_flags |= msg_ctrunc;
    if (!peek)
        scm->release();
}

long UnixSocket::send_stream(MsgIo& msg, Scm* scm) {
    // The files go with the first message; whatever is left over is let go.
    struct Guard {
        Scm*& s;
        ~Guard() { free_scm(s); }
    } guard{scm};
    if (msg.has_addr && msg.addr.len)
        return m_state == State::connected ? -EISCONN : -EOPNOTSUPP;
    if (m_state != State::connected || !m_peer)
        return -ENOTCONN;
    if (m_shut & send_shutdown)
        return -EPIPE;
    IoBuf& buf = *msg.data;
    const uint64_t deadline = this->deadline(true);
    size_t sent = 0;
    while (buf.left()) {
        UnixSocket* other = m_peer;
        if (other->m_dead || (other->m_shut & rcv_shutdown) || (m_shut & send_shutdown))
            return sent ? long(sent) : -EPIPE;
        if (m_wmem >= m_sndbuf) {
            if (nonblocking(msg.flags))
                return sent ? long(sent) : -EAGAIN;
            if (long r = vfs::wait_once(m_wq, deadline))
                return sent ? long(sent) : wait_error(r, true);
            continue;
        }
        size_t n = buf.left();
        if (n > m_sndbuf / 2 - 64)
            n = m_sndbuf / 2 - 64;
        Msg* m = new_msg(this, n);
        if (!m)
            return sent ? long(sent) : -ENOMEM;
        if (buf.drain(m->data, n) < n) {
            kheap_free(m);
            return sent ? long(sent) : -EFAULT;
        }
        m->scm = scm;
        scm = nullptr;
        hold();
        m_wmem += m->charge;
        other->enqueue(m);
        sent += n;
    }
    return long(sent);
}

long UnixSocket::send_dgram(MsgIo& msg, Scm* scm) {
    struct Guard {
        Scm*& s;
        ~Guard() { free_scm(s); }
    } guard{scm};
    IoBuf& buf = *msg.data;
    const size_t len = buf.left();
    UnixSocket* other = nullptr;
    bool named = false;
    if (type == sock_seqpacket) {
        if (m_err) {
            long e = m_err;
            m_err = 0;
            return -e;
        }
        if (m_state != State::connected)
            return -ENOTCONN;
        if (m_shut & send_shutdown)
            return -EPIPE;
    } else if (msg.has_addr && msg.addr.len) {
        if (long r = validate(msg.addr))
            return r;
        named = true;
    } else if (!m_peer) {
        return -ENOTCONN;
    }
    if (m_opts[passcred_opt] && !m_named)
        if (long r = autobind())
            return r;
    if (len > m_sndbuf - 32)
        return -EMSGSIZE;
    const uint64_t deadline = this->deadline(true);
    while (m_wmem >= m_sndbuf) {
        if (nonblocking(msg.flags))
            return -EAGAIN;
        if (long r = vfs::wait_once(m_wq, deadline))
            return wait_error(r, true);
    }
    Msg* m = new_msg(this, len);
    if (!m)
        return -ENOMEM;
    if (buf.drain(m->data, len) < len) {
        kheap_free(m);
        return -EFAULT;
    }
    long r = 0;
    for (;;) {
        if (named) {
            if ((r = find_target(msg.addr, type, &other)))
                break;
        } else {
            other = m_peer;
        }
        if (!other || other->m_dead) {
            if (type == sock_seqpacket) {
                r = -EPIPE;
            } else if (other && other == m_peer) {
                set_peer(nullptr);
                m_state = State::unconnected;
                r = -ECONNREFUSED;
            } else {
                r = named ? -ECONNREFUSED : -ENOTCONN;
            }
            break;
        }
        if (other->m_peer && other->m_peer != this) {
            r = -EPERM;
            break;
        }
        if (other->m_shut & rcv_shutdown) {
            r = -EPIPE;
            break;
        }
        if (other != this && other->m_peer != this && other->m_qlen > max_dgram_qlen) {
            if (nonblocking(msg.flags)) {
                r = -EAGAIN;
                break;
            }
            other->hold();
            long w = vfs::wait_once(other->m_wq, deadline);
            other->drop();
            if (w) {
                r = wait_error(w, true);
                break;
            }
            continue;
        }
        break;
    }
    if (r) {
        kheap_free(m);
        return r;
    }
    m->scm = scm;
    scm = nullptr;
    hold();
    m_wmem += m->charge;
    other->enqueue(m);
    return long(len);
}

long UnixSocket::recvmsg(MsgIo& msg) {
    if (msg.flags & msg_oob)
        return -EINVAL;
    return type == sock_stream ? recv_stream(msg) : recv_dgram(msg);
}

long UnixSocket::recv_stream(MsgIo& msg) {
    if (m_state != State::connected)
        return -EINVAL;
    IoBuf& buf = *msg.data;
    const bool peek = msg.flags & msg_peek;
    const size_t target = (msg.flags & msg_waitall) && buf.left() ? buf.left() : 1;
    const uint64_t deadline = this->deadline(false);
    size_t copied = 0;
    Msg* m = m_queue.front();
    size_t skip = 0; // MSG_PEEK: bytes of m already copied
    do {
        if (!m) {
            if (copied >= target)
                break;
            if (m_err) {
                long e = m_err;
                m_err = 0;
                return copied ? long(copied) : -e;
            }
            if (m_shut & rcv_shutdown)
                break;
            if (nonblocking(msg.flags))
                return copied ? long(copied) : -EAGAIN;
            if (long r = vfs::wait_once(m_wq, deadline))
                return copied ? long(copied) : wait_error(r, false);
            m = m_queue.front();
            // Peeking again from the start would repeat bytes: go on from
            // the first message not yet copied.
            if (peek)
                for (size_t k = copied; m && k >= m->len - m->off; m = m_queue.next(m))
                    k -= m->len - m->off;
            skip = 0;
            continue;
        }
        if (msg.data && !copied && !msg.has_addr && m->from->m_named) {
            msg.addr = m->from->m_addr;
            msg.has_addr = true;
        }
        size_t avail = m->len - m->off - skip;
        size_t n = avail < buf.left() ? avail : buf.left();
        if (buf.fill(m->data + m->off + skip, n) < n) {
            if (!copied)
                return -EFAULT;
            break;
        }
        // A read ends after the message that brought files (Linux's
        // unix_stream_read_generic); credentials come with the first.
        const bool had_files = m->scm && m->scm->nfiles && !skip;
        if (had_files || (!copied && m_opts[passcred_opt]))
            deliver_scm(msg, m, peek, !copied);
        copied += n;
        if (peek) {
            skip += n;
            if (skip == m->len - m->off) {
                m = m_queue.next(m);
                skip = 0;
            }
        } else {
            m->off += n;
            m_qbytes -= n;
            if (m->off == m->len) {
                Msg* next = m_queue.next(m);
                m_queue.remove(m);
                m_qlen--;
                free_msg(m);
                m = next;
            }
        }
        if (had_files)
            break;
    } while (buf.left());
    return long(copied);
}

long UnixSocket::recv_dgram(MsgIo& msg) {
    if (type == sock_seqpacket && m_state != State::connected)
        return -ENOTCONN;
    IoBuf& buf = *msg.data;
    const uint64_t deadline = this->deadline(false);
    Msg* m;
    while (!(m = m_queue.front())) {
        if (m_err) {
            long e = m_err;
            m_err = 0;
            return -e;
        }
        if (m_shut & rcv_shutdown)
            return 0;
        if (nonblocking(msg.flags))
            return -EAGAIN;
        if (long r = vfs::wait_once(m_wq, deadline))
            return wait_error(r, false);
    }
    size_t n = m->len < buf.left() ? m->len : buf.left();
    if (m->len > n)
        msg.out_flags |= msg_trunc;
    if (m->from->m_named) {
        msg.addr = m->from->m_addr;
        msg.has_addr = true;
    }
    size_t got = buf.fill(m->data, n);
    const long len = long(m->len);
    if (got == n && (m->scm || m_opts[passcred_opt]))
        deliver_scm(msg, m, msg.flags & msg_peek, true);
    if (!(msg.flags & msg_peek))
        consume(m);
    if (got < n)
        return -EFAULT;
    return (msg.flags & msg_trunc) ? len : long(n);
}

long UnixSocket::shutdown(int how) {
    if (how < shut_rd || how > shut_rdwr)
        return -EINVAL;
    int mode = (how + 1) & shutdown_mask;
    m_shut |= mode;
    m_wq.notify(ev_in | ev_out | ev_rdhup | ev_hup);
    if (connection() && m_peer) {
        int peer_mode = ((mode & rcv_shutdown) ? send_shutdown : 0) |
                        ((mode & send_shutdown) ? rcv_shutdown : 0);
        m_peer->m_shut |= peer_mode;
        m_peer->m_wq.notify(ev_in | ev_out | ev_rdhup | ev_hup);
    }
    return 0;
}

long UnixSocket::getsockname(SockAddr* out) {
    name_of(out);
    return 0;
}

long UnixSocket::getpeername(SockAddr* out) {
    if (!m_peer || (connection() && m_state != State::connected))
        return -ENOTCONN;
    m_peer->name_of(out);
    return 0;
}

long UnixSocket::setsockopt(int level, int name, const OptVal& val) {
    if (level != sol_socket)
        return -EOPNOTSUPP;
    if (val.len < sizeof(int))
        return -EINVAL;
    int v;
    __builtin_memcpy(&v, val.bytes, sizeof(v));
    if (name == so_reuseport && v)
        return -EOPNOTSUPP;
    for (size_t i = 0; i < n_stored; i++) {
        if (stored_opts[i].name == name) {
            m_opts[i] = stored_opts[i].boolean ? v != 0 : v;
            if (name == so_rcvlowat && !v)
                m_opts[i] = 1;
            return 0;
        }
    }
    switch (name) {
    case so_sndbuf:
    case so_sndbufforce:
    case so_rcvbuf:
    case so_rcvbufforce: {
        uint32_t u = uint32_t(v);
        if ((name == so_sndbuf || name == so_rcvbuf) && u > buf_default)
            u = buf_default;
        if (u > INT32_MAX / 2)
            u = INT32_MAX / 2;
        if (name == so_sndbuf || name == so_sndbufforce) {
            m_sndbuf = u * 2 < sndbuf_min ? sndbuf_min : u * 2;
            m_wq.notify(ev_out | ev_wrnorm);
        } else {
            m_rcvbuf = u * 2 < rcvbuf_min ? rcvbuf_min : u * 2;
        }
        return 0;
    }
    case so_linger:
        if (val.len < 2 * sizeof(int))
            return -EINVAL;
        __builtin_memcpy(m_linger, val.bytes, sizeof(m_linger));
        m_linger[0] = m_linger[0] != 0;
        return 0;
    default:
        return -ENOPROTOOPT;
    }
}

long UnixSocket::getsockopt(int level, int name, OptVal* val) {
    if (level != sol_socket)
        return -EOPNOTSUPP;
    auto put = [val](const void* p, uint32_t n) {
        __builtin_memcpy(val->bytes, p, n);
        val->len = n;
        return 0;
    };
    auto put_int = [&put](int x) { return put(&x, sizeof(x)); };
    for (size_t i = 0; i < n_stored; i++)
        if (stored_opts[i].name == name)
            return put_int(name == so_rcvlowat && !m_opts[i] ? 1 : m_opts[i]);
    switch (name) {
    case so_error: {
        int e = m_err;
        m_err = 0;
        return put_int(e);
    }
    case so_acceptconn:
        return put_int(m_state == State::listening);
    case so_sndbuf:
        return put_int(int(m_sndbuf));
    case so_rcvbuf:
        return put_int(int(m_rcvbuf));
    case so_linger:
        return put(m_linger, sizeof(m_linger));
    case so_peercred: {
        // The process is pid 1 and runs as root.
        int cred[3] = {0, -1, -1};
        if (m_peercred)
            cred[0] = 1, cred[1] = 0, cred[2] = 0;
        return put(cred, sizeof(cred));
    }
    default:
        return -ENOPROTOOPT;
    }
}

long UnixSocket::ioctl(unsigned long cmd, uint64_t arg) {
    if (cmd != fionread)
        return Socket::ioctl(cmd, arg);
    if (m_state == State::listening)
        return -EINVAL;
    int n = 0;
    if (connection())
        n = int(m_qbytes);
    else if (Msg* m = m_queue.front())
        n = int(m->len);
    return mm::UserPtr<int>(arg).put(n) ? -EFAULT : 0;
}

uint32_t UnixSocket::poll(vfs::PollTable* pt) {
    if (pt)
        pt->wait_on(m_wq);
    uint32_t m = 0;
    if (m_err)
        m |= ev_err;
    if (m_shut == shutdown_mask)
        m |= ev_hup;
    if (m_shut & rcv_shutdown)
        m |= ev_rdhup | ev_in | ev_rdnorm;
    if (!m_queue.empty() || m_pending_head)
        m |= ev_in | ev_rdnorm;
    if (connection() && m_state == State::unconnected)
        m |= ev_hup;
    bool writable = m_state != State::listening && m_wmem * 4 <= m_sndbuf;
    if (writable && !connection() && m_peer && m_peer->m_peer != this &&
        m_peer->m_qlen > max_dgram_qlen)
        writable = false;
    if (writable)
        m |= ev_out | ev_wrnorm | ev_wrband;
    return m;
}

void UnixSocket::close() {
    m_dead = true;
    if (m_listed)
        unlist_bound(this);
    while (UnixSocket* e = m_pending_head) {
        m_pending_head = e->m_pending_next;
        e->put();
    }
    m_pending_tail = nullptr;
    m_npending = 0;
    if (connection() && m_peer) {
        UnixSocket* p = m_peer;
        p->m_shut = shutdown_mask;
        if (!m_queue.empty() || m_embryo)
            p->m_err = ECONNRESET;
        p->m_wq.notify(ev_in | ev_out | ev_hup | ev_rdhup | ev_err);
    }
    set_peer(nullptr);
    purge();
}

long unix_create(int type, int protocol, Socket** out) {
    if (protocol && protocol != af_unix)
        return -EPROTONOSUPPORT;
    if (type == sock_raw)
        type = sock_dgram;
    if (type != sock_stream && type != sock_dgram && type != sock_seqpacket)
        return -ESOCKTNOSUPPORT;
    // Linux keeps no protocol for AF_UNIX: SO_PROTOCOL answers 0 even for 1.
    auto* s = vfs::make<UnixSocket>(type, 0);
    if (!s)
        return -ENOMEM;
    *out = s;
    return 0;
}

long unix_pair(int type, int protocol, Socket** a, Socket** b) {
    Socket *x, *y;
    if (long r = unix_create(type, protocol, &x))
        return r;
    if (long r = unix_create(type, protocol, &y)) {
        x->put();
        return r;
    }
    auto* s1 = static_cast<UnixSocket*>(x);
    auto* s2 = static_cast<UnixSocket*>(y);
    s1->set_peer(s2);
    s2->set_peer(s1);
    s1->m_state = s2->m_state = State::connected;
    s1->m_peercred = s2->m_peercred = true;
    *a = s1;
    *b = s2;
    return 0;
}

} // namespace

} // namespace uk::net

UK_SOCKET_FAMILY(unix, {::uk::net::af_unix, ::uk::net::unix_create, ::uk::net::unix_pair});
