// Fuzzes parse_cmdline and count_cmdline: they must never read or write out
// of bounds (ASan), must agree with a straightforward reference parser that
// works on an immutable copy, parse_cmdline must fill arrays only up to their
// caps, and count_cmdline must leave the text alone.
//
// Input: byte 0 picks the parameter cap, byte 1 the argument cap, the rest
// (up to the first NUL) is the command line.

#include "boot/cmdline.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Reference {
    bool has_argv0 = false;
    std::string argv0;
    std::vector<std::pair<std::string, std::pair<bool, std::string>>> params;
    std::vector<std::string> args;
    uk::CmdlineError error = uk::CmdlineError::none;
    size_t error_offset = 0;
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool valid_name(const std::string& name) {
    if (name.empty()) {
        return false;
    }
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

// The grammar of cmdline.h, written for clarity rather than in place.
Reference reference_parse(const std::string& s) {
    Reference ref;
    size_t i = 0;
    bool first = true;
    bool in_args = false;
    for (;;) {
        while (i < s.size() && is_space(s[i])) {
            ++i;
        }
        if (i == s.size()) {
            return ref;
        }
        size_t start = i;
        std::string text;
        bool literal = true;
        bool quoted = false;
        size_t quote_at = 0;
        size_t equals = std::string::npos;
        while (i < s.size() && (quoted || !is_space(s[i]))) {
            if (s[i] == '\\') {
                if (i + 1 == s.size()) {
                    ref.error = uk::CmdlineError::trailing_backslash;
                    ref.error_offset = i;
                    return ref;
                }
                text += s[i + 1];
                i += 2;
                literal = false;
            } else if (s[i] == '"') {
                if (!quoted) {
                    quote_at = i;
                }
                quoted = !quoted;
                literal = false;
                ++i;
            } else {
                bool list = false;
                if (s[i] == '=' && equals == std::string::npos) {
                    equals = text.size();
                    list = !in_args && !quoted && i + 1 < s.size() && s[i + 1] == '[';
                }
                text += s[i++];
                if (list) {
                    // Up to the matching `]`, verbatim.
                    size_t open_at = i;
                    int depth = 0;
                    bool q = false;
                    bool closed = false;
                    while (i < s.size() && !closed) {
                        char d = s[i];
                        if (d == '\\' && i + 1 < s.size()) {
                            text += s.substr(i, 2);
                            i += 2;
                            continue;
                        }
                        text += d;
                        ++i;
                        if (d == '"') {
                            q = !q;
                        } else if (!q && d == '[') {
                            ++depth;
                        } else if (!q && d == ']') {
                            closed = --depth == 0;
                        }
                    }
                    if (!closed) {
                        ref.error = uk::CmdlineError::unterminated_list;
                        ref.error_offset = open_at;
                        return ref;
                    }
                    if (i < s.size() && !is_space(s[i])) {
                        ref.error = uk::CmdlineError::text_after_list;
                        ref.error_offset = i;
                        return ref;
                    }
                    break;
                }
            }
        }
        if (quoted) {
            ref.error = uk::CmdlineError::unterminated_quote;
            ref.error_offset = quote_at;
            return ref;
        }
        if (in_args) {
            ref.args.push_back(text);
        } else if (literal && text == "--") {
            in_args = true;
        } else if (first && equals == std::string::npos) {
            ref.has_argv0 = true;
            ref.argv0 = text;
        } else {
            std::string name = text.substr(0, equals);
            if (!valid_name(name)) {
                ref.error = uk::CmdlineError::bad_param_name;
                ref.error_offset = start;
                return ref;
            }
            if (equals == std::string::npos) {
                ref.params.push_back({name, {false, ""}});
            } else {
                ref.params.push_back({name, {true, text.substr(equals + 1)}});
            }
        }
        first = false;
    }
}

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "cmdline_fuzz: %s\n", what);
    std::abort();
}

void expect(bool ok, const char* what) {
    if (!ok) {
        fail(what);
    }
}

bool is_syntax_error(uk::CmdlineError e) {
    return e == uk::CmdlineError::unterminated_quote || e == uk::CmdlineError::trailing_backslash ||
           e == uk::CmdlineError::bad_param_name || e == uk::CmdlineError::unterminated_list ||
           e == uk::CmdlineError::text_after_list;
}

