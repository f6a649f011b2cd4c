#include "ukrun_initrd.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace ukrun {

namespace {

constexpr char zeros[4] = {};
constexpr std::size_t max_name = 4095;
constexpr std::size_t chunk = 1 << 20;

std::string why(std::string const& what, std::string const& path) {
    return "cannot " + what + " " + path + ": " + std::strerror(errno);
}

std::uint32_t clamp_time(std::int64_t t) {
    if (t < 0)
        return 0;
    return t > 0xffffffff ? 0xffffffffu : static_cast<std::uint32_t>(t);
}

// Buffers the archive's small pieces into large writes.
class FdSink {
  public:
    explicit FdSink(int fd) : m_fd(fd) {}
    bool put(std::string_view bytes) {
        if (m_buf.size() + bytes.size() > chunk && !flush())
            return false;
        if (bytes.size() >= chunk)
            return write_all(bytes);
        m_buf.append(bytes);
        return true;
    }
    bool flush() {
        bool ok = write_all(m_buf);
        m_buf.clear();
        return ok;
    }

  private:
    bool write_all(std::string_view bytes) {
        while (!bytes.empty()) {
            ssize_t n = write(m_fd, bytes.data(), bytes.size());
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    int m_fd;
    std::string m_buf;
};

class Packer {
  public:
    Packer(std::string root, CpioWriter& out) : m_root(std::move(root)), m_out(out) {}

    bool pack_root(int fd);
    std::string error;

  private:
    bool directory(int fd, std::string const& rel);
    bool entry(int dir_fd, std::string const& name, std::string const& rel);
    bool header(std::string const& rel, struct stat const& st, std::uint32_t size,
                bool* seen = nullptr);
    bool file_data(int fd, std::string const& rel, std::uint32_t size);
    std::string shown(std::string const& rel) const {
        return rel == "." ? m_root : m_root + "/" + rel;
    }
    bool write_failed() {
        error = std::string("cannot write the archive: ") + std::strerror(errno);
        return false;
    }

    std::string m_root;
    CpioWriter& m_out;
    std::map<std::pair<dev_t, ino_t>, std::uint32_t> m_inos;
};

bool Packer::header(std::string const& rel, struct stat const& st, std::uint32_t size, bool* seen) {
    if (rel.size() > max_name) {
        error = "cannot store " + shown(rel) + ": its name is longer than 4095 bytes";
        return false;
    }
    auto key = std::make_pair(st.st_dev, st.st_ino);
    auto [it, added] = m_inos.emplace(key, static_cast<std::uint32_t>(m_inos.size() + 1));
    if (seen)
        *seen = !added;
    CpioHeader h;
    h.name = rel;
    h.ino = it->second;
    h.mode = st.st_mode;
    h.uid = st.st_uid;
    h.gid = st.st_gid;
    h.nlink = static_cast<std::uint32_t>(st.st_nlink);
    h.mtime = clamp_time(st.st_mtime);
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        h.rdev_major = major(st.st_rdev);
        h.rdev_minor = minor(st.st_rdev);
    }
    h.size = size;
    return m_out.header(h) || write_failed();
}

bool Packer::file_data(int fd, std::string const& rel, std::uint32_t size) {
    std::string buf(std::min<std::size_t>(size, chunk), '\0');
    std::uint32_t left = size;
    while (left) {
        ssize_t n = read(fd, buf.data(), std::min<std::size_t>(left, buf.size()));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error = why("read", shown(rel));
            return false;
        }
        if (n == 0) {
            error = "cannot read " + shown(rel) + ": it shrank while being packed";
            return false;
        }
        if (!m_out.data({buf.data(), static_cast<std::size_t>(n)}))
            return write_failed();
        left -= static_cast<std::uint32_t>(n);
    }
    return true;
}

bool Packer::entry(int dir_fd, std::string const& name, std::string const& rel) {
    struct stat st;
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        error = why("read", shown(rel));
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            error = why("read", shown(rel));
            return false;
        }
        if (!header(rel, st, 0)) {
            close(fd);
            return false;
        }
        return directory(fd, rel);
    }
    if (S_ISREG(st.st_mode)) {
        if (st.st_nlink > 1 && m_inos.count({st.st_dev, st.st_ino}))
            return header(rel, st, 0); // a hard link: the data went with the first name
        int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) != 0) {
            error = why("read", shown(rel));
            if (fd >= 0)
                close(fd);
            return false;
        }
        if (st.st_size > 0xffffffff) {
            close(fd);
            error = "cannot store " + shown(rel) + ": a cpio archive holds files under 4 GiB";
            return false;
        }
        auto size = static_cast<std::uint32_t>(st.st_size);
        bool ok = header(rel, st, size) && file_data(fd, rel, size);
        close(fd);
        return ok;
    }
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlinkat(dir_fd, name.c_str(), target, sizeof target);
        if (n < 0) {
            error = why("read", shown(rel));
            return false;
        }
        if (n == 0 || static_cast<std::size_t>(n) >= sizeof target) {
            error =
                "cannot store " + shown(rel) + ": its target is empty or longer than 4095 bytes";
            return false;
        }
        auto size = static_cast<std::uint32_t>(n);
        return header(rel, st, size) &&
               (m_out.data({target, static_cast<std::size_t>(n)}) || write_failed());
    }
    // Devices, FIFOs and sockets: the header says it all.
    return header(rel, st, 0);
}

