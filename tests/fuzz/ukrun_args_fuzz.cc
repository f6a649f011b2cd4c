// ukrun's command line: the input is NUL-separated arguments, the first
// ones up to an empty argument being the host's environment; the kernel
// command line is built from whatever parses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ukrun_args.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> words;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\0', start);
        if (end == std::string::npos)
            end = text.size();
        words.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    std::vector<const char*> env, args;
    bool in_env = true;
    for (const std::string& w : words) {
        if (in_env && w.empty()) {
            in_env = false;
            continue;
        }
        (in_env ? env : args).push_back(w.c_str());
    }
    ukrun::HostContext host{env, "/work/dir"};
    ukrun::Parsed<ukrun::Options> options = ukrun::parse_args(args, host);
    if (!options)
        return 0;
    (void)ukrun::check_exec_limits(*options.value);
    (void)ukrun::route_kernel_cmdline(*options.value);
    return 0;
}
