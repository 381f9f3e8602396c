#include "audit/event_log.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "audit/log_files.hpp"
#include "audit/verify.hpp"
#include "audit_test_support.hpp"

namespace gatehouse::audit {
namespace {

using testing::make_event;
using testing::read_lines;
using testing::scratch_dir;

TEST(EventLog, WritesAChainThatSurvivesARestart) {
  auto dir = scratch_dir("restart");
  auto path = (dir / "audit.jsonl").string();
  {
    event_log log({path});
    EXPECT_TRUE(log.writable());
    log.record(make_event("auth.success", {{"person", "alice"}}));
    log.record(make_event("session.start", {{"person", "alice"}}));
  }
  {
    event_log log({path});
    EXPECT_EQ(log.position().seq, 3u);  // the genesis record and two events
    log.record(make_event("session.end", {{"person", "alice"}}));
  }
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 4u);  // the genesis record, then the three events
  EXPECT_NE(lines[0].find("\"seq\":1,\"event\":\"audit.genesis\""), std::string::npos);
  EXPECT_NE(lines[3].find("\"seq\":4,"), std::string::npos);
  auto result = verify_files({path});
  EXPECT_TRUE(result.intact) << result.summary();
  EXPECT_EQ(result.lines, 4u);
}

TEST(EventLog, BurstEventsAreInTheFileBeforeRecordReturns) {
  // hold.end / session.end / exec.exit / sftp.* skip the per-event fdatasync (a burst costs
  // one flush) but are still written at once: a crash of the daemon loses none of them.
  auto dir = scratch_dir("burst");
  auto path = (dir / "audit.jsonl").string();
  event_log log({path});
  for (int i = 0; i < 1000; ++i)
    log.record(make_event(i % 2 ? "hold.end" : "session.end", {{"n", std::to_string(i)}}));
  EXPECT_EQ(read_lines(path).size(), 1001u);
  log.flush();
  log.record(make_event("auth.success"));
  EXPECT_TRUE(log.writable());
  EXPECT_EQ(log.write_failures(), 0u);
  auto result = verify_files({path});
  EXPECT_TRUE(result.intact) << result.summary();
  EXPECT_EQ(result.lines, 1002u);
}

TEST(EventLog, CutsOffATornLastLineAtOpen) {
  auto dir = scratch_dir("torn");
  auto path = (dir / "audit.jsonl").string();
  {
    event_log log({path});
    log.record(make_event("a"));
  }
  {
    std::ofstream out(path, std::ios::app);
    out << "{\"ts\":\"2026-";  // a crash in the middle of a write
  }
  {
    event_log log({path});
    log.record(make_event("b"));
  }
  auto result = verify_files({path});
  EXPECT_TRUE(result.intact) << result.summary();
  EXPECT_EQ(result.lines, 3u);
}

TEST(EventLog, RotatesBySizeAndContinuesTheChain) {
  auto dir = scratch_dir("rotate");
  auto path = (dir / "audit.jsonl").string();
  {
    event_log log({path, 1000});
    for (int i = 0; i < 20; ++i)
      log.record(make_event("sftp.remove", {{"path", "/tmp/f" + std::to_string(i)}}));
  }
  auto files = chain_files(path);
  ASSERT_GE(files.size(), 4u);
  EXPECT_EQ(files.front(), path + ".1");
  EXPECT_EQ(files.back(), path);
  for (const auto& f : files) EXPECT_LE(std::filesystem::file_size(f), 1000u) << f;
  {
    event_log log({path, 1000});  // a restart after rotation
    EXPECT_EQ(log.position().seq, 21u);
    log.record(make_event("x"));
  }
  auto result = verify_files(chain_files(path));
  EXPECT_TRUE(result.intact) << result.summary();
  EXPECT_EQ(result.lines, 22u);
  EXPECT_EQ(result.first_seq, 1u);
}

TEST(EventLog, ReopenStartsAFreshFileAfterAnOutsideRotation) {
  auto dir = scratch_dir("reopen");
  auto path = (dir / "audit.jsonl").string();
  event_log log({path});
  log.record(make_event("a"));
  std::filesystem::rename(path, path + ".1");
  log.reopen();
  log.record(make_event("b"));
  EXPECT_EQ(read_lines(path).size(), 1u);
  auto result = verify_files(chain_files(path));
  EXPECT_TRUE(result.intact) << result.summary();
}

TEST(EventLog, IsSafeFromManyThreads) {
  auto dir = scratch_dir("threads");
  auto path = (dir / "audit.jsonl").string();
  {
    event_log log({path, 4096});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&log, t] {
        for (int i = 0; i < 50; ++i)
          log.record(make_event("sftp.open", {{"t", std::to_string(t)}}));
      });
    for (auto& t : threads) t.join();
  }
  auto result = verify_files(chain_files(path));
  EXPECT_TRUE(result.intact) << result.summary();
  EXPECT_EQ(result.lines, 201u);
}

TEST(EventLog, AFullDeviceMakesItUnwritableAndCounted) {
  event_log log({"/dev/full"});
  log.record(make_event("auth.success"));
  EXPECT_FALSE(log.writable());
  log.record(make_event("auth.success"));
  EXPECT_EQ(log.write_failures(), 2u);
  EXPECT_EQ(log.position().seq, 0u);  // the chain did not advance
}

TEST(EventLog, AnUnopenableLogIsUnwritable) {
  event_log log({"/nonexistent-dir/audit.jsonl"});
  EXPECT_FALSE(log.writable());
  log.record(make_event("a"));
  EXPECT_FALSE(log.writable());
  EXPECT_GE(log.write_failures(), 2u);
}

TEST(EventLog, ADamagedLastLineStopsTheLogInsteadOfForkingTheChain) {
  auto dir = scratch_dir("damaged");
  auto path = (dir / "audit.jsonl").string();
  testing::write_lines(path, {"{\"not\":\"a chain line\"}"});
  event_log log({path});
  EXPECT_FALSE(log.writable());
  log.record(make_event("a"));
  EXPECT_EQ(read_lines(path).size(), 1u);
}

}  // namespace
}  // namespace gatehouse::audit
