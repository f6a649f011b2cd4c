#include "ukrun_share.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

namespace ukrun {

namespace {

// QEMU's option syntax: a ',' inside a value is written ",,".
std::string qemu_escape(std::string_view value) {
    std::string out;
    for (char c : value) {
        out += c;
        if (c == ',')
            out += ',';
    }
    return out;
}

std::string check_guest_path(std::string_view guest) {
    if (guest.empty() || guest[0] != '/')
        return "must be an absolute path";
    for (char c : guest) {
        if (c == ':')
            return "must not contain ':'";
        if (c == '"' || c == '\\' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
            c == '\f' || c == '\0')
            return "must not contain whitespace, '\"' or '\\'";
    }
    std::size_t i = 0;
    while (i < guest.size()) {
        while (i < guest.size() && guest[i] == '/')
            i++;
        std::size_t end = guest.find('/', i);
        if (end == std::string_view::npos)
            end = guest.size();
        std::string_view part = guest.substr(i, end - i);
        if (part == "." || part == "..")
            return "must not contain '.' or '..' components";
        i = end;
    }
    return {};
}

} // namespace

Parsed<Share> parse_share(std::string_view spec) {
    using Result = Parsed<Share>;
    auto usage = [&](std::string const& why) {
        return Result::fail("invalid --share '" + std::string(spec) + "': " + why +
                            " (expected HOST:GUEST or HOST:GUEST:ro)");
    };
    Share share;
    std::string_view rest = spec;
    if (rest.ends_with(":ro")) {
        share.readonly = true;
        rest.remove_suffix(3);
    } else if (rest.ends_with(":rw")) {
        rest.remove_suffix(3);
    }
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos)
        return usage("no guest path");
    std::string_view host = rest.substr(0, colon);
    std::string_view guest = rest.substr(colon + 1);
    if (host.empty())
        return usage("no host directory");
    if (auto why = check_guest_path(guest); !why.empty())
        return usage("the guest path " + why);
    // Trailing slashes name the same directory; the kernel's mount point
    // is the path without them.
    while (guest.size() > 1 && guest.back() == '/')
        guest.remove_suffix(1);
    share.guest = guest;

    std::string host_path(host);
    struct stat st;
    if (stat(host_path.c_str(), &st) != 0)
        return Result::fail("--share: host directory '" + host_path + "': " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return Result::fail("--share: '" + host_path + "' is not a directory");
    char resolved[PATH_MAX];
    if (!realpath(host_path.c_str(), resolved))
        return Result::fail("--share: host directory '" + host_path + "': " + std::strerror(errno));
    share.host = resolved;
    return Result::ok(std::move(share));
}

Parsed<Share> parse_share_cwd(std::string_view cwd) {
    if (auto why = check_guest_path(cwd); !why.empty())
        return Parsed<Share>::fail("--share-cwd: the current directory '" + std::string(cwd) +
                                   "' cannot be shared: a guest path " + why);
    std::string path(cwd);
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    struct stat st;
    if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return Parsed<Share>::fail("--share-cwd: the current directory '" + path +
                                   "': " + std::strerror(st.st_mode ? ENOTDIR : errno));
    return Parsed<Share>::ok(Share{path, path, false});
}

std::string share_tag(std::size_t index) {
    return "uk9p" + std::to_string(index);
}

std::string share_fstab_entry(Share const& share, std::size_t index) {
    return share_tag(index) + ":" + share.guest + ":9pfs" + (share.readonly ? ":1" : "");
}

std::string share_fstab_param(std::vector<Share> const& shares) {
    if (shares.empty())
        return {};
    if (shares.size() == 1)
        return "vfs.fstab=" + share_fstab_entry(shares[0], 0);
    std::string param = "vfs.fstab=[";
    for (std::size_t i = 0; i < shares.size(); i++)
        param += " \"" + share_fstab_entry(shares[i], i) + "\"";
    return param + " ]";
}

std::vector<std::string> share_qemu_args(std::vector<Share> const& shares, Machine machine) {
    std::vector<std::string> args;
    char const* device = machine == Machine::Microvm ? "virtio-9p-device" : "virtio-9p-pci";
    for (std::size_t i = 0; i < shares.size(); i++) {
        std::string tag = share_tag(i);
        args.push_back("-fsdev");
        args.push_back("local,id=" + tag + ",path=" + qemu_escape(shares[i].host) +
                       ",security_model=none" + (shares[i].readonly ? ",readonly=on" : ""));
        args.push_back("-device");
        args.push_back(std::string(device) + ",fsdev=" + tag + ",mount_tag=" + tag);
    }
    return args;
}

} // namespace ukrun
