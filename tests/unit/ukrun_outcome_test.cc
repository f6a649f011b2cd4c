#include "ukrun_outcome.h"

#include <gtest/gtest.h>

#include <csignal>

using namespace ukrun;

namespace {

using Kind = QemuEnd::Kind;

ExitRecord exit_record(int n) {
    return {RecordKind::Exit, n};
}
ExitRecord panic_record(int n) {
    return {RecordKind::Panic, n};
}

} // namespace

TEST(UkrunRecord, Parse) {
    EXPECT_EQ(parse_exit_record("ukexit:0\n"), exit_record(0));
    EXPECT_EQ(parse_exit_record("ukexit:134\n"), exit_record(134));
    EXPECT_EQ(parse_exit_record("ukexit:255\n"), exit_record(255));
    EXPECT_EQ(parse_exit_record("ukpanic:250\n"), panic_record(250));
    EXPECT_EQ(parse_exit_record("ukpanic:139\r\n"), panic_record(139));
}

TEST(UkrunRecord, IgnoresOtherLines) {
    EXPECT_EQ(parse_exit_record("debug noise\nukexit:7\nmore noise\n"), exit_record(7));
    EXPECT_EQ(parse_exit_record("xukexit:7\nukexit:8\n"), exit_record(8));
    // The last complete record counts.
    EXPECT_EQ(parse_exit_record("ukexit:1\nukpanic:250\n"), panic_record(250));
}

TEST(UkrunRecord, RejectsMalformed) {
    for (char const* bad :
         {"", "\n", "ukexit:\n", "ukexit:256\n", "ukexit:-1\n", "ukexit:1000\n", "ukexit:12a\n",
          "ukexit: 1\n", "ukexit:1 \n", "UKEXIT:1\n", "ukexit1\n", "ukexit:0x10\n", "ukpanic:\n"})
        EXPECT_FALSE(parse_exit_record(bad)) << bad;
}

TEST(UkrunRecord, UnterminatedLineIsIgnored) {
    EXPECT_FALSE(parse_exit_record("ukexit:1"));
    EXPECT_EQ(parse_exit_record("ukexit:3\nukexit:4"), exit_record(3));
    // A record cut short by the VM's end must not read as a smaller status.
    EXPECT_FALSE(parse_exit_record("ukexit:13"));
}

TEST(UkrunOutcome, GuestExitStatus) {
    for (int n : {0, 1, 124, 125, 126, 134, 255}) {
        auto o =
            decide_outcome({Kind::Exited, ((n & 0xff) << 1 | 1) & 0xff}, exit_record(n), "", 0);
        EXPECT_EQ(o.status, n);
        EXPECT_TRUE(o.message.empty());
    }
}

TEST(UkrunOutcome, ReportWinsOverQemuNoise) {
    auto o = decide_outcome({Kind::Exited, 1}, exit_record(3), "qemu: warning: something\n", 0);
    EXPECT_EQ(o.status, 3);
}

TEST(UkrunOutcome, PanicNotes) {
    auto segv = decide_outcome({Kind::Exited, 23}, panic_record(128 + SIGSEGV), "", 0);
    EXPECT_EQ(segv.status, 139);
    EXPECT_NE(segv.message.find("panicked"), std::string::npos) << segv.message;
    EXPECT_NE(segv.message.find("SIGSEGV"), std::string::npos) << segv.message;

    auto internal = decide_outcome({Kind::Exited, 245}, panic_record(250), "", 0);
    EXPECT_EQ(internal.status, 250);
    EXPECT_NE(internal.message.find("kernel-internal"), std::string::npos) << internal.message;
}

TEST(UkrunOutcome, Timeout) {
    auto o = decide_outcome({Kind::TimedOut, 0}, std::nullopt, "terminating on signal 15", 1500);
    EXPECT_EQ(o.status, exit_timeout);
    EXPECT_NE(o.message.find("1.5 s"), std::string::npos) << o.message;
    // A timeout wins even over a report that raced it.
    EXPECT_EQ(decide_outcome({Kind::TimedOut, 0}, exit_record(0), "", 2000).status, exit_timeout);
}

TEST(UkrunOutcome, Interrupted) {
    auto o = decide_outcome({Kind::Interrupted, SIGINT}, std::nullopt, "", 0);
    EXPECT_EQ(o.status, 128 + SIGINT);
    EXPECT_NE(o.message.find("SIGINT"), std::string::npos) << o.message;
}

TEST(UkrunOutcome, GuestStoppedWithoutStatus) {
    // A reset or triple fault under -no-reboot: QEMU exits 0.
    auto reset = decide_outcome({Kind::Exited, 0}, std::nullopt, "", 0);
    EXPECT_EQ(reset.status, exit_no_status);
    EXPECT_NE(reset.message.find("without reporting"), std::string::npos);
    // isa-debug-exit without a report: odd status, nothing on stderr.
    auto bare = decide_outcome({Kind::Exited, 11}, std::nullopt, "", 0);
    EXPECT_EQ(bare.status, exit_no_status);
    EXPECT_NE(bare.message.find("value 5"), std::string::npos) << bare.message;
    EXPECT_EQ(decide_outcome({Kind::Exited, 3}, std::nullopt, "\n", 0).status, exit_no_status);
}

TEST(UkrunOutcome, QemuFailure) {
    auto o = decide_outcome({Kind::Exited, 1}, std::nullopt,
                            "qemu-system-x86_64: could not load kernel\n", 0);
    EXPECT_EQ(o.status, exit_failure);
    EXPECT_NE(o.message.find("could not load kernel"), std::string::npos) << o.message;

    // QEMU's own errors exit 1 too, so a bare 1 is not taken for the guest's.
    auto one = decide_outcome({Kind::Exited, 1}, std::nullopt, "", 0);
    EXPECT_EQ(one.status, exit_failure);
    EXPECT_NE(one.message.find("status 1"), std::string::npos) << one.message;

    auto even = decide_outcome({Kind::Exited, 2}, std::nullopt, "", 0);
    EXPECT_EQ(even.status, exit_failure);

    auto abort = decide_outcome({Kind::Signaled, SIGABRT}, std::nullopt, "Assertion failed\n", 0);
    EXPECT_EQ(abort.status, exit_failure);
    EXPECT_NE(abort.message.find("SIGABRT"), std::string::npos) << abort.message;
    EXPECT_NE(abort.message.find("Assertion failed"), std::string::npos) << abort.message;
}
