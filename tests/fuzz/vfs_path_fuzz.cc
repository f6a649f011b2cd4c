// libFuzzer target for path lookup over ramfs: the input is a sequence of
// operations (make a directory, a file or a symlink, look a path up, remove
// a name) on paths spelt from a small alphabet ("a", "b", ".", "/"), in a
// tmpfs mounted for each input and unmounted after it (a leak of a node or
// a reference shows up as a leak). A directory found by lookup must be
// found again under the path path_of() gives for it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "vfs/path.h"
#include "vfs/vfs.h"
#include "vfs_host.h"

using namespace uk::vfs;

namespace {

struct Input {
    const uint8_t* p;
    size_t n;
    uint8_t byte() {
        if (!n)
            return 0;
        n--;
        return *p++;
    }
    std::string path(bool absolute) {
        static const char alphabet[] = {'a', 'b', '.', '/', 'a', 'b', '/', 'c'};
        size_t len = byte() % 24;
        std::string s = absolute ? "/fz/" : "";
        for (size_t i = 0; i < len; i++)
            s += alphabet[byte() % sizeof alphabet];
        return s;
    }
};

void make(const std::string& path, int kind, const std::string& target) {
    Parent p;
    if (lookup_parent(at_fdcwd, path.c_str(), &p))
        return;
    if (p.last.n && !p.last.is(".") && !p.last.is("..")) {
        Node* existing = nullptr;
        if (p.dir.node->lookup(p.last, &existing) == 0) {
            existing->put();
        } else {
            Node* out = nullptr;
            if (kind == 2)
                p.dir.node->symlink(p.last, Name{target.data(), target.size()}, &out);
            else
                p.dir.node->create(p.last, (kind ? s_ifreg : s_ifdir) | 0755, 0, &out);
            if (out)
                out->put();
        }
    }
    p.release();
}

void remove(const std::string& path) {
    Parent p;
    if (lookup_parent(at_fdcwd, path.c_str(), &p))
        return;
    Node* victim = nullptr;
    if (p.last.n && !p.last.is(".") && !p.last.is("..") &&
        p.dir.node->lookup(p.last, &victim) == 0) {
        if (!victim->mounted)
            p.dir.node->unlink(p.last, victim, is_dir(victim->mode));
        victim->put();
    }
    p.release();
}

void check_lookup(const std::string& path, bool follow) {
    Location loc;
    if (lookup(at_fdcwd, path.c_str(), follow ? lk_follow : 0, &loc))
        return;
    if (is_dir(loc.node->mode)) {
        char buf[path_max];
        long n = path_of(loc, buf, sizeof buf);
        if (n > 0) {
            Location again;
            if (lookup(at_fdcwd, buf, 0, &again) != 0 || again.node != loc.node)
                std::abort();
            again.release();
        }
    }
    loc.release();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    vfs_host::boot();
    static bool made = false;
    if (!made) {
        make("/fz", 0, "");
        made = true;
    }
    if (mount("", "/fz", "tmpfs", 0, ""))
        std::abort();
    Input in{data, size};
    for (int ops = 0; in.n && ops < 64; ops++) {
        switch (in.byte() % 6) {
        case 0:
            make(in.path(true), 0, "");
            break;
        case 1:
            make(in.path(true), 1, "");
            break;
        case 2: {
            std::string target = in.path(in.byte() & 1);
            make(in.path(true), 2, target);
            break;
        }
        case 3:
            check_lookup(in.path(true), true);
            break;
        case 4:
            check_lookup(in.path(true), false);
            break;
        default:
            remove(in.path(true));
            break;
        }
    }
    if (umount("/fz"))
        std::abort();
    return 0;
}
