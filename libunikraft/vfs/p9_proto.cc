#include "vfs/p9_proto.h"

namespace uk::p9 {

namespace {

// Linux errnos run up to 133 (EHWPOISON); anything past 4095 could not even
// be told apart from a pointer by a caller.
constexpr uint32_t max_errno = 4095;

void put_le(uint8_t* p, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; i++)
        p[i] = uint8_t(v >> (8 * i));
}

uint64_t get_le(const uint8_t* p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= uint64_t(p[i]) << (8 * i);
    return v;
}

} // namespace

Str cstr(const char* s) {
    size_t n = 0;
    while (s[n])
        n++;
    return Str{s, n};
}

bool Encoder::room(size_t n) {
    if (m_failed || n > m_cap - m_len) {
        m_failed = true;
        return false;
    }
    return true;
}

Encoder& Encoder::begin(uint8_t type, uint16_t tag) {
    m_len = 0;
    m_failed = false;
    if (room(header_size)) {
        put_le(m_buf, 0, 4);
        m_buf[4] = type;
        put_le(m_buf + 5, tag, 2);
        m_len = header_size;
    }
    return *this;
}

Encoder& Encoder::u8(uint8_t v) {
    if (room(1))
        m_buf[m_len++] = v;
    return *this;
}

Encoder& Encoder::u16(uint16_t v) {
    if (room(2)) {
        put_le(m_buf + m_len, v, 2);
        m_len += 2;
    }
    return *this;
}

Encoder& Encoder::u32(uint32_t v) {
    if (room(4)) {
        put_le(m_buf + m_len, v, 4);
        m_len += 4;
    }
    return *this;
}

Encoder& Encoder::u64(uint64_t v) {
    if (room(8)) {
        put_le(m_buf + m_len, v, 8);
        m_len += 8;
    }
    return *this;
}

Encoder& Encoder::str(Str s) {
    if (s.n > 0xffff) {
        m_failed = true;
        return *this;
    }
    u16(uint16_t(s.n));
    return bytes(s.p, s.n);
}

Encoder& Encoder::bytes(const void* p, size_t n) {
    if (n && room(n)) {
        __builtin_memcpy(m_buf + m_len, p, n);
        m_len += n;
    }
    return *this;
}

size_t Encoder::finish(size_t trailing) {
    if (m_failed || m_len < header_size || trailing > 0xffffffffu - m_len)
        return 0;
    put_le(m_buf, m_len + trailing, 4);
    return m_len;
}

size_t tversion(void* buf, size_t cap, uint32_t msize, Str version) {
    return Encoder(buf, cap).begin(t_version, no_tag).u32(msize).str(version).finish();
}

size_t tattach(void* buf, size_t cap, uint16_t tag, uint32_t fid, Str uname, Str aname,
               uint32_t n_uname) {
    return Encoder(buf, cap)
        .begin(t_attach, tag)
        .u32(fid)
        .u32(no_fid)
        .str(uname)
        .str(aname)
        .u32(n_uname)
        .finish();
}

size_t twalk(void* buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t newfid, const Str* names,
             size_t n) {
    if (n > max_walk_names)
        return 0;
    Encoder e(buf, cap);
    e.begin(t_walk, tag).u32(fid).u32(newfid).u16(uint16_t(n));
    for (size_t i = 0; i < n; i++)
        e.str(names[i]);
    return e.finish();
}

size_t tlopen(void* buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t flags) {
    return Encoder(buf, cap).begin(t_lopen, tag).u32(fid).u32(flags).finish();
}

size_t tlcreate(void* buf, size_t cap, uint16_t tag, uint32_t fid, Str name, uint32_t flags,
                uint32_t mode, uint32_t gid) {
    return Encoder(buf, cap)
        .begin(t_lcreate, tag)
        .u32(fid)
        .str(name)
        .u32(flags)
        .u32(mode)
        .u32(gid)
        .finish();
}

size_t tsymlink(void* buf, size_t cap, uint16_t tag, uint32_t dfid, Str name, Str target,
                uint32_t gid) {
    return Encoder(buf, cap)
        .begin(t_symlink, tag)
        .u32(dfid)
        .str(name)
        .str(target)
        .u32(gid)
        .finish();
}

size_t tmknod(void* buf, size_t cap, uint16_t tag, uint32_t dfid, Str name, uint32_t mode,
              uint32_t major, uint32_t minor, uint32_t gid) {
    return Encoder(buf, cap)
        .begin(t_mknod, tag)
        .u32(dfid)
        .str(name)
        .u32(mode)
        .u32(major)
        .u32(minor)
        .u32(gid)
        .finish();
}

size_t treadlink(void* buf, size_t cap, uint16_t tag, uint32_t fid) {
    return Encoder(buf, cap).begin(t_readlink, tag).u32(fid).finish();
}

