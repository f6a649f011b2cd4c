// Command lines and response files: the input is NUL-separated arguments;
// "@rsp" arguments read the whole input as a response file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "link_args.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> args;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\0', start);
        if (end == std::string::npos)
            end = text.size();
        args.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    std::string error;
    auto read = [&](const std::string& path) -> std::optional<std::string> {
        if (path == "rsp")
            return text;
        return std::nullopt;
    };
    std::optional<std::vector<std::string>> expanded =
        kraftld::expand_response_files(args, read, error);
    if (!expanded)
        return 0;
    std::optional<kraftld::LinkRequest> request = kraftld::parse_link_args(*expanded, error);
    if (!request)
        return 0;
    // A file system where some paths exist, by their length; packages and
    // directory listings answer by length too.
    kraftld::LibraryHost host;
    host.image_dir = "/rt";
    host.host_dirs = {"/usr/lib/x86_64-linux-gnu", "/usr/lib"};
    host.file_exists = [](const std::string& path) { return path.size() % 3 == 0; };
    host.package_of = [](const std::string& path) -> std::optional<std::string> {
        if (path.size() % 2 == 0)
            return std::nullopt;
        return std::string("libfoo-dev");
    };
    host.find_prefixed = [](const std::string& dir,
                            const std::string& prefix) -> std::optional<std::string> {
        if (prefix.size() % 2 == 0)
            return std::nullopt;
        return dir + "/" + prefix + ".1";
    };
    kraftld::resolve_libraries(*request, host, error);
    for (const kraftld::LinkItem& item : request->items)
        (void)kraftld::shell_quote(item.text);
    return 0;
}
