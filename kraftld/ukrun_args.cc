#include "ukrun_args.h"

#include "boot/cmdline.h"
#include "ukrun_net.h"
#include "ukrun_share.h"

#include <charconv>
#include <cstring>

namespace ukrun {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Parses a non-empty run of decimal digits that fits in 64 bits.
std::optional<std::uint64_t> parse_digits(std::string_view text) {
    if (text.empty())
        return std::nullopt;
    for (char c : text) {
        if (!is_digit(c))
            return std::nullopt;
    }
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::string_view base_name(std::string_view path) {
    while (path.size() > 1 && path.back() == '/')
        path.remove_suffix(1);
    auto slash = path.rfind('/');
    if (slash != std::string_view::npos && path.size() > 1)
        path.remove_prefix(slash + 1);
    return path;
}

// An option that takes a value, given as "--name VALUE" or "--name=VALUE".
struct ValueOption {
    std::string_view name;
    std::string_view value;
};

} // namespace

Parsed<std::uint64_t> parse_size(std::string_view text) {
    auto bad = [&] {
        return Parsed<std::uint64_t>::fail(
            "invalid memory size '" + std::string(text) +
            "' (expected e.g. 64M, 1G, 2048K; a bare number is MiB)");
    };
    std::string_view digits = text;
    unsigned shift = 20;
    if (!digits.empty() && !is_digit(digits.back())) {
        switch (digits.back()) {
        case 'k':
        case 'K':
            shift = 10;
            break;
        case 'm':
        case 'M':
            shift = 20;
            break;
        case 'g':
        case 'G':
            shift = 30;
            break;
        case 't':
        case 'T':
            shift = 40;
            break;
        default:
            return bad();
        }
        digits.remove_suffix(1);
    }
    auto number = parse_digits(digits);
    if (!number)
        return bad();
    if (*number == 0)
        return Parsed<std::uint64_t>::fail("memory size must not be zero");
    constexpr std::uint64_t limit = 1ull << 40;
    if (*number >= (limit >> shift))
        return Parsed<std::uint64_t>::fail("memory size '" + std::string(text) +
                                           "' is too large (limit 1T)");
    return Parsed<std::uint64_t>::ok(*number << shift);
}

Parsed<std::uint64_t> parse_seconds(std::string_view text) {
    auto bad = [&] {
        return Parsed<std::uint64_t>::fail("invalid timeout '" + std::string(text) +
                                           "' (expected seconds, e.g. 10 or 0.5)");
    };
    std::string_view whole = text;
    std::string_view fraction;
    if (auto dot = text.find('.'); dot != std::string_view::npos) {
        whole = text.substr(0, dot);
        fraction = text.substr(dot + 1);
        if (fraction.empty() || !parse_digits(fraction))
            return bad();
    }
    auto seconds = parse_digits(whole);
    if (!seconds)
        return bad();
    constexpr std::uint64_t day = 24 * 60 * 60;
    if (*seconds > day)
        return Parsed<std::uint64_t>::fail("timeout '" + std::string(text) +
                                           "' is too long (limit 86400)");
    std::uint64_t ms = *seconds * 1000;
    std::uint64_t scale = 100;
    for (char c : fraction) {
        ms += static_cast<std::uint64_t>(c - '0') * scale;
        scale /= 10;
    }
    return Parsed<std::uint64_t>::ok(ms);
}

std::string format_size(std::uint64_t bytes) {
    static constexpr struct {
        unsigned shift;
        char suffix;
    } units[] = {{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}};
    for (auto unit : units) {
        std::uint64_t mask = (1ull << unit.shift) - 1;
        if (bytes != 0 && (bytes & mask) == 0)
            return std::to_string(bytes >> unit.shift) + unit.suffix;
    }
    return std::to_string(bytes) + 'B';
}

Parsed<std::string> quote_cmdline_arg(std::string_view arg) {
    bool needs_quotes = arg.empty();
    for (char c : arg) {
        if (c == '\0')
            return Parsed<std::string>::fail("contains a NUL byte");
        if (c == '\n')
            return Parsed<std::string>::fail("contains a newline");
        // The kernel splits tokens at any ASCII whitespace, and reads a
        // parameter's value that starts with `[` as a list to its `]`:
        // quoted, the value is exactly what was given.
        if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '"' || c == '\\' ||
            c == '[')
            needs_quotes = true;
    }
    if (!needs_quotes)
        return Parsed<std::string>::ok(std::string(arg));
    std::string quoted;
    quoted.reserve(arg.size() + 2);
    quoted += '"';
    for (char c : arg) {
        if (c == '"' || c == '\\')
            quoted += '\\';
        quoted += c;
    }
    quoted += '"';
    return Parsed<std::string>::ok(std::move(quoted));
}

