// 9P2000.L messages: building requests and reading replies, over plain byte
// buffers. Replies come from outside the VM (the host's 9P server), so every
// length, count and string in them is checked against the bytes that are
// really there: a malformed reply is an error (-EPROTO), never a read past
// the buffer. No hardware and no kernel services: the same code runs in host
// unit tests and in the fuzzer.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/errno.h"

namespace uk::p9 {

/// Message types (T: request, R: reply).
enum MsgType : uint8_t {
    t_lerror = 6,
    r_lerror = 7,
    t_statfs = 8,
    r_statfs = 9,
    t_lopen = 12,
    r_lopen = 13,
    t_lcreate = 14,
    r_lcreate = 15,
    t_symlink = 16,
    r_symlink = 17,
    t_mknod = 18,
    r_mknod = 19,
    t_rename = 20,
    r_rename = 21,
    t_readlink = 22,
    r_readlink = 23,
    t_getattr = 24,
    r_getattr = 25,
    t_setattr = 26,
    r_setattr = 27,
    t_readdir = 40,
    r_readdir = 41,
    t_fsync = 50,
    r_fsync = 51,
    t_link = 70,
    r_link = 71,
    t_mkdir = 72,
    r_mkdir = 73,
    t_renameat = 74,
    r_renameat = 75,
    t_unlinkat = 76,
    r_unlinkat = 77,
    t_version = 100,
    r_version = 101,
    t_attach = 104,
    r_attach = 105,
    t_flush = 108,
    r_flush = 109,
    t_walk = 110,
    r_walk = 111,
    t_read = 116,
    r_read = 117,
    t_write = 118,
    r_write = 119,
    t_clunk = 120,
    r_clunk = 121,
};

/// The tag of Tversion, and "no fid" for Tattach's afid.
inline constexpr uint16_t no_tag = 0xffff;
inline constexpr uint32_t no_fid = 0xffffffff;
/// The protocol version this client speaks.
inline constexpr const char* version_9p2000l = "9P2000.L";
/// size[4] type[1] tag[2].
inline constexpr size_t header_size = 7;
/// Twalk carries at most this many names (MAXWELEM).
inline constexpr size_t max_walk_names = 16;
/// The bytes of Rread before its data: header, count[4].
inline constexpr size_t rread_header_size = header_size + 4;
/// The bytes of Twrite before its data: header, fid[4] offset[8] count[4].
inline constexpr size_t twrite_header_size = header_size + 16;
/// The bytes of Rreaddir before its entries: header, count[4].
inline constexpr size_t rreaddir_header_size = header_size + 4;
/// The largest reply that carries no data (Rgetattr is the longest).
inline constexpr size_t max_small_reply = 160;

/// Qid types.
inline constexpr uint8_t qt_dir = 0x80, qt_symlink = 0x02;

/// The server's unique identity of a file.
struct Qid {
    uint8_t type = 0;
    uint32_t version = 0;
    uint64_t path = 0;
};

/// A string in a message: bytes and a length, not NUL-terminated.
struct Str {
    const char* p = nullptr;
    size_t n = 0;
};
/// A NUL-terminated C string as a Str.
Str cstr(const char* s);

/// Tunlinkat's flag for removing a directory (AT_REMOVEDIR).
inline constexpr uint32_t at_removedir = 0x200;

/// Tgetattr's request mask and Rgetattr's valid bits.
inline constexpr uint64_t getattr_mode = 0x1, getattr_nlink = 0x2, getattr_uid = 0x4,
                          getattr_gid = 0x8, getattr_rdev = 0x10, getattr_atime = 0x20,
                          getattr_mtime = 0x40, getattr_ctime = 0x80, getattr_ino = 0x100,
                          getattr_size = 0x200, getattr_blocks = 0x400, getattr_basic = 0x7ff,
                          getattr_btime = 0x800, getattr_all = 0x3fff;

/// Rgetattr's body.
struct Attr {
    uint64_t valid = 0;
    Qid qid;
    uint32_t mode = 0, uid = 0, gid = 0;
    uint64_t nlink = 0, rdev = 0, size = 0, blksize = 0, blocks = 0;
    uint64_t atime_sec = 0, atime_nsec = 0, mtime_sec = 0, mtime_nsec = 0;
    uint64_t ctime_sec = 0, ctime_nsec = 0, btime_sec = 0, btime_nsec = 0;
    uint64_t gen = 0, data_version = 0;
};

/// Tsetattr's valid bits.
inline constexpr uint32_t setattr_mode = 0x1, setattr_uid = 0x2, setattr_gid = 0x4,
                          setattr_size = 0x8, setattr_atime = 0x10, setattr_mtime = 0x20,
                          setattr_ctime = 0x40, setattr_atime_set = 0x80, setattr_mtime_set = 0x100;

/// Tsetattr's body.
struct SetAttr {
    uint32_t valid = 0;
    uint32_t mode = 0, uid = 0, gid = 0;
    uint64_t size = 0;
    uint64_t atime_sec = 0, atime_nsec = 0, mtime_sec = 0, mtime_nsec = 0;
};

/// Rstatfs's body.
struct StatFs {
    uint32_t type = 0, bsize = 0;
    uint64_t blocks = 0, bfree = 0, bavail = 0, files = 0, ffree = 0, fsid = 0;
    uint32_t namelen = 0;
};

/// Writes one T-message into a buffer of fixed capacity. Each call appends
/// a field; once a field does not fit, the encoder stays failed and
/// finish() returns 0.
class Encoder {
  public:
    Encoder(void* buf, size_t cap) : m_buf(static_cast<uint8_t*>(buf)), m_cap(cap) {}

