#include "vfs/p9_client.h"

#include <new>

#include "lib/errno.h"
#include "lib/list.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "sched/sched.h"

namespace uk::p9 {

namespace {

constinit Transport* g_transports = nullptr;

// The slot's two message buffers: whole pages, so that they are physically
// contiguous.
constexpr size_t slot_pages = 2 * Slot::buf_size / mm::page_size;

uint64_t phys(const void* p) {
    return mm::virt_to_phys(p);
}

bool same(const char* a, const char* b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

// A thread waiting for a free slot.
struct SlotWaiter {
    ListNode<SlotWaiter> link;
    sched::Thread* thread;
};
using SlotWaiters = IntrusiveList<SlotWaiter, &SlotWaiter::link>;

// An asynchronous clunk: what its completion needs to finish it.
struct AsyncClunk {
    Completion c; // first: the completion is the clunk
    Client* client;
    Slot* slot;
    uint32_t fid;
};

} // namespace

void add_transport(Transport* t) {
    t->next = g_transports;
    g_transports = t;
}

Transport* find_transport(const char* tag) {
    for (Transport* t = g_transports; t; t = t->next) {
        if (same(t->tag, tag))
            return t;
    }
    return nullptr;
}

long Client::connect(Transport* t, uint32_t msize, Client** out) {
    if (t->max_segs() < 3)
        return -EIO;
    void* mem = kheap_alloc(sizeof(Client), alignof(Client));
    if (!mem)
        return -ENOMEM;
    auto* c = new (mem) Client();
    c->m_t = t;
    c->m_max_segs = t->max_segs();
    c->m_slot_waiters = kheap_alloc(sizeof(SlotWaiters), alignof(SlotWaiters));
    if (c->m_slot_waiters)
        new (c->m_slot_waiters) SlotWaiters();
    Slot* s = c->m_slot_waiters ? c->get_slot() : nullptr;
    long r = -ENOMEM;
    uint32_t got = 0;
    if (s) {
        size_t tlen = tversion(s->t, Slot::buf_size, msize, cstr(version_9p2000l));
        Decoder d;
        Str version;
        r = c->rpc(s, tlen, r_version, &d);
        if (r == 0)
            r = rversion(d, &got, &version);
        // The server answers with its own version string: anything but
        // ours means it cannot speak 9P2000.L. An msize too small for a
        // walk's or a getattr's reply is no use either.
        if (r == 0 && (version.n != 8 || __builtin_memcmp(version.p, version_9p2000l, 8) != 0 ||
                       got < 4096 || got > msize))
            r = -EPROTO;
        c->put_slot(s);
    }
    if (r) {
        c->destroy();
        return r;
    }
    c->m_msize = got;
    *out = c;
    return 0;
}

void Client::destroy() {
    for (size_t i = 0; i < m_nslots; i++) {
        mm::free_pages(m_slots[i]->t, slot_pages);
        kheap_free(m_slots[i]);
    }
    kheap_free(m_slot_waiters);
    kheap_free(this);
}

uint32_t Client::new_fid() {
    if (m_fid_top)
        return m_fid_stack[--m_fid_top];
    return m_next_fid++;
}

void Client::free_fid(uint32_t fid) {
    if (m_fid_top < fid_stack_size)
        m_fid_stack[m_fid_top++] = fid;
}

Slot* Client::make_slot() {
    if (m_nslots == max_slots)
        return nullptr;
    void* bufs = mm::alloc_pages(slot_pages, 1, mm::Fill::any);
    // One more segment than a request may have: a write's chain starts at
    // segs[1] (see write()).
    size_t bytes = sizeof(Slot) + (m_max_segs + 1) * sizeof(Seg);
    auto* s = static_cast<Slot*>(kheap_alloc(bytes, alignof(Slot)));
    if (!bufs || !s) {
        if (bufs)
            mm::free_pages(bufs, slot_pages);
        kheap_free(s);
        return nullptr;
    }
    s->tag = uint16_t(m_nslots);
    s->t = static_cast<uint8_t*>(bufs);
    s->r = s->t + Slot::buf_size;
    s->next_free = nullptr;
    s->segs = reinterpret_cast<Seg*>(s + 1);
    m_slots[m_nslots++] = s;
    return s;
}

Slot* Client::get_slot() {
    auto& waiters = *static_cast<SlotWaiters*>(m_slot_waiters);
    for (;;) {
        if (Slot* s = m_free) {
            m_free = s->next_free;
            return s;
        }
        if (Slot* s = make_slot())
            return s;
        if (m_nslots < max_slots)
            return nullptr; // memory is short
        // Every tag is in flight: one comes back when its request ends.
        SlotWaiter w{{}, sched::current()};
        waiters.push_back(&w);
        sched::block(0, sched::Signals::defer);
        if (SlotWaiters::linked(&w))
            waiters.remove(&w);
    }
}

void Client::put_slot(Slot* s) {
    s->next_free = m_free;
    m_free = s;
    auto& waiters = *static_cast<SlotWaiters*>(m_slot_waiters);
    if (SlotWaiter* w = waiters.pop_front())
        sched::wake(w->thread, 0);
}

long Client::rpc(Slot* s, size_t tlen, uint8_t rtype, Decoder* body, void* rbuf, size_t rcap) {
    // An encoder that ran out of room: only a name or target longer than
    // the VFS lets through could do that.
    if (!tlen)
        return -ENAMETOOLONG;
    void* r = rbuf ? rbuf : s->r;
    size_t cap = rbuf ? rcap : Slot::buf_size;
    s->segs[0] = {phys(s->t), uint32_t(tlen), false};
    s->segs[1] = {phys(r), uint32_t(cap), true};
    long written = m_t->call(s->segs, 2);
    if (written < 0)
        return written;
    uint16_t tag = s->t[4] == t_version ? no_tag : s->tag;
    size_t w = size_t(written);
    return open_reply(r, w < cap ? w : cap, w, rtype, tag, body);
}

// The operations: one slot each, returned before the result is.
#define P9_CALL(encode, rtype, decode)                                                             \
    do {                                                                                           \
        Slot* s = get_slot();                                                                      \
        if (!s)                                                                                    \
            return -ENOMEM;                                                                        \
        Decoder d;                                                                                 \
        long r = rpc(s, encode, rtype, &d);                                                        \
        if (r == 0) {                                                                              \
            decode;                                                                                \
        }                                                                                          \
        put_slot(s);                                                                               \
        return r;                                                                                  \
    } while (0)

long Client::attach(uint32_t fid, Str uname, Str aname, uint32_t n_uname, Qid* qid) {
    P9_CALL(tattach(s->t, Slot::buf_size, s->tag, fid, uname, aname, n_uname), r_attach,
            r = rqid(d, qid));
}

long Client::walk(uint32_t fid, uint32_t newfid, const Str* names, size_t n, Qid* qid) {
    if (n > max_walk_names)
        return -ENAMETOOLONG;
    Qid qids[max_walk_names];
    size_t got = 0;
    long result;
    {
        Slot* s = get_slot();
        if (!s)
            return -ENOMEM;
        Decoder d;
        result = rpc(s, twalk(s->t, Slot::buf_size, s->tag, fid, newfid, names, n), r_walk, &d);
        if (result == 0)
            result = rwalk(d, qids, n, &got);
        put_slot(s);
    }
    if (result)
        return result;
    // A walk that stopped early made no fid (9P: newfid is affected only
    // when every name was walked).
    if (got != n)
        return -ENOENT;
    if (qid && n)
        *qid = qids[n - 1];
    return 0;
}

long Client::lopen(uint32_t fid, uint32_t flags, Qid* qid, uint32_t* iounit) {
    P9_CALL(tlopen(s->t, Slot::buf_size, s->tag, fid, flags), r_lopen, r = rlopen(d, qid, iounit));
}

long Client::lcreate(uint32_t fid, Str name, uint32_t flags, uint32_t mode, uint32_t gid,
                     Qid* qid) {
    uint32_t iounit;
    P9_CALL(tlcreate(s->t, Slot::buf_size, s->tag, fid, name, flags, mode, gid), r_lcreate,
            r = rlopen(d, qid, &iounit));
}

long Client::mkdir(uint32_t dfid, Str name, uint32_t mode, uint32_t gid, Qid* qid) {
    P9_CALL(tmkdir(s->t, Slot::buf_size, s->tag, dfid, name, mode, gid), r_mkdir, r = rqid(d, qid));
}

long Client::symlink(uint32_t dfid, Str name, Str target, uint32_t gid, Qid* qid) {
    P9_CALL(tsymlink(s->t, Slot::buf_size, s->tag, dfid, name, target, gid), r_symlink,
            r = rqid(d, qid));
}

long Client::mknod(uint32_t dfid, Str name, uint32_t mode, uint32_t major, uint32_t minor,
                   uint32_t gid, Qid* qid) {
    P9_CALL(tmknod(s->t, Slot::buf_size, s->tag, dfid, name, mode, major, minor, gid), r_mknod,
            r = rqid(d, qid));
}

long Client::link(uint32_t dfid, uint32_t fid, Str name) {
    P9_CALL(tlink(s->t, Slot::buf_size, s->tag, dfid, fid, name), r_link, (void)d);
}

long Client::unlinkat(uint32_t dfid, Str name, uint32_t flags) {
    P9_CALL(tunlinkat(s->t, Slot::buf_size, s->tag, dfid, name, flags), r_unlinkat, (void)d);
}

long Client::renameat(uint32_t olddfid, Str oldname, uint32_t newdfid, Str newname) {
    P9_CALL(trenameat(s->t, Slot::buf_size, s->tag, olddfid, oldname, newdfid, newname), r_renameat,
            (void)d);
}

long Client::readlink(uint32_t fid, char* buf, size_t len) {
    P9_CALL(treadlink(s->t, Slot::buf_size, s->tag, fid), r_readlink, {
        Str target;
        r = rreadlink(d, &target);
        if (r == 0) {
            size_t n = target.n < len ? target.n : len;
            __builtin_memcpy(buf, target.p, n);
            r = long(n);
        }
    });
}

long Client::getattr(uint32_t fid, uint64_t mask, Attr* a) {
    P9_CALL(tgetattr(s->t, Slot::buf_size, s->tag, fid, mask), r_getattr, {
        Attr tmp;
        r = rgetattr(d, a ? a : &tmp);
    });
}

long Client::setattr(uint32_t fid, const SetAttr& sa) {
    P9_CALL(tsetattr(s->t, Slot::buf_size, s->tag, fid, sa), r_setattr, (void)d);
}

long Client::statfs(uint32_t fid, StatFs* st) {
    P9_CALL(tstatfs(s->t, Slot::buf_size, s->tag, fid), r_statfs, r = rstatfs(d, st));
}

long Client::fsync(uint32_t fid, bool datasync) {
    P9_CALL(tfsync(s->t, Slot::buf_size, s->tag, fid, datasync), r_fsync, (void)d);
}

long Client::clunk(uint32_t fid) {
    Slot* s = get_slot();
    if (!s)
        return -ENOMEM;
    Decoder d;
    long r = rpc(s, tclunk(s->t, Slot::buf_size, s->tag, fid), r_clunk, &d);
    put_slot(s);
    // The server forgets the fid even when the clunk reports an error.
    free_fid(fid);
    return r;
}

void Client::clunk_async(uint32_t fid) {
    Slot* s = get_slot();
    if (!s) {
        // Not even a slot: the fid number is lost, the server keeps it.
        return;
    }
    size_t tlen = tclunk(s->t, Slot::buf_size, s->tag, fid);
    // The context lives in the slot's reply buffer past the reply (Rclunk
    // and Rlerror are 11 bytes).
    auto* ctx = reinterpret_cast<AsyncClunk*>(s->r + 64);
    auto done = [](Completion* c) {
        auto* a = reinterpret_cast<AsyncClunk*>(c);
        a->client->free_fid(a->fid);
        a->client->put_slot(a->slot);
    };
    *ctx = AsyncClunk{{done, 0}, this, s, fid};
    s->segs[0] = {phys(s->t), uint32_t(tlen), false};
    s->segs[1] = {phys(s->r), 64, true};
    if (m_t->post(s->segs, 2, &ctx->c) != 0) {
        put_slot(s);
        clunk(fid);
    }
}

long Client::read(Slot* s, uint32_t fid, uint64_t off, size_t nseg, uint32_t count) {
    size_t tlen = tread(s->t, Slot::buf_size, s->tag, fid, off, count);
    s->segs[0] = {phys(s->t), uint32_t(tlen), false};
    s->segs[1] = {phys(s->r), uint32_t(rread_header_size), true};
    long written = m_t->call(s->segs, 2 + nseg);
    if (written < 0)
        return written;
    Decoder d;
    long r = open_reply(s->r, rread_header_size, size_t(written), r_read, s->tag, &d);
    if (r)
        return r;
    uint32_t got;
    r = rread_count(d, count, message_size(s->r), &got);
    return r ? r : long(got);
}

long Client::write(Slot* s, uint32_t fid, uint64_t off, size_t nseg, uint32_t count) {
    size_t tlen = twrite(s->t, Slot::buf_size, s->tag, fid, off, count, nullptr);
    // The server reads every segment before the first it writes: the
    // message's header goes just before the data, the reply after it.
    s->segs[1] = {phys(s->t), uint32_t(tlen), false};
    s->segs[2 + nseg] = {phys(s->r), 64, true};
    long written = m_t->call(s->segs + 1, 2 + nseg);
    if (written < 0)
        return written;
    Decoder d;
    long r = open_reply(s->r, size_t(written) < 64 ? size_t(written) : 64, size_t(written), r_write,
                        s->tag, &d);
    if (r)
        return r;
    uint32_t got;
    r = rwrite(d, count, &got);
    return r ? r : long(got);
}

long Client::readdir(uint32_t fid, uint64_t off, void* buf, size_t cap, Str* entries) {
    if (cap > m_msize)
        cap = m_msize;
    uint32_t count = uint32_t(cap - rreaddir_header_size);
    Slot* s = get_slot();
    if (!s)
        return -ENOMEM;
    Decoder d;
    long r =
        rpc(s, treaddir(s->t, Slot::buf_size, s->tag, fid, off, count), r_readdir, &d, buf, cap);
    if (r == 0)
        r = rreaddir(d, count, entries);
    put_slot(s);
    return r;
}

} // namespace uk::p9
