// open_storage: which URLs it takes, how it refuses the others, and the three parts it opens.
#include "storage/open_storage.hpp"

#include <gtest/gtest.h>

#include "storage_backends.hpp"

namespace gatehouse::storage {
namespace {

using testing::sqlite_file_backend;

TEST(OpenStorage, OpensTheStoreTheTokenStoreAndTheOutboxOfOneUrl) {
  sqlite_file_backend backend;
  auto s = open_storage(backend.url());
  ASSERT_TRUE(s) << s.message();
  ASSERT_NE(s->store, nullptr);
  ASSERT_NE(s->tokens, nullptr);
  ASSERT_NE(s->outbox, nullptr);
  EXPECT_EQ(s->store->url(), backend.url());
  // All three keep their rows in that one store.
  policy::request r;
  r.requester = "alice";
  ASSERT_TRUE(s->store->create_request(r));
  approval::token_record t;
  t.person = "bob";
  t.request_id = 1;
  t.expires = time_point(std::chrono::hours(1));
  ASSERT_TRUE(s->tokens->issue(t, time_point{}));
  ASSERT_TRUE(s->outbox->enqueue({{"carol@example.com", "s", "b"}}, time_point{}));
  EXPECT_NE(backend.table_text("requests").find("alice"), std::string::npos);
  EXPECT_NE(backend.table_text("web_tokens").find("bob"), std::string::npos);
  EXPECT_NE(backend.table_text("mail_outbox").find("carol@example.com"), std::string::npos);
}

TEST(OpenStorage, InMemoryForTests) {
  auto s = open_storage("sqlite::memory:");
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(*s->outbox->unsent(), 0);
}

TEST(OpenStorage, AFileThatCannotBeOpenedIsOneLine) {
  sqlite_file_backend backend;
  const std::string url = "sqlite:" + (backend.dir.path() / "no/such/dir/gatehouse.db").string();
  auto s = open_storage(url);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), "cannot open store " + url + ": unable to open database file");
}

TEST(OpenStorage, AnUnreachablePostgresqlIsOneLineWithoutItsPassword) {
  // Nothing listens on port 1 of the loopback.
  for (const char* url : {"postgresql://gate:s3cret@127.0.0.1:1/gatehouse",
                          "host=127.0.0.1 port=1 user=gate password=s3cret dbname=gatehouse"}) {
    auto s = open_storage(url);
    ASSERT_FALSE(s) << url;
    EXPECT_EQ(s.code(), policy::error_code::internal);
    EXPECT_EQ(s.message().find("s3cret"), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
    EXPECT_TRUE(s.message().starts_with("cannot open store ")) << s.message();
    EXPECT_NE(s.message().find("postgresql: "), std::string::npos) << s.message();
  }
}

TEST(OpenStorage, OtherKindsAreRefused) {
  auto s = open_storage("mysql://db/x");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.code(), policy::error_code::invalid);
  EXPECT_EQ(s.message(),
            "cannot open store mysql://db/x: unsupported kind of store (use sqlite:PATH or "
            "postgresql://...)");
  EXPECT_EQ(open_storage("sqlite:").code(), policy::error_code::invalid);
  EXPECT_EQ(open_storage("").code(), policy::error_code::invalid);
}

}  // namespace
}  // namespace gatehouse::storage
