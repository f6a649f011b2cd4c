// epoll instances (vfs/epoll.h).
#include "vfs/epoll.h"

#include "lib/errno.h"
#include "lib/list.h"
#include "mm/user.h"
#include "sched/sched.h"
#include "sched/signal.h"
#include "vfs/anon.h"

namespace uk::vfs {

namespace {

// Linux's EP_MAX_NESTS: how deep epoll instances may watch each other.
constexpr int max_nests = 4;
constexpr uint32_t private_bits = epoll_wakeup | epoll_oneshot | epoll_et | epoll_exclusive;
constexpr uint32_t exclusive_ok =
    ev_in | ev_out | ev_err | ev_hup | epoll_wakeup | epoll_et | epoll_exclusive;
constexpr unsigned inline_waits = 2;

class EpollFile;
struct Item;

// One of an interest's entries on a queue of the watched file.
struct ItemWait {
    WaitEntry entry;
    ItemWait* next = nullptr; // the item's entries beyond the inline ones
};

// An interest: (file, fd) in one epoll instance.
struct Item {
    EpollFile* ep;
    File* file; // no reference: epoll_file_closing removes the item first
    int fd;
    uint32_t events;
    uint64_t data;
    Item* hash_next = nullptr;
    ListNode<Item> ready_link;
    Item* file_next = nullptr; // the other interests in the same file
    Item* file_prev = nullptr;
    ItemWait waits[inline_waits];
    unsigned nwaits = 0;
    ItemWait* more = nullptr;
    bool wait_failed = false; // an entry could not be allocated
};

using ReadyList = IntrusiveList<Item, &Item::ready_link>;

void item_notify(WaitEntry* e, uint32_t events);

class EpollFile final : public AnonFile {
  public:
    static constexpr char tag = 0;
    static constexpr uint32_t initial_buckets = 16;

    Item** m_buckets = m_inline_buckets;
    uint32_t m_nbuckets = initial_buckets;
    uint32_t m_count = 0;
    ReadyList m_ready;
    WaitQueue m_waiters; // threads in epoll_wait
    WaitQueue m_pollers; // poll, select and other epoll instances watching this one
    // The loop check's memo: the check that visited last and what it found.
    uint64_t m_gen = 0;
    int m_depth = 0;

    const void* kind() const override { return &tag; }
    uint32_t poll(PollTable* pt) override;
    long ioctl(unsigned long, uint64_t) override { return -EINVAL; }
    void close() override;

    Item*& bucket(File* f, int fd) {
        uint64_t h = (reinterpret_cast<uintptr_t>(f) >> 4) * 0x9e3779b97f4a7c15ULL + uint32_t(fd);
        h *= 0x9e3779b97f4a7c15ULL;
        return m_buckets[(h >> 32) & (m_nbuckets - 1)];
    }
    Item* find(File* f, int fd) {
        for (Item* i = bucket(f, fd); i; i = i->hash_next)
            if (i->file == f && i->fd == fd)
                return i;
        return nullptr;
    }
    void hash_insert(Item* it);
    void hash_remove(Item* it);
    void make_ready(Item* it, uint32_t events);
    void remove(Item* it);

  private:
    Item* m_inline_buckets[initial_buckets] = {};
};

// What an item reports now: the watched file's answer, limited to the
// interest. Registers the item's entries when `pt` is given.
uint32_t item_poll(Item* it, PollTable* pt) {
    return it->file->poll(pt) & it->events;
}

// Registers an item's entries, one per queue the watched file names.
class ItemTable final : public PollTable {
  public:
    explicit ItemTable(Item* it) : m_item(it) {}
    void wait_on(WaitQueue& q) override {
        Item* it = m_item;
        ItemWait* w;
        if (it->nwaits < inline_waits) {
            w = &it->waits[it->nwaits];
        } else {
            w = make<ItemWait>();
            if (!w) {
                it->wait_failed = true;
                return;
            }
            w->next = it->more;
            it->more = w;
        }
        it->nwaits++;
        w->entry.notify = item_notify;
        w->entry.ctx = it;
        q.add(&w->entry);
    }

