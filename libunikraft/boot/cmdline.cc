#include "boot/cmdline.h"

#include <type_traits>

namespace uk {

namespace {

constexpr size_t npos = ~size_t{0};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// [A-Za-z0-9_.-] as a table: one load instead of a chain of branches, which
// matters at boot under emulation, where each branch target is code to
// translate.
struct NameChars {
    bool table[256];
    constexpr NameChars() : table{} {
        for (int c = 0; c < 256; ++c) {
            table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '.' || c == '-';
        }
    }
};
constexpr NameChars name_chars_table{};

bool is_name_char(char c) {
    return name_chars_table.table[static_cast<unsigned char>(c)];
}

bool equal(const char* a, const char* b) {
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

char to_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_ignoring_case(const char* a, const char* b) {
    while (*a != '\0' && to_lower(*a) == to_lower(*b)) {
        ++a;
        ++b;
    }
    return to_lower(*a) == to_lower(*b);
}

// Appends item to array[0..cap) unless it is full; counts it either way.
template <typename T> bool push(T* array, size_t cap, size_t* count, const T& item) {
    bool fits = *count < cap;
    if (fits) {
        array[*count] = item;
    }
    *count += 1;
    return fits;
}

// The one scanner behind parse_cmdline (Char = char: unquotes the text in
// place and fills the arrays) and count_cmdline (Char = const char: only
// reads and counts). Every decision is made from what the token's unquoted
// text is or would be, so both agree by construction.
template <typename Char>
CmdlineResult scan(Char* buf, CmdlineParam* params, size_t param_cap, const char** args,
                   size_t arg_cap) {
    constexpr bool write = !std::is_const_v<Char>;
    CmdlineResult result{nullptr, 0, 0, CmdlineError::none, 0};
    if (buf == nullptr) {
        return result;
    }
    if (params == nullptr) {
        param_cap = 0;
    }
    if (args == nullptr) {
        arg_cap = 0;
    }
    CmdlineError overflow = CmdlineError::none;
    size_t overflow_offset = 0;
    auto fail = [&](CmdlineError error, size_t offset) {
        result.error = error;
        result.error_offset = offset;
        if constexpr (write) {
            result.nparams = result.nparams < param_cap ? result.nparams : param_cap;
            result.nargs = result.nargs < arg_cap ? result.nargs : arg_cap;
        }
        return result;
    };

    // Unquoted text is written at `out`, which never passes the read
    // position `in`, so a token can only shrink as it is rewritten.
    size_t in = 0;
    size_t out = 0;
    bool first = true;
    bool in_args = false;
    for (;;) {
        while (is_space(buf[in])) {
            ++in;
        }
        if (buf[in] == '\0') {
            break;
        }
        size_t token_offset = in;
        size_t token = out;
        size_t equals = npos;
        bool literal = true;
        bool quoted = false;
        size_t quote_offset = 0;
        // Whether all characters before the first `=` are name characters.
        bool name_chars = true;
        auto emit = [&](char c) {
            if constexpr (write) {
                buf[out] = c;
            }
            name_chars = name_chars && (equals != npos || is_name_char(c));
            ++out;
        };
        for (;;) {
            char c = buf[in];
            if (c == '\0') {
                if (quoted) {
                    return fail(CmdlineError::unterminated_quote, quote_offset);
                }
                break;
            }
            if (c == '\\') {
                if (buf[in + 1] == '\0') {
                    return fail(CmdlineError::trailing_backslash, in);
                }
                emit(buf[in + 1]);
                in += 2;
                literal = false;
                continue;
            }
            if (c == '"') {
                if (!quoted) {
                    quote_offset = in;
                }
                quoted = !quoted;
                literal = false;
                ++in;
                continue;
            }
            if (!quoted && is_space(c)) {
                break;
            }
            bool list = false;
            if (c == '=' && equals == npos) {
                equals = out;
                list = !in_args && !quoted && buf[in + 1] == '[';
            }
            emit(c);
            ++in;
            if (list) {
                // A list value is its text from `[` to the matching `]`,
                // verbatim: quotes and backslashes stay for its consumer.
                size_t list_offset = in;
                size_t depth = 0;
                bool in_quotes = false;
                for (;;) {
                    char d = buf[in];
                    if (d == '\0') {
                        return fail(CmdlineError::unterminated_list, list_offset);
                    }
                    if (d == '\\' && buf[in + 1] != '\0') {
                        emit(d);
                        emit(buf[in + 1]);
                        in += 2;
                        continue;
                    }
                    emit(d);
                    ++in;
                    if (d == '"') {
                        in_quotes = !in_quotes;
                    } else if (!in_quotes && d == '[') {
                        ++depth;
                    } else if (!in_quotes && d == ']' && --depth == 0) {
                        break;
                    }
                }
                if (buf[in] != '\0' && !is_space(buf[in])) {
                    return fail(CmdlineError::text_after_list, in);
                }
                break;
            }
        }
        // The terminator may overwrite the separator that ended the token.
        bool at_end = buf[in] == '\0';
        size_t length = out - token;
        const char* text = nullptr;
        // A literal token (no quotes, no escapes) is its own text, written
        // or not.
        const char* literal_text = buf + token_offset;
        if constexpr (write) {
            buf[out] = '\0';
            text = buf + token;
            literal_text = text;
        }
        ++out;
        ++in;

        if (in_args) {
            if (!push(args, arg_cap, &result.nargs, text) && overflow == CmdlineError::none) {
                overflow = CmdlineError::too_many_args;
                overflow_offset = token_offset;
            }
        } else if (literal && length == 2 && literal_text[0] == '-' && literal_text[1] == '-') {
            in_args = true;
        } else if (first && equals == npos) {
            result.argv0 = text;
        } else {
            const char* value = nullptr;
            if constexpr (write) {
                if (equals != npos) {
                    buf[equals] = '\0';
                    value = buf + equals + 1;
                }
            }
            size_t name_length = equals == npos ? length : equals - token;
            if (!name_chars || name_length == 0) {
                return fail(CmdlineError::bad_param_name, token_offset);
            }
            if (!push(params, param_cap, &result.nparams, CmdlineParam{text, value}) &&
                overflow == CmdlineError::none) {
                overflow = CmdlineError::too_many_params;
                overflow_offset = token_offset;
            }
        }
        first = false;
        if (at_end) {
            break;
        }
    }
    result.error = overflow;
    result.error_offset = overflow == CmdlineError::none ? 0 : overflow_offset;
    return result;
}

} // namespace

CmdlineResult parse_cmdline(char* buf, CmdlineParam* params, size_t param_cap, const char** args,
                            size_t arg_cap) {
    return scan(buf, params, param_cap, args, arg_cap);
}

CmdlineResult count_cmdline(const char* buf) {
    CmdlineResult result = scan(buf, nullptr, 0, nullptr, 0);
    if (result.error == CmdlineError::too_many_params ||
        result.error == CmdlineError::too_many_args) {
        result.error = CmdlineError::none;
        result.error_offset = 0;
    }
    return result;
}

const char* cmdline_error_string(CmdlineError e) {
    switch (e) {
    case CmdlineError::none:
        return "no error";
    case CmdlineError::unterminated_quote:
        return "unterminated quote";
    case CmdlineError::trailing_backslash:
        return "backslash at the end of the command line";
    case CmdlineError::bad_param_name:
        return "bad parameter name (expected [A-Za-z0-9_.-]+)";
    case CmdlineError::too_many_params:
        return "too many kernel parameters";
    case CmdlineError::too_many_args:
        return "too many app arguments";
    case CmdlineError::unterminated_list:
        return "unterminated list (a value that starts with [ runs to its ])";
    case CmdlineError::text_after_list:
        return "text after the ] that ends a list";
    }
    return "unknown error";
}

const CmdlineParam* cmdline_find(const CmdlineParam* params, size_t n, const char* name) {
    if (params == nullptr || name == nullptr) {
        return nullptr;
    }
    for (size_t i = n; i > 0; --i) {
        if (params[i - 1].name != nullptr && equal(params[i - 1].name, name)) {
            return &params[i - 1];
        }
    }
    return nullptr;
}

bool parse_u64(const char* s, uint64_t* out) {
    if (s == nullptr || *s == '\0') {
        return false;
    }
    uint64_t base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (*s == '\0') {
            return false;
        }
    }
    uint64_t value = 0;
    for (; *s != '\0'; ++s) {
        char c = *s;
        uint64_t digit;
        if (c >= '0' && c <= '9') {
            digit = static_cast<uint64_t>(c - '0');
        } else if (base == 16 && to_lower(c) >= 'a' && to_lower(c) <= 'f') {
            digit = static_cast<uint64_t>(to_lower(c) - 'a' + 10);
        } else {
            return false;
        }
        if (value > (UINT64_MAX - digit) / base) {
            return false;
        }
        value = value * base + digit;
    }
    *out = value;
    return true;
}

bool parse_bool(const char* s, bool* out) {
    if (s == nullptr) {
        *out = true;
        return true;
    }
    static constexpr const char* yes[] = {"1", "on", "yes", "true"};
    static constexpr const char* no[] = {"0", "off", "no", "false"};
    for (const char* word : yes) {
        if (equal_ignoring_case(s, word)) {
            *out = true;
            return true;
        }
    }
    for (const char* word : no) {
        if (equal_ignoring_case(s, word)) {
            *out = false;
            return true;
        }
    }
    return false;
}

} // namespace uk