Parsed<std::string> build_kernel_cmdline(Options const& options, Argv0 argv0) {
    std::string cmdline;
    auto append = [&](std::string_view token) {
        if (!cmdline.empty())
            cmdline += ' ';
        cmdline += token;
    };
    auto append_quoted = [&](std::string_view arg,
                             std::string const& what) -> std::optional<std::string> {
        auto quoted = quote_cmdline_arg(arg);
        if (!quoted)
            return what + " " + quoted.error + ", which the kernel command line cannot carry";
        append(*quoted.value);
        return std::nullopt;
    };
    if (argv0 == Argv0::FromImageName) {
        auto quoted = quote_cmdline_arg(options.argv0 ? *options.argv0 : base_name(options.image));
        if (!quoted)
            return Parsed<std::string>::fail((options.argv0 ? "--argv0 " : "the image name ") +
                                             quoted.error +
                                             ", which the kernel command line cannot carry");
        // The kernel takes a first token with an '=' in it for a parameter,
        // unless the '=' comes from a backslash escape, and a bare "--" for
        // the separator.
        std::string name = *quoted.value == "--" ? "\"--\"" : *quoted.value;
        for (std::size_t i = 0; i < name.size(); i++) {
            if (name[i] == '=')
                name.insert(i++, 1, '\\');
        }
        append(name);
    }
    if (auto fstab = share_fstab_param(options.shares); !fstab.empty()) {
        if (auto error = append_quoted(fstab, "the --share mounts"))
            return Parsed<std::string>::fail(*error);
    }
    for (auto const& param : options.params) {
        if (auto error =
                append_quoted(param, "kernel parameter '" + param.substr(0, param.find('=')) + "'"))
            return Parsed<std::string>::fail(*error);
    }
    append("--");
    for (std::size_t i = 0; i < options.args.size(); i++) {
        if (auto error = append_quoted(options.args[i], "app argument " + std::to_string(i + 1)))
            return Parsed<std::string>::fail(*error);
    }
    return Parsed<std::string>::ok(std::move(cmdline));
}

Parsed<std::size_t> check_exec_limits(Options const& options) {
    using Result = Parsed<std::size_t>;
    std::size_t total = 0;
    auto add = [&](std::string_view s, auto const& what) -> std::optional<std::string> {
        if (s.size() + 1 > exec_max_string)
            return what() + " is " + std::to_string(s.size()) + " bytes long, more than the " +
                   std::to_string(exec_max_string - 1) + " Linux passes to a program (E2BIG)";
        total += s.size() + 1 + sizeof(void*);
        return std::nullopt;
    };
    std::string_view argv0 = options.argv0 ? *options.argv0 : base_name(options.image);
    if (auto error = add(argv0, [] { return std::string("argv[0]"); }))
        return Result::fail(*error);
    for (std::size_t i = 0; i < options.args.size(); i++) {
        if (auto error =
                add(options.args[i], [&] { return "app argument " + std::to_string(i + 1); }))
            return Result::fail(*error);
    }
    for (auto const& param : options.params) {
        std::string_view value = param;
        if (!value.starts_with("env="))
            continue;
        value.remove_prefix(4);
        if (auto error = add(value, [&] {
                return "environment variable " + std::string(value.substr(0, value.find('=')));
            }))
            return Result::fail(*error);
    }
    if (total > exec_max_total)
        return Result::fail("the app's arguments and environment take " + std::to_string(total) +
                            " bytes, more than the " + std::to_string(exec_max_total) +
                            " Linux passes to a program (E2BIG)");
    return Result::ok(total);
}

