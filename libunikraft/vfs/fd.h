// The fd table: small integers to open file descriptions, with the per-fd
// FD_CLOEXEC flag. One table for the whole process (threads share it).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vfs/vfs.h"

namespace uk::vfs {

/// Installs f at the lowest free fd >= `lowest`, taking over the caller's
/// reference. Returns the fd, or -EMFILE (the reference is then dropped)
/// when none is free below RLIMIT_NOFILE.
long fd_install(File* f, bool cloexec, long lowest = 0);

/// Installs f at exactly `fd`, closing what was there (dup2/dup3). Takes
/// over the reference. Returns fd, or -EBADF when fd >= RLIMIT_NOFILE,
/// -EMFILE when the table cannot grow.
long fd_install_at(File* f, long fd, bool cloexec);

/// The File at fd with a new reference, or nullptr (EBADF). O_PATH files are
/// returned too: callers that do I/O check File::flags.
File* fd_get(long fd);

/// Closes fd. Returns 0 or -EBADF.
long fd_close(long fd);

/// FD_CLOEXEC of fd: -EBADF, else 0/1; set_cloexec returns 0 or -EBADF.
long fd_cloexec(long fd);
long fd_set_cloexec(long fd, bool on);

/// The highest fd in use plus one (for close_range and /proc/self/fd).
long fd_limit();

/// A reference to a File for the length of a call.
class FileRef {
  public:
    explicit FileRef(File* f) : m_f(f) {}
    explicit FileRef(long fd) : m_f(fd_get(fd)) {}
    FileRef(const FileRef&) = delete;
    FileRef& operator=(const FileRef&) = delete;
    ~FileRef() {
        if (m_f)
            m_f->put();
    }
    FileRef& operator=(FileRef&& o) {
        reset();
        m_f = o.release();
        return *this;
    }
    void reset() {
        if (m_f)
            m_f->put();
        m_f = nullptr;
    }
    File* get() const { return m_f; }
    File* operator->() const { return m_f; }
    explicit operator bool() const { return m_f != nullptr; }
    /// Gives up the reference to the caller.
    File* release() {
        File* f = m_f;
        m_f = nullptr;
        return f;
    }

  private:
    File* m_f;
};

/// A reference to a Node for the length of a call.
class NodeRef {
  public:
    NodeRef() = default;
    explicit NodeRef(Node* n) : m_n(n) {}
    NodeRef(const NodeRef&) = delete;
    NodeRef& operator=(const NodeRef&) = delete;
    ~NodeRef() { reset(); }
    void reset(Node* n = nullptr) {
        if (m_n)
            m_n->put();
        m_n = n;
    }
    Node* get() const { return m_n; }
    Node* operator->() const { return m_n; }
    Node** out() {
        reset();
        return &m_n;
    }
    explicit operator bool() const { return m_n != nullptr; }
    Node* release() {
        Node* n = m_n;
        m_n = nullptr;
        return n;
    }

  private:
    Node* m_n = nullptr;
};

} // namespace uk::vfs