size_t tgetattr(void* buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t mask) {
    return Encoder(buf, cap).begin(t_getattr, tag).u32(fid).u64(mask).finish();
}

size_t tsetattr(void* buf, size_t cap, uint16_t tag, uint32_t fid, const SetAttr& sa) {
    return Encoder(buf, cap)
        .begin(t_setattr, tag)
        .u32(fid)
        .u32(sa.valid)
        .u32(sa.mode)
        .u32(sa.uid)
        .u32(sa.gid)
        .u64(sa.size)
        .u64(sa.atime_sec)
        .u64(sa.atime_nsec)
        .u64(sa.mtime_sec)
        .u64(sa.mtime_nsec)
        .finish();
}

size_t treaddir(void* buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
                uint32_t count) {
    return Encoder(buf, cap).begin(t_readdir, tag).u32(fid).u64(offset).u32(count).finish();
}

size_t tfsync(void* buf, size_t cap, uint16_t tag, uint32_t fid, bool datasync) {
    return Encoder(buf, cap).begin(t_fsync, tag).u32(fid).u32(datasync ? 1 : 0).finish();
}

size_t tlink(void* buf, size_t cap, uint16_t tag, uint32_t dfid, uint32_t fid, Str name) {
    return Encoder(buf, cap).begin(t_link, tag).u32(dfid).u32(fid).str(name).finish();
}

size_t tmkdir(void* buf, size_t cap, uint16_t tag, uint32_t dfid, Str name, uint32_t mode,
              uint32_t gid) {
    return Encoder(buf, cap).begin(t_mkdir, tag).u32(dfid).str(name).u32(mode).u32(gid).finish();
}

size_t trenameat(void* buf, size_t cap, uint16_t tag, uint32_t olddirfid, Str oldname,
                 uint32_t newdirfid, Str newname) {
    return Encoder(buf, cap)
        .begin(t_renameat, tag)
        .u32(olddirfid)
        .str(oldname)
        .u32(newdirfid)
        .str(newname)
        .finish();
}

size_t tunlinkat(void* buf, size_t cap, uint16_t tag, uint32_t dirfid, Str name, uint32_t flags) {
    return Encoder(buf, cap).begin(t_unlinkat, tag).u32(dirfid).str(name).u32(flags).finish();
}

size_t tread(void* buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset, uint32_t count) {
    return Encoder(buf, cap).begin(t_read, tag).u32(fid).u64(offset).u32(count).finish();
}

size_t twrite(void* buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset, uint32_t count,
              const void* data) {
    Encoder e(buf, cap);
    e.begin(t_write, tag).u32(fid).u64(offset).u32(count);
    if (data)
        return e.bytes(data, count).finish();
    return e.finish(count);
}

size_t tclunk(void* buf, size_t cap, uint16_t tag, uint32_t fid) {
    return Encoder(buf, cap).begin(t_clunk, tag).u32(fid).finish();
}

size_t tstatfs(void* buf, size_t cap, uint16_t tag, uint32_t fid) {
    return Encoder(buf, cap).begin(t_statfs, tag).u32(fid).finish();
}

size_t tflush(void* buf, size_t cap, uint16_t tag, uint16_t oldtag) {
    return Encoder(buf, cap).begin(t_flush, tag).u16(oldtag).finish();
}

bool Decoder::take(size_t n, const uint8_t** out) {
    if (m_failed || n > m_left) {
        m_failed = true;
        return false;
    }
    *out = m_p;
    m_p += n;
    m_left -= n;
    return true;
}

bool Decoder::u8(uint8_t* v) {
    const uint8_t* p;
    if (!take(1, &p))
        return false;
    *v = *p;
    return true;
}

bool Decoder::u16(uint16_t* v) {
    const uint8_t* p;
    if (!take(2, &p))
        return false;
    *v = uint16_t(get_le(p, 2));
    return true;
}

bool Decoder::u32(uint32_t* v) {
    const uint8_t* p;
    if (!take(4, &p))
        return false;
    *v = uint32_t(get_le(p, 4));
    return true;
}

bool Decoder::u64(uint64_t* v) {
    const uint8_t* p;
    if (!take(8, &p))
        return false;
    *v = get_le(p, 8);
    return true;
}

bool Decoder::qid(Qid* q) {
    return u8(&q->type) && u32(&q->version) && u64(&q->path);
}

bool Decoder::str(Str* s) {
    uint16_t n;
    const uint8_t* p;
    if (!u16(&n) || !take(n, &p))
        return false;
    *s = Str{reinterpret_cast<const char*>(p), n};
    return true;
}