Parsed<KernelCmdline> route_kernel_cmdline(Options const& options, Argv0 argv0) {
    // The Multiboot loader's argv0 (the image path) comes first on its
    // line; the kernel takes the fw_cfg line's own over it.
    bool own_argv0 = argv0 == Argv0::FromLoader && options.argv0;
    auto cmdline = build_kernel_cmdline(options, own_argv0 ? Argv0::FromImageName : argv0);
    if (!cmdline)
        return Parsed<KernelCmdline>::fail(cmdline.error);
    // QEMU's Multiboot loader writes "<image path> <append>".
    std::size_t loader_bytes =
        cmdline.value->size() + (argv0 == Argv0::FromLoader ? options.image.size() + 1 : 0);
    if (loader_bytes <= append_max && !own_argv0)
        return Parsed<KernelCmdline>::ok({std::move(*cmdline.value), std::nullopt});
    std::string marker = std::string(uk::cmdline_source_param) + "=" + uk::cmdline_source_fw_cfg;
    return Parsed<KernelCmdline>::ok({std::move(marker), std::move(*cmdline.value)});
}

bool in_default_env(std::string_view name) {
    if (name.starts_with("LC_"))
        return true;
    for (auto known : default_env_names) {
        if (name == known)
            return true;
    }
    return false;
}

std::string check_env_name(std::string_view name) {
    if (name.empty())
        return "the name is empty";
    for (char c : name) {
        if (c == '=')
            return "the name contains '='";
        if (c == '\n' || c == '\0')
            return "the name contains a newline, which the kernel command line cannot carry";
    }
    return {};
}

namespace {

constexpr std::string_view env_prefix = "env=";

// The variable an env= parameter sets, or nothing for another parameter.
std::optional<std::string_view> env_param_name(std::string_view param) {
    if (!param.starts_with(env_prefix))
        return std::nullopt;
    param.remove_prefix(env_prefix.size());
    return param.substr(0, param.find('='));
}

// The host's value of `name`, if it has one.
std::optional<std::string_view> host_value(std::span<char const* const> environ,
                                           std::string_view name) {
    for (char const* entry : environ) {
        std::string_view e = entry;
        if (e.size() > name.size() && e.starts_with(name) && e[name.size()] == '=')
            return e.substr(name.size() + 1);
    }
    return std::nullopt;
}

// Adds the default set's variables the host has and the command line does
// not name, then keeps only the last env= parameter of each name.
void finish_env(Options& options, std::span<char const* const> environ) {
    auto named = [&](std::string_view name) {
        for (auto const& param : options.params) {
            if (env_param_name(param) == name)
                return true;
        }
        return false;
    };
    std::vector<std::string> defaults;
    for (char const* entry : environ) {
        std::string_view e = entry;
        auto name = e.substr(0, e.find('='));
        // What the kernel command line cannot carry is left behind, not
        // an error: the user did not ask for it.
        if (name.size() == e.size() || !in_default_env(name) || !check_env_name(name).empty() ||
            e.find('\n') != std::string_view::npos || named(name))
            continue;
        defaults.push_back(std::string(env_prefix) + std::string(e));
    }
    for (auto& d : defaults)
        options.params.push_back(std::move(d));
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < options.params.size(); i++) {
        auto name = env_param_name(options.params[i]);
        bool later = false;
        for (std::size_t j = i + 1; name && j < options.params.size() && !later; j++)
            later = env_param_name(options.params[j]) == name;
        if (!later)
            kept.push_back(std::move(options.params[i]));
    }
    options.params = std::move(kept);
}

} // namespace