void check_against(const Reference& ref, const std::string& line, size_t param_cap,
                   size_t arg_cap) {
    std::vector<char> buf(line.begin(), line.end());
    buf.push_back('\0');
    const char* lo = buf.data();
    const char* hi = buf.data() + buf.size();
    // One spare slot past each cap must stay untouched.
    const char* guard = "guard";
    std::vector<uk::CmdlineParam> params(param_cap + 1, uk::CmdlineParam{guard, guard});
    std::vector<const char*> args(arg_cap + 1, guard);
    uk::CmdlineResult r =
        uk::parse_cmdline(buf.data(), params.data(), param_cap, args.data(), arg_cap);

    expect(params[param_cap].name == guard && params[param_cap].value == guard,
           "wrote past param_cap");
    expect(args[arg_cap] == guard, "wrote past arg_cap");
    auto inside = [&](const char* p) {
        // The string must also end inside the buffer.
        return p >= lo && p < hi && std::memchr(p, '\0', static_cast<size_t>(hi - p)) != nullptr;
    };

    if (is_syntax_error(ref.error)) {
        expect(r.error == ref.error, "syntax error differs");
        expect(r.error_offset == ref.error_offset, "error offset differs");
        expect(r.nparams <= param_cap && r.nargs <= arg_cap, "counts past caps on error");
    } else {
        expect(r.nparams == ref.params.size(), "nparams differs");
        expect(r.nargs == ref.args.size(), "nargs differs");
        uk::CmdlineError want = uk::CmdlineError::none;
        if (ref.params.size() > param_cap) {
            want = uk::CmdlineError::too_many_params;
        } else if (ref.args.size() > arg_cap) {
            want = uk::CmdlineError::too_many_args;
        }
        expect(r.error == want, "overflow error differs");
        if (want == uk::CmdlineError::none) {
            expect(r.error_offset == 0, "offset without an error");
        } else {
            expect(r.error_offset < line.size(), "overflow offset out of range");
        }
        expect((r.argv0 != nullptr) == ref.has_argv0, "argv0 presence differs");
        if (r.argv0 != nullptr) {
            expect(inside(r.argv0), "argv0 outside the buffer");
            expect(r.argv0 == ref.argv0, "argv0 differs");
        }
    }
    size_t nparams = r.nparams < param_cap ? r.nparams : param_cap;
    size_t nargs = r.nargs < arg_cap ? r.nargs : arg_cap;
    expect(nparams <= ref.params.size() && nargs <= ref.args.size(), "more entries than exist");
    for (size_t i = 0; i < nparams; ++i) {
        expect(inside(params[i].name), "name outside the buffer");
        expect(params[i].name == ref.params[i].first, "name differs");
        expect((params[i].value != nullptr) == ref.params[i].second.first, "value presence");
        if (params[i].value != nullptr) {
            expect(inside(params[i].value), "value outside the buffer");
            expect(params[i].value == ref.params[i].second.second, "value differs");
        }
    }
    for (size_t i = 0; i < nargs; ++i) {
        expect(inside(args[i]), "arg outside the buffer");
        expect(args[i] == ref.args[i], "arg differs");
    }
}

// The counting pass the kernel runs to size its arrays before parsing.
void check_count(const Reference& ref, const std::string& line) {
    std::vector<char> buf(line.begin(), line.end());
    buf.push_back('\0');
    uk::CmdlineResult r = uk::count_cmdline(buf.data());
    expect(std::string(buf.data(), line.size()) == line && buf.back() == '\0',
           "count_cmdline wrote to the text");
    expect(r.argv0 == nullptr, "count_cmdline returned an argv0");
    expect(r.error == ref.error, "count error differs");
    expect(r.error_offset == ref.error_offset, "count error offset differs");
    expect(r.nparams == ref.params.size(), "counted nparams differs");
    expect(r.nargs == ref.args.size(), "counted nargs differs");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) {
        return 0;
    }
    size_t param_cap = data[0] % 8 == 7 ? 4096 : data[0] % 8;
    size_t arg_cap = data[1] % 8 == 7 ? 4096 : data[1] % 8;
    std::string line(reinterpret_cast<const char*>(data + 2), size - 2);
    line = line.substr(0, line.find('\0'));
    Reference ref = reference_parse(line);
    check_count(ref, line);
    check_against(ref, line, param_cap, arg_cap);
    // With room for everything, the same line parses without overflow.
    check_against(ref, line, ref.params.size(), ref.args.size());

    // The helpers must cope with anything a parameter value can be.
    uint64_t number;
    bool flag;
    uk::parse_u64(line.c_str(), &number);
    uk::parse_bool(line.c_str(), &flag);
    std::vector<uk::CmdlineParam> params(ref.params.size());
    for (size_t i = 0; i < params.size(); ++i) {
        params[i] = {ref.params[i].first.c_str(), nullptr};
    }
    const uk::CmdlineParam* found = uk::cmdline_find(params.data(), params.size(), line.c_str());
    expect(found == nullptr || line == found->name, "cmdline_find returned a mismatch");
    return 0;
}
