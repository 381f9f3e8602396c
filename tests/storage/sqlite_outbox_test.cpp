// What is particular to the SQLite outbox: it shares the store's file with the other parts,
// and a sent mail's message (its approval links) leaves gatehouse.db and gatehouse.db-wal at
// once, not only its table (issue 13: an old page image could linger in the log until the
// hourly prune).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "storage/open_storage.hpp"
#include "storage_backends.hpp"

namespace gatehouse::storage {
namespace {

using namespace std::chrono_literals;
using testing::sqlite_file_backend;

const time_point t0 = *parse_rfc3339("2026-11-22T18:00:00Z");

// The file's bytes as they are on disk ("" when it does not exist).
std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool on_disk(const sqlite_file_backend& b, const std::string& text) {
  return bytes_of(b.file()).find(text) != std::string::npos ||
         bytes_of(b.file() + "-wal").find(text) != std::string::npos;
}

TEST(SqliteOutbox, SharesTheStoreFileWithTheOtherParts) {
  sqlite_file_backend backend;
  {
    auto s = open_storage(backend.url());
    ASSERT_TRUE(s) << s.message();
    policy::request r;
    r.requester = "alice";
    ASSERT_TRUE(s->store->create_request(r));
    ASSERT_TRUE(s->outbox->enqueue({{"bob@example.com", "s", "b"}}, t0));
  }
  auto s = open_storage(backend.url());
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(s->outbox->due(t0, 10)->front().mail.recipient, "bob@example.com");
  EXPECT_EQ(s->store->get_request(1)->requester, "alice");
}

TEST(SqliteOutbox, ASentMailsLinksLeaveTheFileAndItsLogAtOnce) {
  sqlite_file_backend backend;
  auto s = open_storage(backend.url());  // all three connections open, as in the daemon
  ASSERT_TRUE(s) << s.message();
  auto& box = *s->outbox;
  const std::string small_link = "https://gate.example/approvals/Sm4llL1nkT0kenXq";
  const std::string large_link = "https://gate.example/approvals/L4rgeL1nkT0kenZw";
  // The second message is larger than a page: it continues in overflow pages.
  const std::string large_body =
      "Subject: x\r\n\r\n" + large_link + "\r\n" + std::string(9000, 'x') + large_link + "\r\n";
  auto ids = *box.enqueue({{"bob@example.com", "approve #1", "Subject: x\r\n\r\n" + small_link},
                           {"carol@example.com", "approve #1", large_body},
                           {"erin@example.com", "approve #2", "Subject: y\r\n\r\nnot yet"}},
                          t0);
  policy::request r;  // the policy store writes to the same log meanwhile
  r.requester = "alice";
  ASSERT_TRUE(s->store->create_request(r));
  ASSERT_TRUE(on_disk(backend, small_link));  // where the test looks is where they were
  ASSERT_TRUE(on_disk(backend, large_link));

  ASSERT_TRUE(box.mark_sent(ids[0], t0 + 1s));
  ASSERT_TRUE(box.mark_sent(ids[1], t0 + 1s));
  EXPECT_FALSE(on_disk(backend, small_link));
  EXPECT_FALSE(on_disk(backend, large_link));
  EXPECT_TRUE(on_disk(backend, "not yet"));  // unsent mail stays until it is delivered
  // Nothing else was lost on the way.
  EXPECT_EQ(*box.unsent(), 1);
  EXPECT_EQ(s->store->get_request(1)->requester, "alice");
}

}  // namespace
}  // namespace gatehouse::storage