Parsed<Options> parse_args(std::span<char const* const> args, HostContext const& host) {
    using Result = Parsed<Options>;
    Options options;
    std::size_t i = 0;

    // Splits "--name=value" or takes the value from the next argument.
    auto take_value = [&](std::string_view arg,
                          std::string_view name) -> std::optional<ValueOption> {
        if (arg == name) {
            if (i + 1 >= args.size())
                return std::nullopt;
            return ValueOption{name, args[++i]};
        }
        return ValueOption{name, arg.substr(name.size() + 1)};
    };
    auto matches = [](std::string_view arg, std::string_view name) {
        return arg == name ||
               (arg.size() > name.size() && arg.starts_with(name) && arg[name.size()] == '=');
    };

    for (; i < args.size(); i++) {
        std::string_view arg = args[i];
        if (arg == "--") {
            i++;
            break;
        }
        if (arg.size() < 2 || arg[0] != '-')
            break;
        if (arg == "--help" || arg == "-h") {
            options.action = Action::Help;
            return Result::ok(std::move(options));
        }
        if (arg == "--version") {
            options.action = Action::Version;
            return Result::ok(std::move(options));
        }
        if (arg == "--verbose" || arg == "-v") {
            options.verbose = true;
            continue;
        }
        if (arg == "--share-cwd") {
            options.share_cwd = true;
            continue;
        }

        static constexpr std::string_view value_options[] = {
            "--mem",    "--machine", "--accel", "--timeout", "--param", "--qemu",
            "--initrd", "--share",   "-e",      "--env",     "--argv0", "--net"};
        std::optional<ValueOption> option;
        bool known = false;
        for (auto name : value_options) {
            if (matches(arg, name)) {
                known = true;
                option = take_value(arg, name);
                if (!option)
                    return Result::fail("option " + std::string(name) + " needs a value");
                break;
            }
        }
        if (!known)
            return Result::fail("unknown option '" + std::string(arg) + "' (see ukrun --help)");

        auto [name, value] = *option;
        if (name == "--mem") {
            auto size = parse_size(value);
            if (!size)
                return Result::fail(size.error);
            options.mem_bytes = *size.value;
        } else if (name == "--machine") {
            if (value == "microvm")
                options.machine = Machine::Microvm;
            else if (value == "pc")
                options.machine = Machine::Pc;
            else
                return Result::fail("invalid machine '" + std::string(value) +
                                    "' (expected microvm or pc)");
        } else if (name == "--accel") {
            if (value == "auto")
                options.accel = Accel::Auto;
            else if (value == "kvm")
                options.accel = Accel::Kvm;
            else if (value == "tcg")
                options.accel = Accel::Tcg;
            else
                return Result::fail("invalid accelerator '" + std::string(value) +
                                    "' (expected auto, kvm or tcg)");
        } else if (name == "--timeout") {
            auto ms = parse_seconds(value);
            if (!ms)
                return Result::fail(ms.error);
            options.timeout_ms = *ms.value;
        } else if (name == "--param") {
            // The kernel accepts names of [A-Za-z0-9_.-]+ only; say so here
            // rather than have the guest stop with a boot error.
            auto key = value.substr(0, value.find('='));
            bool valid = !key.empty();
            for (char c : key) {
                valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
                                  c == '_' || c == '.' || c == '-');
            }
            if (!valid)
                return Result::fail("invalid kernel parameter '" + std::string(value) +
                                    "' (expected NAME=VALUE, NAME made of A-Z a-z 0-9 _ . -)");
            if (key == uk::cmdline_source_param)
                return Result::fail("kernel parameter " + std::string(key) +
                                    " is ukrun's own (it passes long command lines that way)");
            if (key == "env") {
                if (value.size() == key.size())
                    return Result::fail("kernel parameter env needs NAME=VALUE");
                if (auto why = check_env_name(*env_param_name(value)); !why.empty())
                    return Result::fail("invalid environment variable in --param '" +
                                        std::string(value) + "': " + why);
            }
            options.params.emplace_back(value);
        } else if (name == "-e" || name == "--env") {
            auto env_name = value.substr(0, value.find('='));
            if (auto why = check_env_name(env_name); !why.empty())
                return Result::fail("invalid environment variable " + std::string(name) + " '" +
                                    std::string(value) + "': " + why +
                                    " (expected NAME=VALUE, or NAME for the host's value)");
            std::optional<std::string_view> env_value;
            if (env_name.size() < value.size())
                env_value = value.substr(env_name.size() + 1);
            else
                env_value = host_value(host.environ, env_name);
            if (!env_value)
                continue; // NAME alone, unset on the host: nothing to pass.
            if (env_value->find('\n') != std::string_view::npos)
                return Result::fail("environment variable " + std::string(env_name) +
                                    ": its value contains a newline, which the kernel command "
                                    "line cannot carry");
            options.params.push_back(std::string(env_prefix) + std::string(env_name) + "=" +
                                     std::string(*env_value));
        } else if (name == "--argv0") {
            options.argv0 = std::string(value);
        } else if (name == "--initrd") {
            if (value.empty())
                return Result::fail("option --initrd needs a file or a directory");
            options.initrd = value;
        } else if (name == "--share") {
            auto share = parse_share(value);
            if (!share)
                return Result::fail(share.error);
            for (auto const& other : options.shares) {
                if (other.guest == share.value->guest)
                    return Result::fail("--share: guest path " + other.guest + " given twice");
            }
            if (options.shares.size() == max_shares)
                return Result::fail("--share: at most " + std::to_string(max_shares) + " shares");
            options.shares.push_back(std::move(*share.value));
        } else if (name == "--net") {
            auto net = parse_net(value);
            if (!net)
                return Result::fail(net.error);
            if (options.nets.size() == max_nets)
                return Result::fail("--net: at most " + std::to_string(max_nets) + " interfaces");
            options.nets.push_back(std::move(*net.value));
        } else if (name == "--qemu") {
            if (value.empty())
                return Result::fail("option --qemu needs a path");
            options.qemu = value;
        }
    }

    // microvm has 8 virtio-mmio slots: the console takes one.
    if (options.machine == Machine::Microvm && options.shares.size() + options.nets.size() > 7)
        return Result::fail("--share and --net: at most 7 devices together on microvm (the "
                            "console takes the 8th virtio-mmio slot)");
    if (i >= args.size())
        return Result::fail("no image given (usage: ukrun [OPTIONS] [--] IMAGE [ARGS...])");
    options.image = args[i++];
    if (options.image.empty())
        return Result::fail("the image path is empty");
    for (; i < args.size(); i++)
        options.args.emplace_back(args[i]);

    finish_env(options, host.environ);
    if (options.share_cwd) {
        if (host.cwd.empty())
            return Result::fail("--share-cwd: cannot tell the current directory");
        if (host.cwd != "/") {
            auto share = parse_share_cwd(host.cwd);
            if (!share)
                return Result::fail(share.error);
            for (auto const& other : options.shares) {
                if (other.guest == share.value->guest)
                    return Result::fail("--share-cwd: guest path " + other.guest +
                                        " is shared by --share too");
            }
            if (options.shares.size() == max_shares)
                return Result::fail("--share-cwd: at most " + std::to_string(max_shares) +
                                    " shares, --share-cwd's included");
            options.params.push_back("vfs.cwd=" + share.value->guest);
            options.shares.push_back(std::move(*share.value));
        }
    }

    // Catch what the kernel command line cannot carry now, as a usage error,
    // and what Linux would not pass to a program either.
    if (auto cmdline = build_kernel_cmdline(options); !cmdline)
        return Result::fail(cmdline.error);
    if (auto size = check_exec_limits(options); !size)
        return Result::fail(size.error);
    return Result::ok(std::move(options));
}