// Packs what is in the directory open on fd (which it closes), names in byte
// order.
bool Packer::directory(int fd, std::string const& rel) {
    DIR* dir = fdopendir(fd);
    if (!dir) {
        error = why("read", shown(rel));
        close(fd);
        return false;
    }
    std::vector<std::string> names;
    errno = 0;
    while (dirent* d = readdir(dir)) {
        if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0)
            names.emplace_back(d->d_name);
        errno = 0;
    }
    if (errno != 0) {
        error = why("read", shown(rel));
        closedir(dir);
        return false;
    }
    std::sort(names.begin(), names.end());
    bool ok = true;
    for (std::size_t i = 0; i < names.size() && ok; i++)
        ok = entry(dirfd(dir), names[i], rel == "." ? names[i] : rel + "/" + names[i]);
    closedir(dir);
    return ok;
}

bool Packer::pack_root(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        error = why("read", m_root);
        close(fd);
        return false;
    }
    if (!header(".", st, 0)) {
        close(fd);
        return false;
    }
    return directory(fd, ".");
}

} // namespace

bool CpioWriter::put(std::string_view bytes) {
    if (!m_sink(bytes))
        return false;
    m_offset += bytes.size();
    return true;
}

bool CpioWriter::header(CpioHeader const& h) {
    char text[111];
    std::snprintf(text, sizeof text, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                  h.ino, h.mode, h.uid, h.gid, h.nlink, h.mtime, h.size, 0u, 0u, h.rdev_major,
                  h.rdev_minor, static_cast<unsigned>(h.name.size() + 1), 0u);
    if (!put({text, 110}) || !put({h.name.c_str(), h.name.size() + 1}) ||
        !put({zeros, (4 - m_offset % 4) % 4}))
        return false;
    m_left = h.size;
    return true;
}

bool CpioWriter::data(std::string_view bytes) {
    if (!put(bytes))
        return false;
    m_left -= std::min<std::uint64_t>(m_left, bytes.size());
    return m_left || put({zeros, (4 - m_offset % 4) % 4});
}

bool CpioWriter::finish() {
    CpioHeader trailer;
    trailer.name = "TRAILER!!!";
    return header(trailer);
}

Parsed<std::uint64_t> pack_directory(std::string const& dir, int fd) {
    using Result = Parsed<std::uint64_t>;
    std::string root = dir;
    while (root.size() > 1 && root.back() == '/')
        root.pop_back();
    int root_fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0)
        return Result::fail(why("read", root));
    FdSink sink(fd);
    CpioWriter out([&](std::string_view bytes) { return sink.put(bytes); });
    Packer packer(root, out);
    if (!packer.pack_root(root_fd))
        return Result::fail(packer.error);
    if (!out.finish() || !sink.flush())
        return Result::fail(std::string("cannot write the archive: ") + std::strerror(errno));
    return Result::ok(out.size());
}

} // namespace ukrun
