// An intrusive doubly linked list: elements carry their own links, so
// queueing never allocates (run queues, wait queues, timers).
#pragma once

#include <stddef.h>

/// The T whose member `member` is *p: from an embedded waiter, hook or
/// link back to the object that holds it.
#define UK_OWNER_OF(p, T, member)                                                                  \
    reinterpret_cast<T*>(reinterpret_cast<char*>(p) - offsetof(T, member))

namespace uk {

template <typename T> struct ListNode {
    T* next = nullptr;
    T* prev = nullptr;
    bool linked = false;
};

/// A list of T threaded through the member `Node`. Not thread-safe.
template <typename T, ListNode<T> T::*Node> class IntrusiveList {
  public:
    constexpr IntrusiveList() = default;

    bool empty() const { return m_head == nullptr; }
    size_t size() const { return m_size; }
    T* front() const { return m_head; }
    T* back() const { return m_tail; }
    static T* next(const T* t) { return (t->*Node).next; }
    static bool linked(const T* t) { return (t->*Node).linked; }

    /// Appends t, which must not be on any list through this member.
    void push_back(T* t) { insert_before(nullptr, t); }

    /// Inserts t before `pos` (at the end when pos is nullptr).
    void insert_before(T* pos, T* t) {
        ListNode<T>& n = t->*Node;
        n.next = pos;
        n.prev = pos ? (pos->*Node).prev : m_tail;
        if (n.prev)
            (n.prev->*Node).next = t;
        else
            m_head = t;
        if (pos)
            (pos->*Node).prev = t;
        else
            m_tail = t;
        n.linked = true;
        m_size++;
    }

    /// Unlinks t, which must be on this list.
    void remove(T* t) {
        ListNode<T>& n = t->*Node;
        if (n.prev)
            (n.prev->*Node).next = n.next;
        else
            m_head = n.next;
        if (n.next)
            (n.next->*Node).prev = n.prev;
        else
            m_tail = n.prev;
        n = ListNode<T>{};
        m_size--;
    }

    /// Removes and returns the first element, or nullptr.
    T* pop_front() {
        T* t = m_head;
        if (t)
            remove(t);
        return t;
    }

  private:
    T* m_head = nullptr;
    T* m_tail = nullptr;
    size_t m_size = 0;
};

} // namespace uk