    /// Starts a message of `type` with `tag` (room for the size field).
    Encoder& begin(uint8_t type, uint16_t tag);
    Encoder& u8(uint8_t v);
    Encoder& u16(uint16_t v);
    Encoder& u32(uint32_t v);
    Encoder& u64(uint64_t v);
    /// A string: len[2] then its bytes. Fails past 65535 bytes.
    Encoder& str(Str s);
    /// Raw bytes.
    Encoder& bytes(const void* p, size_t n);

    /// Writes the size field, counting `trailing` more bytes that travel in
    /// separate buffers after this one (a zero-copy write's data). Returns
    /// the bytes in this buffer, or 0 when the message did not fit.
    size_t finish(size_t trailing = 0);

  private:
    bool room(size_t n);
    uint8_t* m_buf;
    size_t m_cap;
    size_t m_len = 0;
    bool m_failed = false;
};

// The requests. Each writes one whole message into buf and returns its
// length in buf, or 0 when it does not fit in cap (or a string is longer
// than the protocol allows).

/// Tversion (tag no_tag).
size_t tversion(void* buf, size_t cap, uint32_t msize, Str version);
/// Tattach as n_uname (a numeric uid), without authentication.
size_t tattach(void* buf, size_t cap, uint16_t tag, uint32_t fid, Str uname, Str aname,
               uint32_t n_uname);
/// Twalk of up to max_walk_names names (0 names clones fid).
size_t twalk(void* buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t newfid, const Str* names,
             size_t n);
size_t tlopen(void* buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t flags);
size_t tlcreate(void* buf, size_t cap, uint16_t tag, uint32_t fid, Str name, uint32_t flags,
                uint32_t mode, uint32_t gid);
size_t tsymlink(void* buf, size_t cap, uint16_t tag, uint32_t dfid, Str name, Str target,
                uint32_t gid);
size_t tmknod(void* buf, size_t cap, uint16_t tag, uint32_t dfid, Str name, uint32_t mode,
              uint32_t major, uint32_t minor, uint32_t gid);
size_t treadlink(void* buf, size_t cap, uint16_t tag, uint32_t fid);
size_t tgetattr(void* buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t mask);
size_t tsetattr(void* buf, size_t cap, uint16_t tag, uint32_t fid, const SetAttr& sa);
size_t treaddir(void* buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset, uint32_t count);
size_t tfsync(void* buf, size_t cap, uint16_t tag, uint32_t fid, bool datasync);
size_t tlink(void* buf, size_t cap, uint16_t tag, uint32_t dfid, uint32_t fid, Str name);
size_t tmkdir(void* buf, size_t cap, uint16_t tag, uint32_t dfid, Str name, uint32_t mode,
              uint32_t gid);
size_t trenameat(void* buf, size_t cap, uint16_t tag, uint32_t olddirfid, Str oldname,
                 uint32_t newdirfid, Str newname);
size_t tunlinkat(void* buf, size_t cap, uint16_t tag, uint32_t dirfid, Str name, uint32_t flags);
size_t tread(void* buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset, uint32_t count);
/// Twrite. With data == nullptr only the header goes into buf (its size
/// field counting `count` more bytes): the data follows in other buffers.
size_t twrite(void* buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset, uint32_t count,
              const void* data);
size_t tclunk(void* buf, size_t cap, uint16_t tag, uint32_t fid);
size_t tstatfs(void* buf, size_t cap, uint16_t tag, uint32_t fid);
size_t tflush(void* buf, size_t cap, uint16_t tag, uint16_t oldtag);

/// Reads the fields of a reply body. Every read checks the bytes left; a
/// read that does not fit fails and leaves the decoder failed.
class Decoder {
  public:
    Decoder() = default;
    Decoder(const void* buf, size_t len) : m_p(static_cast<const uint8_t*>(buf)), m_left(len) {}