std::optional<std::string> console_tty_param(bool const (&terminal)[3],
                                             std::vector<std::string> const& params) {
    for (auto const& param : params) {
        if (param.substr(0, param.find('=')) == "console.tty")
            return std::nullopt;
    }
    std::string list;
    for (int fd = 0; fd < 3; fd++) {
        if (terminal[fd])
            list += (list.empty() ? "" : ",") + std::to_string(fd);
    }
    if (list == "0,1,2")
        return std::nullopt;
    return "console.tty=" + (list.empty() ? std::string("none") : list);
}

std::string_view usage_text() {
    return R"(Usage: ukrun [OPTIONS] [--] IMAGE [ARGS...]

Boots a libunikraft image in QEMU with the guest's console on ukrun's
standard input and output, and exits with the app's exit status. Options end
at IMAGE; everything after it is passed to the app unchanged.

Options:
  --mem SIZE          guest memory, e.g. 64M, 1G, 2048K; a bare number is MiB
                      (default 64M)
  --machine MACHINE   microvm (default) or pc
  --accel ACCEL       auto (default): KVM where a probe shows a guest really
                      runs on it, else TCG; kvm or tcg force one
  --timeout SECONDS   stop the guest after SECONDS (e.g. 10, 0.5); 0 or
                      absent: no limit
  --param NAME[=VALUE]
                      add a kernel parameter (repeatable, kept in order)
  --initrd FILE|DIR   the root file system at boot: FILE is a newc cpio
                      archive (cpio -o -H newc); a DIR is packed into one
                      by ukrun (modes, owners, mtimes, symbolic links and
                      hard links kept). It counts against --mem: QEMU loads
                      it at the top of RAM
  --share HOST:GUEST[:ro]
                      share the host directory HOST with the guest, mounted
                      at GUEST over virtio-9p (9P2000.L); read-write unless
                      :ro is given (then writes fail with EROFS). HOST must
                      be a directory; GUEST an absolute path, created if
                      missing. Repeatable (at most 7). Files the guest
                      writes are on the host when the VM has ended; host
                      permissions apply to QEMU's user
  --net user[,hostfwd=tcp:HOSTADDR:HOSTPORT-:GUESTPORT]...
                      a network interface on QEMU user networking (no root
                      needed; the guest gets 10.0.2.15 by DHCP, the host's
                      127.0.0.1 is 10.0.2.2), with host ports forwarded to
                      guest ports (hostfwd in QEMU's syntax, tcp or udp)
  --net tap:NAME[,offload=off]
                      a network interface on the existing tap device NAME
                      (QEMU runs no script on it; offload=off: a device
                      without checksum or segmentation offloads). --net is
                      repeatable (at most 4); the kernel takes a static
                      address from --param netdev.ip=CIDR[:GW[:DNS]], else
                      asks DHCP
  --share-cwd         share ukrun's current directory with the guest at the
                      same path (read-write, as --share) and start the app
                      there (kernel parameter vfs.cwd=PATH); from / nothing
                      is shared and the app starts in /
  -e, --env NAME[=VALUE]
                      set NAME in the app's environment (repeatable); NAME
                      alone takes ukrun's value, and passes nothing when
                      it is unset. NAME must not be empty or hold '=' or a
                      newline. RUST_BACKTRACE, RUST_LOG, GODEBUG,
                      GOMAXPROCS, TZ, LANG and every LC_* variable pass
                      by default when set; -e and --param env= win over them
  --argv0 NAME        the app's argv[0] (default: the image's file name)
  --qemu PATH         the QEMU binary (default: $UKRUN_QEMU, else
                      qemu-system-x86_64 from PATH)
  --verbose, -v       print the QEMU command line and the accelerator choice
  --help, -h          print this help
  --version           print ukrun's version

The kernel command line is "<argv0> <params...> -- <args...>", argv0 being
--argv0's name or the image's file name; for a Multiboot image QEMU puts the
image path there (and --argv0 sends the command line through fw_cfg).
One longer than 4095 bytes reaches the kernel through fw_cfg instead of
-append. As with Linux's execve, each argument or env= variable must be
shorter than 128 KiB and all of them take at most 2 MiB (with a NUL and
an 8-byte pointer each).
Standard input is the app's fd 0, a console that reads like a terminal (a
virtio console device, relayed by ukrun), and its end is the app's end of
file. From a terminal, ukrun relays what the terminal's line editing gives,
a line at a time; Ctrl-D is one end of file, Ctrl-C stops the guest, and a
ukrun in the background reads nothing until it is brought back. The app's
output and the kernel's messages come out on standard output, in order.
The KVM probe's verdict is cached in $XDG_CACHE_HOME/ukrun/kvm-probe
(default ~/.cache/ukrun/kvm-probe).

Exit status:
  0-255  the status the app exited with (main's return value or exit(n)),
         or the status the kernel chose on a panic or CPU exception
         (128+signal for an app fault, 250 for a kernel-internal panic;
         a note goes to stderr)
  124    --timeout expired; QEMU was stopped
  125    usage error (including a file that is not a libunikraft image,
         a truncated one, one for another machine, an image larger than
         --mem), or QEMU
         failed to start or ended with an error and no status from the
         guest (QEMU's messages go to stderr)
  126    the guest stopped (reset, triple fault, power-off) without
         reporting a status
  128+N  ukrun itself was stopped by signal N (QEMU is stopped too)
)";
}

} // namespace ukrun
