// The kernel command line: `[argv0] [param...] [-- arg...]`.
//
// Tokens are separated by ASCII whitespace. Double quotes group (they are
// removed and may appear mid-token: a"b c"d is the one token `ab cd`); a
// backslash escapes the next character anywhere, inside quotes or not. The
// first token is argv0 when it contains no `=` and is not `--` (QEMU's
// Multiboot loader and urunc put the image name first). The other tokens
// before the first `--` are kernel parameters, `name=value` or a bare `name`;
// names match [A-Za-z0-9_.-]+ and split at the first `=` that was not
// produced by a backslash escape (so a quoted `"name=a b"` is a parameter, and
// argv0 may contain `\=`). Everything after the first `--` is the app's
// arguments, verbatim after unquoting; a later `--` is an ordinary argument.
// Only an unquoted, unescaped `--` separates: `"--"` is an ordinary token.
//
// Lists (Unikraft's syntax): a parameter whose first `=` is unquoted and
// unescaped and directly followed by `[` has a list value, which runs to the
// matching `]` across whitespace, e.g. `vfs.fstab=[ "a:b:c" "d:e:f" ]`. The
// value is that text from `[` to `]` exactly as written: quotes and
// backslashes inside are kept for the parameter's consumer to split items
// by. Inside, a `"` starts or ends a quoted run (where `[` and `]` do not
// count) and a backslash takes the next character along (so `\"` and `\]`
// count for nothing); unquoted `[` nest. The `]` must end the token. A
// quoted parameter (`"name=[ a ]"`) is an ordinary one; its unquoted text
// may still look like a list to the consumer.
//
// Pure logic, shared by the kernel and the host unit tests and fuzzers.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk {

/// The kernel parameter `uk.cmdline=fw_cfg` says that the command line is in
/// the fw_cfg file cmdline_fw_cfg_file: that one's parameters apply after the
/// boot loader's, and its arguments are the app's (the boot loader's line
/// may then have none). Its argv0, when it has none, is the boot loader's.
/// This is how ukrun passes a command line too long for QEMU's -append.
inline constexpr char cmdline_source_param[] = "uk.cmdline";
/// The one value cmdline_source_param takes.
inline constexpr char cmdline_source_fw_cfg[] = "fw_cfg";
/// The fw_cfg file that holds the command line.
inline constexpr char cmdline_fw_cfg_file[] = "opt/uk/cmdline";

/// One kernel parameter; value is nullptr for a bare `name`.
struct CmdlineParam {
    const char* name;
    const char* value;
};

/// What went wrong while parsing a command line.
enum class CmdlineError {
    none,
    unterminated_quote,
    trailing_backslash,
    bad_param_name,
    too_many_params,
    too_many_args,
    unterminated_list,
    text_after_list,
};

/// The outcome of parse_cmdline().
struct CmdlineResult {
    /// The image name, or nullptr when the command line does not start with one.
    const char* argv0;
    /// Parameters found. With too_many_params or too_many_args, the number
    /// needed (it may exceed the cap); otherwise at most the cap.
    size_t nparams;
    /// App arguments found, counted like nparams.
    size_t nargs;
    /// CmdlineError::none on success.
    CmdlineError error;
    /// Byte offset into the original buffer of what caused the error: the
    /// opening quote, the lone backslash, the start of the offending token,
    /// the `[` of an unterminated list or the character after a list.
    size_t error_offset;
};

/// Parses the NUL-terminated command line in buf in place, writing NULs and
/// unquoted text into it; every pointer in the result and the arrays points
/// into buf. Fills params[0..param_cap) and args[0..arg_cap) and never writes
/// past the caps (a null array counts as cap 0).
///
/// On too_many_params or too_many_args parsing runs to the end so that
/// nparams and nargs say how many entries are needed (when both overflow the
/// error names parameters); only the entries below the caps are filled. On a
/// syntax error (unterminated_quote, trailing_backslash, bad_param_name,
/// unterminated_list, text_after_list)
/// parsing stops there, which wins over an earlier too_many_*, and nparams
/// and nargs count the filled entries before it. In every error case buf is
/// left partly tokenised: to parse again, e.g. with bigger arrays, re-copy
/// the original command line first. A null buf parses as empty.
CmdlineResult parse_cmdline(char* buf, CmdlineParam* params, size_t param_cap, const char** args,
                            size_t arg_cap);

/// Counts what parse_cmdline would find in the NUL-terminated buf, without
/// writing to it, so that the caller can size the arrays before parsing:
/// nparams and nargs are the totals (never an overflow error), argv0 is
/// always nullptr. A syntax error is reported with the error and offset
/// parse_cmdline would give, and the counts of the entries before it. A
/// null buf counts as empty.
CmdlineResult count_cmdline(const char* buf);

/// Returns a human-readable message for e, e.g. "unterminated quote"; never
/// nullptr ("unknown error" for a value outside the enum).
const char* cmdline_error_string(CmdlineError e);

/// Returns the last parameter among params[0..n) named name (so a later
/// parameter overrides an earlier one), or nullptr if there is none or name
/// is nullptr.
const CmdlineParam* cmdline_find(const CmdlineParam* params, size_t n, const char* name);

/// Parses s as an unsigned integer, decimal or 0x-prefixed hexadecimal, with
/// no sign, spaces or suffix, into *out. Returns false, leaving *out alone,
/// on nullptr, bad syntax or a value above UINT64_MAX.
bool parse_u64(const char* s, uint64_t* out);

/// Parses s as a boolean into *out: "1", "on", "yes", "true" are true and
/// "0", "off", "no", "false" are false (any letter case); nullptr, the value
/// of a bare `name` parameter, is true. Returns false, leaving *out alone,
/// for anything else.
bool parse_bool(const char* s, bool* out);

} // namespace uk