    [[nodiscard]] bool u8(uint8_t* v);
    [[nodiscard]] bool u16(uint16_t* v);
    [[nodiscard]] bool u32(uint32_t* v);
    [[nodiscard]] bool u64(uint64_t* v);
    [[nodiscard]] bool qid(Qid* q);
    /// A string: points into the buffer.
    [[nodiscard]] bool str(Str* s);
    /// n raw bytes: points into the buffer.
    [[nodiscard]] bool bytes(size_t n, const uint8_t** out);

    size_t left() const { return m_left; }
    /// Where the next field starts.
    const uint8_t* pos() const { return m_p; }
    bool ok() const { return !m_failed; }

  private:
    bool take(size_t n, const uint8_t** out);
    const uint8_t* m_p = nullptr;
    size_t m_left = 0;
    bool m_failed = false;
};

/// A reply's header, checked. `buf` holds the first `len` bytes of the
/// reply (all of it, or the part before data the device wrote elsewhere);
/// `total` is how many bytes the device says it wrote in all. The size
/// field must be at least a header, at most `total`, and the tag must be
/// `tag`. Returns 0 with `*body` reading the rest of the reply that lies in
/// buf when the type is `type`; the host's error as -errno for Rlerror
/// (-EIO when that is not an errno); -EPROTO for anything else.
long open_reply(const void* buf, size_t len, size_t total, uint8_t type, uint16_t tag,
                Decoder* body);

// The replies' bodies. Each returns 0 or -EPROTO.

/// Rversion: the server's msize and version string.
long rversion(Decoder& d, uint32_t* msize, Str* version);
/// Rattach, Rlcreate's and Rlopen's qid (with iounit), Rmkdir, Rsymlink,
/// Rmknod.
long rqid(Decoder& d, Qid* qid);
long rlopen(Decoder& d, Qid* qid, uint32_t* iounit);
/// Rwalk: at most `max` qids (fewer than asked when the walk stopped).
long rwalk(Decoder& d, Qid* qids, size_t max, size_t* n);
long rgetattr(Decoder& d, Attr* a);
long rstatfs(Decoder& d, StatFs* s);
long rreadlink(Decoder& d, Str* target);
/// Rread whose data is in the buffer: at most `asked` bytes.
long rread(Decoder& d, uint32_t asked, Str* data);
/// Rread whose data the device wrote into other buffers (zero copy): the
/// count, which must be at most `asked` and agree with the size field
/// (`msg_size`, from open_reply's buffer).
long rread_count(Decoder& d, uint32_t asked, size_t msg_size, uint32_t* count);
/// Rwrite: the count, at most `asked`.
long rwrite(Decoder& d, uint32_t asked, uint32_t* count);
/// Rreaddir: the entries' bytes (at most `asked`), for DirReader.
long rreaddir(Decoder& d, uint32_t asked, Str* entries);

/// The size field of a message (its first 4 bytes; len must be >= 4).
uint32_t message_size(const void* buf);

/// One directory entry of Rreaddir.
struct Dirent {
    Qid qid;
    uint64_t offset = 0; // where the next readdir continues after this entry
    uint8_t type = 0;    // DT_* as Linux's getdents reports it
    Str name;
};

/// Walks Rreaddir's entries.
class DirReader {
  public:
    explicit DirReader(Str entries) : m_d(entries.p, entries.n) {}
    /// The next entry: 1, 0 at the end, -EPROTO for a malformed entry.
    long next(Dirent* e);
    /// The entries not read yet.
    Str rest() const { return Str{reinterpret_cast<const char*>(m_d.pos()), m_d.left()}; }

  private:
    Decoder m_d;
};

} // namespace uk::p9
