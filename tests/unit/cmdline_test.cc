#include "boot/cmdline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

using uk::CmdlineError;
using uk::CmdlineParam;
using uk::CmdlineResult;

struct Parsed {
    std::optional<std::string> argv0;
    std::vector<std::pair<std::string, std::optional<std::string>>> params;
    std::vector<std::string> args;
    CmdlineResult result;
};

// Parses a copy of text and checks that every result points into the copy.
Parsed parse(const std::string& text, size_t param_cap = 16, size_t arg_cap = 16) {
    std::vector<char> buf(text.begin(), text.end());
    buf.push_back('\0');
    std::vector<CmdlineParam> params(param_cap + 1, CmdlineParam{"sentinel", "sentinel"});
    std::vector<const char*> args(arg_cap + 1, "sentinel");
    Parsed out;
    out.result = uk::parse_cmdline(buf.data(), params.data(), param_cap, args.data(), arg_cap);
    auto inside = [&](const char* p) { return p >= buf.data() && p < buf.data() + buf.size(); };
    EXPECT_STREQ(params[param_cap].name, "sentinel");
    EXPECT_STREQ(args[arg_cap], "sentinel");
    if (out.result.argv0 != nullptr) {
        EXPECT_TRUE(inside(out.result.argv0));
        out.argv0 = out.result.argv0;
    }
    for (size_t i = 0; i < std::min(out.result.nparams, param_cap); ++i) {
        EXPECT_TRUE(inside(params[i].name));
        std::optional<std::string> value;
        if (params[i].value != nullptr) {
            EXPECT_TRUE(inside(params[i].value));
            value = params[i].value;
        }
        out.params.emplace_back(params[i].name, value);
    }
    for (size_t i = 0; i < std::min(out.result.nargs, arg_cap); ++i) {
        EXPECT_TRUE(inside(args[i]));
        out.args.emplace_back(args[i]);
    }

    // Counting the same text first, as the kernel does to size the arrays,
    // gives the totals parse_cmdline reports (or the same syntax error).
    CmdlineResult counted = uk::count_cmdline(text.c_str());
    EXPECT_EQ(counted.argv0, nullptr);
    bool overflow = out.result.error == CmdlineError::too_many_params ||
                    out.result.error == CmdlineError::too_many_args;
    if (overflow) {
        EXPECT_EQ(counted.error, CmdlineError::none) << text;
    } else {
        EXPECT_EQ(counted.error, out.result.error) << text;
        EXPECT_EQ(counted.error_offset, out.result.error_offset) << text;
    }
    EXPECT_EQ(std::min(counted.nparams, param_cap), std::min(out.result.nparams, param_cap))
        << text;
    EXPECT_EQ(std::min(counted.nargs, arg_cap), std::min(out.result.nargs, arg_cap)) << text;
    if (out.result.error == CmdlineError::none || overflow) {
        EXPECT_EQ(counted.nparams, out.result.nparams) << text;
        EXPECT_EQ(counted.nargs, out.result.nargs) << text;
    }
    return out;
}

using Params = std::vector<std::pair<std::string, std::optional<std::string>>>;
using Args = std::vector<std::string>;

TEST(Cmdline, EmptyAndBlankAreValid) {
    for (const char* text : {"", " ", "\t\n \r\v\f  "}) {
        Parsed p = parse(text);
        EXPECT_EQ(p.result.error, CmdlineError::none);
        EXPECT_FALSE(p.argv0);
        EXPECT_TRUE(p.params.empty());
        EXPECT_TRUE(p.args.empty());
    }
}

TEST(Cmdline, NullBufferParsesAsEmpty) {
    CmdlineResult r = uk::parse_cmdline(nullptr, nullptr, 0, nullptr, 0);
    EXPECT_EQ(r.error, CmdlineError::none);
    EXPECT_EQ(r.argv0, nullptr);
    EXPECT_EQ(r.nparams, 0u);
    EXPECT_EQ(r.nargs, 0u);
}

TEST(Cmdline, FullForm) {
    Parsed p = parse("/images/hello verbose mem=64M quiet= -- one two");
    EXPECT_EQ(p.result.error, CmdlineError::none);
    EXPECT_EQ(p.argv0, "/images/hello");
    EXPECT_EQ(p.params, (Params{{"verbose", std::nullopt}, {"mem", "64M"}, {"quiet", ""}}));
    EXPECT_EQ(p.args, (Args{"one", "two"}));
}

