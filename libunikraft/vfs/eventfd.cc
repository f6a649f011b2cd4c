// eventfd: a 64-bit counter that writes add to and reads take (vfs/eventfd.h).
#include "vfs/eventfd.h"
#include "arch/x86_64/sigframe.h"
#include "lib/errno.h"
#include "vfs/anon.h"

namespace uk::vfs {

namespace {

constexpr uint64_t count_max = ~uint64_t(0);

class EventFile final : public AnonFile {
  public:
    static constexpr char tag = 0;
    uint64_t m_count = 0;
    bool m_semaphore = false;
    WaitQueue m_wait;

    const void* kind() const override { return &tag; }

    long read(IoBuf& buf) override {
        if (buf.left() < sizeof(uint64_t))
            return -EINVAL;
        if (!m_count) {
            if (flags & o_nonblock)
                return -EAGAIN;
            if (wait_until(m_wait, 0, [this] { return m_count != 0; }))
                return -arch::erestartsys;
        }
        uint64_t v = m_semaphore ? 1 : m_count;
        m_count -= v;
        m_wait.notify(ev_out);
        // As on Linux, the count is taken even when the copy then fails.
        return buf.fill(&v, sizeof(v)) == sizeof(v) ? long(sizeof(v)) : -EFAULT;
    }

    long write(IoBuf& buf) override {
        if (buf.left() < sizeof(uint64_t))
            return -EINVAL;
        uint64_t v;
        if (buf.drain(&v, sizeof(v)) != sizeof(v))
            return -EFAULT;
        if (v == count_max)
            return -EINVAL;
        if (count_max - m_count <= v) {
            if (flags & o_nonblock)
                return -EAGAIN;
            if (wait_until(m_wait, 0, [this, v] { return count_max - m_count > v; }))
                return -arch::erestartsys;
        }
        m_count += v;
        m_wait.notify(ev_in);
        return sizeof(v);
    }

    uint32_t poll(PollTable* pt) override {
        if (pt)
            pt->wait_on(m_wait);
        uint32_t m = 0;
        if (m_count > 0)
            m |= ev_in;
        if (m_count == count_max)
            m |= ev_err;
        if (count_max - 1 > m_count)
            m |= ev_out;
        return m;
    }
};

} // namespace

long eventfd_create(uint64_t initval, bool semaphore, uint32_t flags, File** out) {
    auto* f = make<EventFile>();
    if (!f)
        return -ENOMEM;
    f->m_count = initval;
    f->m_semaphore = semaphore;
    f->flags |= flags & o_nonblock;
    *out = f;
    return 0;
}

} // namespace uk::vfs
