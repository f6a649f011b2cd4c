#include "ukrun_net.h"

#include <cstdint>

namespace ukrun {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// A port: 1 to 5 digits, at most 65535 (0 only where `zero_ok`).
bool valid_port(std::string_view s, bool zero_ok) {
    if (s.empty() || s.size() > 5)
        return false;
    std::uint32_t v = 0;
    for (char c : s) {
        if (!is_digit(c))
            return false;
        v = v * 10 + std::uint32_t(c - '0');
    }
    return v <= 65535 && (zero_ok || v != 0);
}

// An IPv4 address in dotted decimal, or empty (QEMU's default).
bool valid_addr(std::string_view s) {
    if (s.empty())
        return true;
    int parts = 0;
    while (true) {
        auto dot = s.find('.');
        auto part = s.substr(0, dot);
        if (part.empty() || part.size() > 3)
            return false;
        unsigned v = 0;
        for (char c : part) {
            if (!is_digit(c))
                return false;
            v = v * 10 + unsigned(c - '0');
        }
        if (v > 255)
            return false;
        parts++;
        if (dot == std::string_view::npos)
            break;
        s.remove_prefix(dot + 1);
    }
    return parts == 4;
}

// Checks "tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT".
bool valid_hostfwd(std::string_view s) {
    auto colon = s.find(':');
    if (colon == std::string_view::npos)
        return false;
    auto proto = s.substr(0, colon);
    if (proto != "tcp" && proto != "udp")
        return false;
    s.remove_prefix(colon + 1);
    auto dash = s.find('-');
    if (dash == std::string_view::npos)
        return false;
    auto host = s.substr(0, dash), guest = s.substr(dash + 1);
    auto split = [](std::string_view side, bool zero_ok) {
        auto c = side.rfind(':');
        return c != std::string_view::npos && valid_addr(side.substr(0, c)) &&
               valid_port(side.substr(c + 1), zero_ok);
    };
    return split(host, true) && split(guest, false);
}

} // namespace

Parsed<Net> parse_net(std::string_view spec) {
    Net net;
    if (spec.starts_with("tap:")) {
        auto name = spec.substr(4);
        if (auto comma = name.find(','); comma != std::string_view::npos) {
            auto opt = name.substr(comma + 1);
            name = name.substr(0, comma);
            if (opt == "offload=off")
                net.offload = false;
            else if (opt != "offload=on")
                return Parsed<Net>::fail("--net tap:NAME: unknown option '" + std::string(opt) +
                                         "' (expected offload=on or offload=off)");
        }
        bool ok = !name.empty() && name.size() <= 15 && name != "." && name != "..";
        for (char c : name)
            ok = ok && c > ' ' && c != '/' && c != ',' && c != ':' && c != '=' && c != 0x7f;
        if (!ok)
            return Parsed<Net>::fail("--net tap:NAME: '" + std::string(name) +
                                     "' is not a tap device name (1 to 15 characters, no '/', "
                                     "',', ':', '=' or whitespace)");
        net.kind = Net::Kind::Tap;
        net.tap = std::string(name);
        return Parsed<Net>::ok(std::move(net));
    }
    auto comma = spec.find(',');
    if (spec.substr(0, comma) != "user")
        return Parsed<Net>::fail("invalid --net '" + std::string(spec) +
                                 "' (expected user[,hostfwd=...] or tap:NAME)");
    net.kind = Net::Kind::User;
    while (comma != std::string_view::npos) {
        spec.remove_prefix(comma + 1);
        comma = spec.find(',');
        auto item = spec.substr(0, comma);
        if (!item.starts_with("hostfwd="))
            return Parsed<Net>::fail("--net user: unknown option '" + std::string(item) +
                                     "' (expected hostfwd=tcp:HOSTADDR:HOSTPORT-:GUESTPORT)");
        auto fwd = item.substr(8);
        if (!valid_hostfwd(fwd))
            return Parsed<Net>::fail("--net user: invalid hostfwd '" + std::string(fwd) +
                                     "' (expected tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:"
                                     "GUESTPORT)");
        net.hostfwd.emplace_back(fwd);
    }
    return Parsed<Net>::ok(std::move(net));
}

std::vector<std::string> net_qemu_args(std::vector<Net> const& nets, Machine machine) {
    std::vector<std::string> argv;
    for (std::size_t i = 0; i < nets.size(); i++) {
        auto id = "uknet" + std::to_string(i);
        std::string netdev;
        if (nets[i].kind == Net::Kind::User) {
            netdev = "user,id=" + id;
            for (auto const& fwd : nets[i].hostfwd)
                netdev += ",hostfwd=" + fwd;
        } else {
            netdev = "tap,id=" + id + ",ifname=" + nets[i].tap + ",script=no,downscript=no";
        }
        auto device = machine == Machine::Microvm ? "virtio-net-device,netdev=" + id
                                                  : "virtio-net-pci,romfile=,netdev=" + id;
        if (!nets[i].offload)
            device += ",csum=off,guest_csum=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,"
                      "guest_ufo=off,host_tso4=off,host_tso6=off,host_ecn=off,host_ufo=off";
        argv.insert(argv.end(), {"-netdev", netdev, "-device", device});
    }
    return argv;
}

} // namespace ukrun