bool Decoder::bytes(size_t n, const uint8_t** out) {
    return take(n, out);
}

uint32_t message_size(const void* buf) {
    return uint32_t(get_le(static_cast<const uint8_t*>(buf), 4));
}

long open_reply(const void* buf, size_t len, size_t total, uint8_t type, uint16_t tag,
                Decoder* body) {
    const uint8_t* p = static_cast<const uint8_t*>(buf);
    if (len > total)
        len = total;
    if (len < header_size)
        return -EPROTO;
    uint32_t size = message_size(p);
    if (size < header_size || size > total)
        return -EPROTO;
    if (get_le(p + 5, 2) != tag)
        return -EPROTO;
    // The part of the message in this buffer.
    size_t here = size < len ? size : len;
    Decoder d(p + header_size, here - header_size);
    if (p[4] == r_lerror) {
        uint32_t ecode;
        if (!d.u32(&ecode))
            return -EPROTO;
        return ecode == 0 || ecode > max_errno ? -EIO : -long(ecode);
    }
    if (p[4] != type)
        return -EPROTO;
    *body = d;
    return 0;
}

long rversion(Decoder& d, uint32_t* msize, Str* version) {
    return d.u32(msize) && d.str(version) ? 0 : -EPROTO;
}

long rqid(Decoder& d, Qid* qid) {
    return d.qid(qid) ? 0 : -EPROTO;
}

long rlopen(Decoder& d, Qid* qid, uint32_t* iounit) {
    return d.qid(qid) && d.u32(iounit) ? 0 : -EPROTO;
}

long rwalk(Decoder& d, Qid* qids, size_t max, size_t* n) {
    uint16_t nwqid;
    if (!d.u16(&nwqid) || nwqid > max)
        return -EPROTO;
    for (size_t i = 0; i < nwqid; i++) {
        if (!d.qid(&qids[i]))
            return -EPROTO;
    }
    *n = nwqid;
    return 0;
}

long rgetattr(Decoder& d, Attr* a) {
    bool ok = d.u64(&a->valid) && d.qid(&a->qid) && d.u32(&a->mode) && d.u32(&a->uid) &&
              d.u32(&a->gid) && d.u64(&a->nlink) && d.u64(&a->rdev) && d.u64(&a->size) &&
              d.u64(&a->blksize) && d.u64(&a->blocks) && d.u64(&a->atime_sec) &&
              d.u64(&a->atime_nsec) && d.u64(&a->mtime_sec) && d.u64(&a->mtime_nsec) &&
              d.u64(&a->ctime_sec) && d.u64(&a->ctime_nsec) && d.u64(&a->btime_sec) &&
              d.u64(&a->btime_nsec) && d.u64(&a->gen) && d.u64(&a->data_version);
    return ok ? 0 : -EPROTO;
}

long rstatfs(Decoder& d, StatFs* s) {
    bool ok = d.u32(&s->type) && d.u32(&s->bsize) && d.u64(&s->blocks) && d.u64(&s->bfree) &&
              d.u64(&s->bavail) && d.u64(&s->files) && d.u64(&s->ffree) && d.u64(&s->fsid) &&
              d.u32(&s->namelen);
    return ok ? 0 : -EPROTO;
}

long rreadlink(Decoder& d, Str* target) {
    return d.str(target) ? 0 : -EPROTO;
}

long rread(Decoder& d, uint32_t asked, Str* data) {
    uint32_t count;
    const uint8_t* p;
    if (!d.u32(&count) || count > asked || !d.bytes(count, &p))
        return -EPROTO;
    *data = Str{reinterpret_cast<const char*>(p), count};
    return 0;
}

long rread_count(Decoder& d, uint32_t asked, size_t msg_size, uint32_t* count) {
    if (!d.u32(count) || *count > asked || msg_size != rread_header_size + size_t(*count))
        return -EPROTO;
    return 0;
}

long rwrite(Decoder& d, uint32_t asked, uint32_t* count) {
    if (!d.u32(count) || *count > asked)
        return -EPROTO;
    return 0;
}

long rreaddir(Decoder& d, uint32_t asked, Str* entries) {
    return rread(d, asked, entries);
}

long DirReader::next(Dirent* e) {
    if (m_d.left() == 0)
        return 0;
    if (!m_d.qid(&e->qid) || !m_d.u64(&e->offset) || !m_d.u8(&e->type) || !m_d.str(&e->name))
        return -EPROTO;
    // A name the VFS could not hand on: empty, with a '/' or a NUL.
    if (e->name.n == 0)
        return -EPROTO;
    for (size_t i = 0; i < e->name.n; i++) {
        if (e->name.p[i] == '/' || e->name.p[i] == '\0')
            return -EPROTO;
    }
    return 1;
}

} // namespace uk::p9