  private:
    Item* m_item;
};

void unregister(Item* it) {
    for (unsigned i = 0; i < it->nwaits && i < inline_waits; i++)
        if (WaitQueue* q = it->waits[i].entry.queue)
            q->remove(&it->waits[i].entry);
    while (ItemWait* w = it->more) {
        it->more = w->next;
        if (w->entry.queue)
            w->entry.queue->remove(&w->entry);
        kheap_free(w);
    }
    it->nwaits = 0;
}

void item_notify(WaitEntry* e, uint32_t events) {
    auto* it = static_cast<Item*>(e->ctx);
    // A one-shot interest that fired is off until EPOLL_CTL_MOD; a change
    // in events nobody asked for is no news.
    if (!(it->events & ~private_bits))
        return;
    if (events && !(events & it->events))
        return;
    it->ep->make_ready(it, events);
}

void EpollFile::make_ready(Item* it, uint32_t events) {
    if (!ReadyList::linked(it))
        m_ready.push_back(it);
    m_waiters.notify(ev_in | ev_rdnorm);
    m_pollers.notify(ev_in | ev_rdnorm);
}

void EpollFile::hash_insert(Item* it) {
    if (m_count >= m_nbuckets * 2) {
        // Grow: a bigger table is only a speed-up, so a failed allocation
        // just keeps the chains longer.
        uint32_t n = m_nbuckets * 4;
        auto** nb = static_cast<Item**>(kheap_alloc(n * sizeof(Item*), alignof(Item*)));
        if (nb) {
            for (uint32_t i = 0; i < n; i++)
                nb[i] = nullptr;
            Item** old = m_buckets;
            uint32_t old_n = m_nbuckets;
            m_buckets = nb;
            m_nbuckets = n;
            for (uint32_t i = 0; i < old_n; i++)
                while (Item* x = old[i]) {
                    old[i] = x->hash_next;
                    Item*& b = bucket(x->file, x->fd);
                    x->hash_next = b;
                    b = x;
                }
            if (old != m_inline_buckets)
                kheap_free(old);
        }
    }
    Item*& b = bucket(it->file, it->fd);
    it->hash_next = b;
    b = it;
    m_count++;
}

void EpollFile::hash_remove(Item* it) {
    for (Item** p = &bucket(it->file, it->fd); *p; p = &(*p)->hash_next)
        if (*p == it) {
            *p = it->hash_next;
            m_count--;
            return;
        }
}

// Takes an interest out of everything: its queues, the ready list, the
// table and the watched file's list.
void EpollFile::remove(Item* it) {
    unregister(it);
    if (ReadyList::linked(it))
        m_ready.remove(it);
    hash_remove(it);
    if (it->file_prev)
        it->file_prev->file_next = it->file_next;
    else
        it->file->epoll_items = it->file_next;
    if (it->file_next)
        it->file_next->file_prev = it->file_prev;
    kheap_free(it);
}

uint32_t EpollFile::poll(PollTable* pt) {
    if (pt)
        pt->wait_on(m_pollers);
    // Readable when an interest on the ready list really is ready; those
    // that are not leave the list, as on Linux.
    for (Item* it = m_ready.front(); it;) {
        Item* next = ReadyList::next(it);
        if (item_poll(it, nullptr))
            return ev_in | ev_rdnorm;
        m_ready.remove(it);
        it = next;
    }
    return 0;
}

void EpollFile::close() {
    for (uint32_t i = 0; i < m_nbuckets; i++)
        while (Item* it = m_buckets[i])
            remove(it);
    if (m_buckets != m_inline_buckets)
        kheap_free(m_buckets);
}

EpollFile* as_epoll(File* f) {
    return f->kind() == &EpollFile::tag ? static_cast<EpollFile*>(f) : nullptr;
}

// The loop check (Linux's ep_loop_check): how many levels of epoll
// instances lie below `ep`, more than max_nests when `inserting_into` is
// among them.
constinit uint64_t g_loop_gen = 0;

int depth_below(EpollFile* ep, EpollFile* inserting_into, int depth) {
    if (ep->m_gen == g_loop_gen)
        return ep->m_depth;
    ep->m_gen = g_loop_gen;
    int result = 0;
    for (uint32_t b = 0; b < ep->m_nbuckets && result <= max_nests; b++)
        for (Item* it = ep->m_buckets[b]; it && result <= max_nests; it = it->hash_next) {
            EpollFile* child = as_epoll(it->file);
            if (!child)
                continue;
            int d = child == inserting_into || depth > max_nests
                        ? max_nests + 1
                        : depth_below(child, inserting_into, depth + 1) + 1;
            result = d > result ? d : result;
        }
    ep->m_depth = result;
    return result;
}

// How many levels of epoll instances watch `ep` from above.
int depth_above(EpollFile* ep) {
    if (ep->m_gen == g_loop_gen)
        return ep->m_depth;
    int result = 0;
    for (Item* it = static_cast<Item*>(ep->epoll_items); it; it = it->file_next) {
        int d = depth_above(it->ep) + 1;
        result = d > result ? d : result;
    }
    ep->m_gen = g_loop_gen;
    ep->m_depth = result;
    return result;
}

bool loop_check(EpollFile* ep, EpollFile* to) {
    g_loop_gen++;
    int below = depth_below(to, ep, 0);
    if (below > max_nests)
        return false;
    g_loop_gen++;
    return below + 1 + depth_above(ep) <= max_nests;
}

long insert(EpollFile* ep, int fd, File* target, const EpollEvent& ev) {
    auto* it = make<Item>();
    if (!it)
        return -ENOMEM;
    it->ep = ep;
    it->file = target;
    it->fd = fd;
    it->events = ev.events;
    it->data = ev.data;
    ItemTable table(it);
    uint32_t revents = item_poll(it, &table);
    if (it->wait_failed) {
        unregister(it);
        kheap_free(it);
        return -ENOMEM;
    }
    ep->hash_insert(it);
    it->file_next = static_cast<Item*>(target->epoll_items);
    if (it->file_next)
        it->file_next->file_prev = it;
    target->epoll_items = it;
    if (revents)
        ep->make_ready(it, revents);
    return 0;
}

} // namespace

long epoll_create(File** out) {
    EpollFile* ep = make<EpollFile>();
    if (!ep)
        return -ENOMEM;
    *out = ep;
    return 0;
}

bool is_epoll(const File* f) {
    return f->kind() == &EpollFile::tag;
}

long epoll_ctl(File* epf, int op, int fd, File* target, EpollEvent ev) {
    EpollFile* ep = as_epoll(epf);
    if (!target->can_poll())
        return -EPERM;
    if (!ep || epf == target)
        return -EINVAL;
    bool with_event = op == epoll_ctl_add || op == epoll_ctl_mod;
    if (with_event && (ev.events & epoll_exclusive)) {
        if (op == epoll_ctl_mod)
            return -EINVAL;
        if (is_epoll(target) || (ev.events & ~exclusive_ok))
            return -EINVAL;
    }
    if (op == epoll_ctl_add) {
        if (EpollFile* to = as_epoll(target); to && !loop_check(ep, to))
            return -ELOOP;
    }
    Item* it = ep->find(target, fd);
    switch (op) {
    case epoll_ctl_add:
        if (it)
            return -EEXIST;
        ev.events |= ev_err | ev_hup;
        return insert(ep, fd, target, ev);
    case epoll_ctl_del:
        if (!it)
            return -ENOENT;
        ep->remove(it);
        return 0;
    case epoll_ctl_mod:
        if (!it)
            return -ENOENT;
        if (it->events & epoll_exclusive)
            return -EINVAL;
        it->events = ev.events | ev_err | ev_hup;
        it->data = ev.data;
        if (uint32_t revents = item_poll(it, nullptr))
            ep->make_ready(it, revents);
        return 0;
    default:
        return -EINVAL;
    }
}

long epoll_wait(File* epf, uintptr_t uevents, int max, uint64_t deadline_ns, bool poll_only) {
    EpollFile* ep = as_epoll(epf);
    bool timed_out = poll_only;
    for (;;) {
        // Report from the ready list as it is now: interests that become
        // ready while this runs wait for the next call, and level-triggered
        // ones go back to the end of the list.
        ReadyList scan;
        while (Item* it = ep->m_ready.pop_front())
            scan.push_back(it);
        int n = 0;
        long err = 0;
        while (n < max) {
            Item* it = scan.pop_front();
            if (!it)
                break;
            uint32_t revents = item_poll(it, nullptr);
            if (!revents)
                continue;
            EpollEvent ev{revents, it->data};
            if (mm::UserPtr<EpollEvent>(uevents + size_t(n) * sizeof(EpollEvent)).put(ev)) {
                scan.insert_before(scan.front(), it);
                err = -EFAULT;
                break;
            }
            n++;
            if (it->events & epoll_oneshot)
                it->events &= private_bits;
            else if (!(it->events & epoll_et))
                ep->m_ready.push_back(it);
        }
        // What was not looked at goes back in front, in order.
        while (Item* it = scan.pop_front()) {
            if (ReadyList::linked(it))
                continue;
            ep->m_ready.insert_before(ep->m_ready.front(), it);
        }
        if (n || err)
            return n ? n : err;
        if (timed_out)
            return 0;
        if (sched::signal::has_deliverable(sched::current()))
            return -EINTR;
        long r = wait_once(ep->m_waiters, deadline_ns);
        if (r == -ETIMEDOUT)
            timed_out = true;
    }
}

void epoll_file_closing(File* f) {
    while (auto* it = static_cast<Item*>(f->epoll_items))
        it->ep->remove(it);
}

} // namespace uk::vfs