TEST(Cmdline, FirstTokenWithEqualsIsAParameter) {
    Parsed p = parse("a=1 b");
    EXPECT_FALSE(p.argv0);
    EXPECT_EQ(p.params, (Params{{"a", "1"}, {"b", std::nullopt}}));
}

TEST(Cmdline, FirstTokenDoubleDashIsTheSeparator) {
    Parsed p = parse("-- x -- y");
    EXPECT_FALSE(p.argv0);
    EXPECT_TRUE(p.params.empty());
    EXPECT_EQ(p.args, (Args{"x", "--", "y"}));
}

TEST(Cmdline, OnlyArgv0) {
    Parsed p = parse("  hello  ");
    EXPECT_EQ(p.argv0, "hello");
    EXPECT_TRUE(p.params.empty());
    EXPECT_TRUE(p.args.empty());
}

TEST(Cmdline, SeparatorWithNothingAfter) {
    Parsed p = parse("hello --");
    EXPECT_EQ(p.argv0, "hello");
    EXPECT_TRUE(p.args.empty());
    EXPECT_EQ(p.result.error, CmdlineError::none);
}

TEST(Cmdline, AnyWhitespaceSeparates) {
    Parsed p = parse("img\ta=1\nb=2\r\v\fc -- x\ty");
    EXPECT_EQ(p.argv0, "img");
    EXPECT_EQ(p.params, (Params{{"a", "1"}, {"b", "2"}, {"c", std::nullopt}}));
    EXPECT_EQ(p.args, (Args{"x", "y"}));
}

TEST(Cmdline, QuotesGroupAndAreRemoved) {
    Parsed p = parse(R"(img greeting="hello world" -- "a b" a"b c"d "" x)");
    EXPECT_EQ(p.result.error, CmdlineError::none);
    EXPECT_EQ(p.params, (Params{{"greeting", "hello world"}}));
    EXPECT_EQ(p.args, (Args{"a b", "ab cd", "", "x"}));
}

TEST(Cmdline, QuotedArgv0) {
    Parsed p = parse(R"("my image" -- x)");
    EXPECT_EQ(p.argv0, "my image");
    EXPECT_EQ(p.args, (Args{"x"}));
}

TEST(Cmdline, BackslashEscapesAnywhere) {
    Parsed p = parse(R"(img -- a\ b "q\"uote" \"x \\ "\\" \a "tab\	in")");
    EXPECT_EQ(p.result.error, CmdlineError::none);
    EXPECT_EQ(p.args, (Args{"a b", "q\"uote", "\"x", "\\", "\\", "a", "tab\tin"}));
}

TEST(Cmdline, EscapedEqualsDoesNotSplit) {
    Parsed p = parse(R"(/path/a\=b k=v\=w)");
    EXPECT_EQ(p.argv0, "/path/a=b");
    EXPECT_EQ(p.params, (Params{{"k", "v=w"}}));
}

TEST(Cmdline, QuotedEqualsSplits) {
    Parsed p = parse(R"(img "name=a b" c="d=e")");
    EXPECT_EQ(p.params, (Params{{"name", "a b"}, {"c", "d=e"}}));
}

TEST(Cmdline, ValueMayContainEquals) {
    Parsed p = parse("img k==v x=a=b");
    EXPECT_EQ(p.params, (Params{{"k", "=v"}, {"x", "a=b"}}));
}

TEST(Cmdline, QuotedOrEscapedDoubleDashIsOrdinary) {
    Parsed p = parse(R"(img "--" \-- -- x)");
    EXPECT_EQ(p.result.error, CmdlineError::none);
    EXPECT_EQ(p.params, (Params{{"--", std::nullopt}, {"--", std::nullopt}}));
    EXPECT_EQ(p.args, (Args{"x"}));
    Parsed q = parse(R"("--" x)");
    EXPECT_EQ(q.argv0, "--");
    EXPECT_EQ(q.params, (Params{{"x", std::nullopt}}));
}

TEST(Cmdline, DashedNamesAreParameters) {
    Parsed p = parse("img --verbose log.level=3 a-b_c.d");
    EXPECT_EQ(p.params,
              (Params{{"--verbose", std::nullopt}, {"log.level", "3"}, {"a-b_c.d", std::nullopt}}));
}

TEST(Cmdline, ArgumentsAreVerbatim) {
    Parsed p = parse("img -- a=b @x! --flag");
    EXPECT_EQ(p.args, (Args{"a=b", "@x!", "--flag"}));
    EXPECT_TRUE(p.params.empty());
}

