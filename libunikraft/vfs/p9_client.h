// The 9P2000.L client: one session per channel to a host's 9P server (a
// virtio-9p device), with the requests of several threads in flight at once
// (each under its own tag), fids, and one call per protocol operation. The
// file system (vfs/p9fs.cc) builds on it; the channel comes from a driver
// (drivers/virtio_9p.cc) through the Transport interface.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vfs/p9_proto.h"

namespace uk::p9 {

class Client;

/// One buffer of a request: memory by physical address that the server
/// either reads (the request) or writes (the reply). Laid out as the
/// virtio core's segment.
struct Seg {
    uint64_t phys;
    uint32_t len;
    bool device_writes;
};

/// A request sent without waiting: `done` runs (kernel context, must not
/// block) once the server answered, with the bytes it wrote in `written`.
struct Completion {
    void (*done)(Completion* c);
    uint32_t written;
};

/// What carries 9P messages to a server: made and registered by a driver.
class Transport {
  public:
    /// Sends a request whose segments the server reads first and writes
    /// after, and blocks (a signal does not end the wait: the server owns
    /// the buffers until it answers) until the server answered. Returns the
    /// bytes it wrote, or -errno when the request could not be sent.
    virtual long call(const Seg* segs, size_t n) = 0;
    /// Sends a request and returns at once; c->done runs once the server
    /// answered (c stays the caller's until then). Returns 0 or -errno
    /// (then it never runs).
    virtual long post(const Seg* segs, size_t n, Completion* c) = 0;
    /// The most segments one request may have.
    virtual size_t max_segs() const = 0;

    /// The mount tag the server exports under.
    const char* tag = "";
    /// The session once a mount opened one.
    Client* client = nullptr;
    Transport* next = nullptr;

  protected:
    ~Transport() = default;
};

/// Registers a transport (drivers, at probe time).
void add_transport(Transport* t);
/// The transport whose tag is `tag`, or nullptr.
Transport* find_transport(const char* tag);

/// A request's buffers and tag while it is in flight: the message goes
/// into `t`, small replies come back into `r`; a read or write puts its
/// data segments at data_segs() (Client::max_data_segs() of them).
struct Slot {
    static constexpr size_t buf_size = 8192;
    uint16_t tag;
    uint8_t* t; // buf_size bytes, DMA-able
    uint8_t* r; // buf_size bytes, DMA-able
    Slot* next_free;
    Seg* segs; // the request's segments: t, r, then data
    Seg* data_segs() { return segs + 2; }
};

/// A session with one server.
class Client {
  public:
    /// Opens the session on `t` (Tversion), asking for an msize of `msize`
    /// bytes; the server may lower it. Returns 0, -EPROTO when the server
    /// does not speak 9P2000.L, -ENOMEM, or the transport's error.
    static long connect(Transport* t, uint32_t msize, Client** out);

    /// The negotiated largest message.
    uint32_t msize() const { return m_msize; }
    /// The most data segments a read or write may carry.
    size_t max_data_segs() const { return m_max_segs - 2; }

    /// A fid number not in use, and the return of one that the server no
    /// longer knows (clunked, or never made because the call failed).
    uint32_t new_fid();
    void free_fid(uint32_t fid);

    /// A request slot (its buffers and tag), waiting when every tag is in
    /// use; nullptr when memory is short. put_slot returns it.
    Slot* get_slot();
    void put_slot(Slot* s);

    /// Sends slot s's request (tlen bytes in s->t) and opens the reply of
    /// type `rtype` in s->r (or in `rbuf`, rcap bytes of DMA-able memory)
    /// into *body. Returns 0 or -errno (the server's, or -EPROTO).
    long rpc(Slot* s, size_t tlen, uint8_t rtype, Decoder* body, void* rbuf = nullptr,
             size_t rcap = 0);

    // The operations. Each returns 0 or -errno unless it says otherwise.

    long attach(uint32_t fid, Str uname, Str aname, uint32_t n_uname, Qid* qid);
    /// Walks `n` names (at most max_walk_names; 0 clones) from fid to
    /// newfid. Succeeds only when every name was walked (-ENOENT when the
    /// server stopped early); newfid is in use only on success. *qid gets
    /// the last name's qid (fid's own for a clone) when not null.
    long walk(uint32_t fid, uint32_t newfid, const Str* names, size_t n, Qid* qid);
    long lopen(uint32_t fid, uint32_t flags, Qid* qid, uint32_t* iounit);
    long lcreate(uint32_t fid, Str name, uint32_t flags, uint32_t mode, uint32_t gid, Qid* qid);
    long mkdir(uint32_t dfid, Str name, uint32_t mode, uint32_t gid, Qid* qid);
    long symlink(uint32_t dfid, Str name, Str target, uint32_t gid, Qid* qid);
    long mknod(uint32_t dfid, Str name, uint32_t mode, uint32_t major, uint32_t minor, uint32_t gid,
               Qid* qid);
    long link(uint32_t dfid, uint32_t fid, Str name);
    long unlinkat(uint32_t dfid, Str name, uint32_t flags);
    long renameat(uint32_t olddfid, Str oldname, uint32_t newdfid, Str newname);
    /// The link target into buf (not terminated): its length, truncated to
    /// len.
    long readlink(uint32_t fid, char* buf, size_t len);
    long getattr(uint32_t fid, uint64_t mask, Attr* a);
    long setattr(uint32_t fid, const SetAttr& sa);
    long statfs(uint32_t fid, StatFs* s);
    long fsync(uint32_t fid, bool datasync);
    /// Clunks fid and frees its number. Waits for the answer.
    long clunk(uint32_t fid);
    /// Clunks fid without waiting (the number is freed once the server
    /// answered). Falls back to clunk() when the request cannot be posted.
    void clunk_async(uint32_t fid);

    /// Reads up to `count` bytes at `off` straight into the nseg data
    /// segments of slot s (which hold at least count bytes). Returns the
    /// bytes read or -errno. The caller keeps the slot.
    long read(Slot* s, uint32_t fid, uint64_t off, size_t nseg, uint32_t count);
    /// Writes `count` bytes from the nseg data segments of slot s at `off`.
    /// Returns the bytes written or -errno.
    long write(Slot* s, uint32_t fid, uint64_t off, size_t nseg, uint32_t count);
    /// Reads directory entries from `off` into buf (cap bytes, DMA-able,
    /// room for the reply's header included). Returns 0 with *entries
    /// pointing into buf (empty at the end) or -errno.
    long readdir(uint32_t fid, uint64_t off, void* buf, size_t cap, Str* entries);

  private:
    Client() = default;
    /// Frees a client whose requests have all ended (a failed connect).
    void destroy();
    Slot* make_slot();

    Transport* m_t = nullptr;
    uint32_t m_msize = 0;
    size_t m_max_segs = 0;
    // Tags index this table; a tag in flight has its slot out of m_free.
    static constexpr size_t max_slots = 1024;
    Slot* m_slots[max_slots] = {};
    size_t m_nslots = 0;
    Slot* m_free = nullptr;
    void* m_slot_waiters = nullptr; // threads waiting for a slot
    // Fid numbers: fresh ones from m_next_fid, returned ones from the stack.
    uint32_t m_next_fid = 1;
    static constexpr size_t fid_stack_size = 256;
    uint32_t m_fid_stack[fid_stack_size] = {};
    size_t m_fid_top = 0;
};

} // namespace uk::p9
