#include "kvm_probe_cache.h"

namespace ukrun {

namespace {

constexpr std::string_view cache_magic = "ukrun-kvm-probe 1";

constexpr KvmVerdict verdicts[] = {KvmVerdict::Unusable, KvmVerdict::CpuHost, KvmVerdict::CpuMax,
                                   KvmVerdict::CpuDefault};

} // namespace

std::string_view verdict_name(KvmVerdict verdict) {
    switch (verdict) {
    case KvmVerdict::CpuHost:
        return "cpu-host";
    case KvmVerdict::CpuMax:
        return "cpu-max";
    case KvmVerdict::CpuDefault:
        return "cpu-default";
    case KvmVerdict::Unusable:
        break;
    }
    return "unusable";
}

char const* verdict_cpu(KvmVerdict verdict) {
    switch (verdict) {
    case KvmVerdict::CpuHost:
        return "host";
    case KvmVerdict::CpuDefault:
        return "";
    case KvmVerdict::CpuMax:
    case KvmVerdict::Unusable:
        break;
    }
    return "max";
}

std::string kvm_probe_cache_key(std::string_view kernel_release, unsigned long long kvm_rdev,
                                unsigned long long kvm_ino, std::string_view qemu_path,
                                unsigned long long qemu_size, long long mtime_sec,
                                long mtime_nsec) {
    std::string key = "kernel=";
    key += kernel_release;
    key += " kvm=" + std::to_string(kvm_rdev) + ":" + std::to_string(kvm_ino);
    key += " qemu=";
    key += qemu_path;
    key += ":" + std::to_string(qemu_size) + ":" + std::to_string(mtime_sec) + "." +
           std::to_string(mtime_nsec);
    // The key is one line of the cache file.
    for (char& c : key) {
        if (c == '\n')
            c = '?';
    }
    return key;
}

std::optional<KvmVerdict> parse_probe_cache(std::string_view content, std::string_view key) {
    auto next_line = [&]() -> std::optional<std::string_view> {
        auto newline = content.find('\n');
        if (newline == std::string_view::npos)
            return std::nullopt;
        auto line = content.substr(0, newline);
        content.remove_prefix(newline + 1);
        return line;
    };
    auto magic = next_line();
    auto stored_key = next_line();
    auto verdict = next_line();
    if (!magic || *magic != cache_magic || !stored_key || *stored_key != key || !verdict ||
        !content.empty())
        return std::nullopt;
    for (auto v : verdicts) {
        if (*verdict == verdict_name(v))
            return v;
    }
    return std::nullopt;
}

std::string format_probe_cache(std::string_view key, KvmVerdict verdict) {
    std::string content(cache_magic);
    content += '\n';
    content += key;
    content += '\n';
    content += verdict_name(verdict);
    content += '\n';
    return content;
}

} // namespace ukrun
