// The fw_cfg file directory as the device lays it out: big-endian numbers,
// names padded with NULs or filling their 56 bytes.
#include "drivers/fw_cfg.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

using uk::drivers::fw_cfg_entry_is;
using uk::drivers::FwCfgDirEntry;
using uk::drivers::FwCfgFile;

namespace {

FwCfgDirEntry entry(const std::string& name, uint32_t size, uint16_t select) {
    FwCfgDirEntry e{};
    const unsigned char size_bytes[4] = {uint8_t(size >> 24), uint8_t(size >> 16),
                                         uint8_t(size >> 8), uint8_t(size)};
    const unsigned char select_bytes[2] = {uint8_t(select >> 8), uint8_t(select)};
    std::memcpy(&e.size_be, size_bytes, 4);
    std::memcpy(&e.select_be, select_bytes, 2);
    std::memcpy(e.name, name.data(), std::min(name.size(), sizeof(e.name)));
    return e;
}

} // namespace

TEST(FwCfg, MatchesTheNameAndDecodesBigEndian) {
    FwCfgFile f{0, 0};
    ASSERT_TRUE(fw_cfg_entry_is(entry("opt/uk/cmdline", 0x00123456, 0x0021), "opt/uk/cmdline", &f));
    EXPECT_EQ(f.size, 0x00123456U);
    EXPECT_EQ(f.select, 0x0021);
}

TEST(FwCfg, PrefixesDoNotMatch) {
    FwCfgFile f{7, 7};
    EXPECT_FALSE(fw_cfg_entry_is(entry("opt/uk/cmdline2", 1, 1), "opt/uk/cmdline", &f));
    EXPECT_FALSE(fw_cfg_entry_is(entry("opt/uk/cmd", 1, 1), "opt/uk/cmdline", &f));
    EXPECT_FALSE(fw_cfg_entry_is(entry("", 1, 1), "opt/uk/cmdline", &f));
    EXPECT_EQ(f.select, 7);
    EXPECT_EQ(f.size, 7U);
}

TEST(FwCfg, FullLengthNames) {
    // A 56-byte name has no NUL in the entry; no name can be that long.
    std::string full(56, 'n');
    FwCfgFile f{};
    EXPECT_FALSE(fw_cfg_entry_is(entry(full, 1, 1), full.c_str(), &f));
    EXPECT_FALSE(fw_cfg_entry_is(entry(full, 1, 1), full.substr(0, 55).c_str(), &f));
    std::string longest(55, 'n');
    EXPECT_TRUE(fw_cfg_entry_is(entry(longest, 1, 2), longest.c_str(), &f));
    EXPECT_EQ(f.select, 2);
}