TEST(Cmdline, UnterminatedQuote) {
    Parsed p = parse(R"(img a=1 b="open)");
    EXPECT_EQ(p.result.error, CmdlineError::unterminated_quote);
    EXPECT_EQ(p.result.error_offset, 10u);
    EXPECT_EQ(parse(R"(-- "x)").result.error, CmdlineError::unterminated_quote);
    EXPECT_EQ(parse(R"(")").result.error, CmdlineError::unterminated_quote);
    EXPECT_EQ(parse(R"(a"b"c"d)").result.error_offset, 5u);
}

TEST(Cmdline, TrailingBackslash) {
    Parsed p = parse(R"(img a\)");
    EXPECT_EQ(p.result.error, CmdlineError::trailing_backslash);
    EXPECT_EQ(p.result.error_offset, 5u);
    EXPECT_EQ(parse(R"(\)").result.error, CmdlineError::trailing_backslash);
    EXPECT_EQ(parse(R"(-- "a\)").result.error, CmdlineError::trailing_backslash);
    // An escaped backslash at the end is fine.
    EXPECT_EQ(parse(R"(img -- a\\)").args, (Args{"a\\"}));
}

TEST(Cmdline, BadParameterNames) {
    struct Case {
        const char* text;
        size_t offset;
    };
    for (Case c :
         {Case{"img b@d=1", 4}, Case{"img =x", 4}, Case{"img ok \"\"", 7}, Case{"img a/b", 4},
          Case{"=", 0}, Case{"img a\\ b=1", 4}, Case{"img \"a b\"=1", 4}}) {
        Parsed p = parse(c.text);
        EXPECT_EQ(p.result.error, CmdlineError::bad_param_name) << c.text;
        EXPECT_EQ(p.result.error_offset, c.offset) << c.text;
    }
}

TEST(Cmdline, ErrorStopsParsing) {
    Parsed p = parse("img a=1 b=2 ! c=3 -- x");
    EXPECT_EQ(p.result.error, CmdlineError::bad_param_name);
    EXPECT_EQ(p.result.nparams, 2u);
    EXPECT_EQ(p.result.nargs, 0u);
}

TEST(Cmdline, TooManyParamsCountsAll) {
    Parsed p = parse("img a b c d e -- x", 2, 4);
    EXPECT_EQ(p.result.error, CmdlineError::too_many_params);
    EXPECT_EQ(p.result.nparams, 5u);
    EXPECT_EQ(p.result.error_offset, 8u);
    EXPECT_EQ(p.params, (Params{{"a", std::nullopt}, {"b", std::nullopt}}));
    EXPECT_EQ(p.result.nargs, 1u);
    EXPECT_EQ(p.args, (Args{"x"}));
}

TEST(Cmdline, TooManyArgsCountsAll) {
    Parsed p = parse("img -- 1 2 3 4", 4, 1);
    EXPECT_EQ(p.result.error, CmdlineError::too_many_args);
    EXPECT_EQ(p.result.nargs, 4u);
    EXPECT_EQ(p.result.error_offset, 9u);
    EXPECT_EQ(p.args, (Args{"1"}));
}

TEST(Cmdline, BothOverflowNamesParameters) {
    Parsed p = parse("img a b -- 1 2", 1, 1);
    EXPECT_EQ(p.result.error, CmdlineError::too_many_params);
    EXPECT_EQ(p.result.nparams, 2u);
    EXPECT_EQ(p.result.nargs, 2u);
}

TEST(Cmdline, NullArraysCountAsNoRoom) {
    char buf[] = "img a=1 -- x y";
    CmdlineResult r = uk::parse_cmdline(buf, nullptr, 8, nullptr, 8);
    EXPECT_EQ(r.error, CmdlineError::too_many_params);
    EXPECT_EQ(r.nparams, 1u);
    EXPECT_EQ(r.nargs, 2u);
    EXPECT_STREQ(r.argv0, "img");
}

TEST(Cmdline, RetryWithTheNeededCaps) {
    const char original[] = "img a=1 b=2 c=3 -- x y z";
    char buf[sizeof original];
    std::memcpy(buf, original, sizeof original);
    CmdlineParam small_params[1];
    const char* small_args[1];
    CmdlineResult r = uk::parse_cmdline(buf, small_params, 1, small_args, 1);
    ASSERT_EQ(r.error, CmdlineError::too_many_params);
    std::vector<CmdlineParam> params(r.nparams);
    std::vector<const char*> args(r.nargs);
    std::memcpy(buf, original, sizeof original);
    CmdlineResult again =
        uk::parse_cmdline(buf, params.data(), params.size(), args.data(), args.size());
    EXPECT_EQ(again.error, CmdlineError::none);
    EXPECT_EQ(again.nparams, 3u);
    EXPECT_EQ(again.nargs, 3u);
    EXPECT_STREQ(params[2].value, "3");
    EXPECT_STREQ(args[2], "z");
}

TEST(Cmdline, SyntaxErrorWinsOverOverflowAndClampsCounts) {
    Parsed p = parse(R"(img a b c -- x "y)", 1, 4);
    EXPECT_EQ(p.result.error, CmdlineError::unterminated_quote);
    EXPECT_EQ(p.result.nparams, 1u);
    EXPECT_EQ(p.result.nargs, 1u);
}

TEST(Cmdline, ExactCapsAreEnough) {
    Parsed p = parse("img a b -- x y", 2, 2);
    EXPECT_EQ(p.result.error, CmdlineError::none);
    EXPECT_EQ(p.params.size(), 2u);
    EXPECT_EQ(p.args.size(), 2u);
}

TEST(Cmdline, LongLines) {
    std::string text = "img";
    for (int i = 0; i < 5000; ++i) {
        text += " p" + std::to_string(i) + "=\"v " + std::to_string(i) + "\"";
    }
    text += " --";
    for (int i = 0; i < 5000; ++i) {
        text += " a\\ " + std::to_string(i);
    }
    Parsed p = parse(text, 5000, 5000);
    EXPECT_EQ(p.result.error, CmdlineError::none);
    ASSERT_EQ(p.params.size(), 5000u);
    ASSERT_EQ(p.args.size(), 5000u);
    EXPECT_EQ(p.params[4999],
              (std::pair<std::string, std::optional<std::string>>{"p4999", "v 4999"}));
    EXPECT_EQ(p.args[4999], "a 4999");
}

TEST(Cmdline, ErrorStrings) {
    EXPECT_STREQ(uk::cmdline_error_string(CmdlineError::unterminated_quote), "unterminated quote");
    std::vector<std::string> seen;
    for (CmdlineError e :
         {CmdlineError::none, CmdlineError::unterminated_quote, CmdlineError::trailing_backslash,
          CmdlineError::bad_param_name, CmdlineError::too_many_params, CmdlineError::too_many_args,
          CmdlineError::unterminated_list, CmdlineError::text_after_list}) {
        const char* s = uk::cmdline_error_string(e);
        ASSERT_NE(s, nullptr);
        EXPECT_EQ(std::count(seen.begin(), seen.end(), s), 0);
        seen.emplace_back(s);
    }
    EXPECT_NE(uk::cmdline_error_string(static_cast<CmdlineError>(99)), nullptr);
}

TEST(Cmdline, FindReturnsTheLastMatch) {
    CmdlineParam params[] = {{"a", "1"}, {"b", nullptr}, {"a", "2"}};
    const CmdlineParam* a = uk::cmdline_find(params, 3, "a");
    ASSERT_NE(a, nullptr);
    EXPECT_STREQ(a->value, "2");
    EXPECT_EQ(uk::cmdline_find(params, 2, "a")->value, params[0].value);
    EXPECT_EQ(uk::cmdline_find(params, 3, "b"), &params[1]);
    EXPECT_EQ(uk::cmdline_find(params, 3, "c"), nullptr);
    EXPECT_EQ(uk::cmdline_find(params, 3, "aa"), nullptr);
    EXPECT_EQ(uk::cmdline_find(params, 3, ""), nullptr);
    EXPECT_EQ(uk::cmdline_find(params, 0, "a"), nullptr);
    EXPECT_EQ(uk::cmdline_find(nullptr, 3, "a"), nullptr);
    EXPECT_EQ(uk::cmdline_find(params, 3, nullptr), nullptr);
}

TEST(Cmdline, ParseU64) {
    struct Good {
        const char* text;
        uint64_t value;
    };
    for (Good g :
         {Good{"0", 0}, Good{"7", 7}, Good{"0123", 123}, Good{"0x1f", 31}, Good{"0XFF", 255},
          Good{"0xdeadBEEF", 0xdeadbeef}, Good{"18446744073709551615", UINT64_MAX},
          Good{"0xffffffffffffffff", UINT64_MAX}, Good{"0x0000000000000000001", 1}}) {
        uint64_t v = 42;
        EXPECT_TRUE(uk::parse_u64(g.text, &v)) << g.text;
        EXPECT_EQ(v, g.value) << g.text;
    }
    for (const char* bad :
         {"", "0x", "-1", "+1", " 1", "1 ", "12a", "0x1g", "1e3", "18446744073709551616",
          "99999999999999999999", "0x10000000000000000", "64M"}) {
        uint64_t v = 42;
        EXPECT_FALSE(uk::parse_u64(bad, &v)) << bad;
        EXPECT_EQ(v, 42u) << bad;
    }
    uint64_t v = 42;
    EXPECT_FALSE(uk::parse_u64(nullptr, &v));
}

TEST(Cmdline, ParseBool) {
    for (const char* yes : {"1", "on", "yes", "true", "ON", "True", "YES"}) {
        bool b = false;
        EXPECT_TRUE(uk::parse_bool(yes, &b)) << yes;
        EXPECT_TRUE(b) << yes;
    }
    for (const char* no : {"0", "off", "no", "false", "OFF", "False"}) {
        bool b = true;
        EXPECT_TRUE(uk::parse_bool(no, &b)) << no;
        EXPECT_FALSE(b) << no;
    }
    for (const char* bad : {"", "2", "yess", "ye", "of", "o", "truee", " on", "enable"}) {
        bool b = true;
        EXPECT_FALSE(uk::parse_bool(bad, &b)) << bad;
        EXPECT_TRUE(b) << bad;
    }
    bool b = false;
    EXPECT_TRUE(uk::parse_bool(nullptr, &b));
    EXPECT_TRUE(b);
}

TEST(Cmdline, ParsedValuesFeedTheHelpers) {
    char buf[] = "img debug mem=0x4000000 smp=off";
    CmdlineParam params[4];
    CmdlineResult r = uk::parse_cmdline(buf, params, 4, nullptr, 0);
    ASSERT_EQ(r.error, CmdlineError::none);
    bool debug = false;
    EXPECT_TRUE(uk::parse_bool(uk::cmdline_find(params, r.nparams, "debug")->value, &debug));
    EXPECT_TRUE(debug);
    uint64_t mem = 0;
    EXPECT_TRUE(uk::parse_u64(uk::cmdline_find(params, r.nparams, "mem")->value, &mem));
    EXPECT_EQ(mem, 64u << 20);
    bool smp = true;
    EXPECT_TRUE(uk::parse_bool(uk::cmdline_find(params, r.nparams, "smp")->value, &smp));
    EXPECT_FALSE(smp);
}

} // namespace

TEST(Cmdline, CountLeavesTheTextAlone) {
    const std::string text = "img uk.a=\"x y\" b\\=c -- one \"two three\" \\\"";
    std::vector<char> buf(text.begin(), text.end());
    buf.push_back('\0');
    CmdlineResult r = uk::count_cmdline(buf.data());
    EXPECT_EQ(std::string(buf.data()), text);
    EXPECT_EQ(r.error, CmdlineError::bad_param_name);
    EXPECT_EQ(r.nparams, 1U);
    EXPECT_EQ(r.nargs, 0U);

    r = uk::count_cmdline("img uk.a=\"x y\" -- one \"two three\" \\\"");
    EXPECT_EQ(r.error, CmdlineError::none);
    EXPECT_EQ(r.argv0, nullptr);
    EXPECT_EQ(r.nparams, 1U);
    EXPECT_EQ(r.nargs, 3U);
    EXPECT_EQ(uk::count_cmdline(nullptr).nargs, 0U);
}

TEST(Cmdline, CountThenParseManyEntries) {
    std::string text = "img";
    for (int i = 0; i < 300; ++i) {
        text += " p" + std::to_string(i) + "=v";
    }
    text += " --";
    for (int i = 0; i < 5000; ++i) {
        text += " \"a " + std::to_string(i) + "\"";
    }
    CmdlineResult counted = uk::count_cmdline(text.c_str());
    ASSERT_EQ(counted.error, CmdlineError::none);
    ASSERT_EQ(counted.nparams, 300U);
    ASSERT_EQ(counted.nargs, 5000U);
    Parsed p = parse(text, counted.nparams, counted.nargs);
    EXPECT_EQ(p.result.error, CmdlineError::none);
    ASSERT_EQ(p.args.size(), 5000U);
    EXPECT_EQ(p.args[4999], "a 4999");
    EXPECT_EQ(p.params[299].first, "p299");
}

TEST(Cmdline, ListValueRunsToItsBracketVerbatim) {
    Parsed p = parse(R"(img vfs.fstab=[ "a:b:c" "d:e:f" ] x=1 -- arg)");
    EXPECT_EQ(p.result.error, CmdlineError::none);
    EXPECT_EQ(p.argv0, "img");
    EXPECT_EQ(p.params, (Params{{"vfs.fstab", R"([ "a:b:c" "d:e:f" ])"}, {"x", "1"}}));
    EXPECT_EQ(p.args, (Args{"arg"}));

    // First token, no spaces, at the end of the line, empty.
    EXPECT_EQ(parse("a=[x]").params, (Params{{"a", "[x]"}}));
    EXPECT_EQ(parse("img a=[]").params, (Params{{"a", "[]"}}));
    EXPECT_EQ(parse("img a=[\t1\n2 ]\tb").params,
              (Params{{"a", "[\t1\n2 ]"}, {"b", std::nullopt}}));
}

TEST(Cmdline, ListKeepsQuotesEscapesAndNesting) {
    // A `]` or whitespace inside quotes does not end the list; nor does an
    // escaped `]` or `"`; brackets nest.
    EXPECT_EQ(parse(R"(img a=[ "x ] y" ])").params, (Params{{"a", R"([ "x ] y" ])"}}));
    EXPECT_EQ(parse(R"(img a=[ x\] \" ])").params, (Params{{"a", R"([ x\] \" ])"}}));
    EXPECT_EQ(parse(R"(img a=[ [b c] d ] e)").params,
              (Params{{"a", "[ [b c] d ]"}, {"e", std::nullopt}}));
    EXPECT_EQ(parse(R"(img a=[ "[" ])").params, (Params{{"a", R"([ "[" ])"}}));
}

TEST(Cmdline, OnlyAnUnquotedEqualsBracketStartsAList) {
    // A quoted or escaped `[`, or an `=` inside quotes, is ordinary text.
    EXPECT_EQ(parse(R"(img "a=[ x ]")").params, (Params{{"a", "[ x ]"}}));
    EXPECT_EQ(parse(R"(img a="[ x ]")").params, (Params{{"a", "[ x ]"}}));
    EXPECT_EQ(parse(R"(img a=\[ b)").params, (Params{{"a", "["}, {"b", std::nullopt}}));
    // Only the first `=` counts; a `[` later in the value is plain.
    EXPECT_EQ(parse("img a=b=[ c").params, (Params{{"a", "b=["}, {"c", std::nullopt}}));
    EXPECT_EQ(parse("img a=x[ c").params, (Params{{"a", "x["}, {"c", std::nullopt}}));
    // App arguments are never lists.
    EXPECT_EQ(parse("img -- a=[ b").args, (Args{"a=[", "b"}));
}

TEST(Cmdline, ListErrors) {
    Parsed p = parse(R"(img a=1 vfs.fstab=[ "a:b" )");
    EXPECT_EQ(p.result.error, CmdlineError::unterminated_list);
    EXPECT_EQ(p.result.error_offset, 18u);
    EXPECT_EQ(p.result.nparams, 1u);
    // A `]` inside quotes or escaped does not close it.
    EXPECT_EQ(parse(R"(img a=[ "]")").result.error, CmdlineError::unterminated_list);
    EXPECT_EQ(parse(R"(img a=[ \])").result.error, CmdlineError::unterminated_list);
    EXPECT_EQ(parse(R"(img a=[ [ ])").result.error, CmdlineError::unterminated_list);
    EXPECT_EQ(parse("img a=[ x \\").result.error, CmdlineError::unterminated_list);

    p = parse("img a=[ x ]y b=2");
    EXPECT_EQ(p.result.error, CmdlineError::text_after_list);
    EXPECT_EQ(p.result.error_offset, 11u);
    EXPECT_EQ(parse(R"(img a=[x]"")").result.error, CmdlineError::text_after_list);
    EXPECT_EQ(parse("img b@d=[ x ]").result.error, CmdlineError::bad_param_name);
}

TEST(Cmdline, CountAgreesOnLists) {
    const char* text = R"(img a=[ "1 2" 3 ] b=[ ] c -- d)";
    CmdlineResult counted = uk::count_cmdline(text);
    EXPECT_EQ(counted.error, CmdlineError::none);
    EXPECT_EQ(counted.nparams, 3u);
    EXPECT_EQ(counted.nargs, 1u);
}
