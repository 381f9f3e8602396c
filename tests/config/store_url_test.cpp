// The store URL, parsed in one place for the configuration's checks and open_storage.
#include "config/store_url.hpp"

#include <gtest/gtest.h>

namespace gatehouse::config {
namespace {

TEST(StoreUrl, SqliteNamesAFileOrASpecialName) {
  auto file = parse_store_url("sqlite:/var/lib/gatehouse/gatehouse.db");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->kind, store_kind::sqlite);
  EXPECT_EQ(file->location, "/var/lib/gatehouse/gatehouse.db");
  EXPECT_TRUE(file->names_a_file());
  EXPECT_EQ(to_string(*file), "sqlite:/var/lib/gatehouse/gatehouse.db");
  auto memory = parse_store_url("sqlite::memory:");
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->location, ":memory:");
  EXPECT_FALSE(memory->names_a_file());
}

TEST(StoreUrl, PostgresqlIsKeptWhole) {
  for (const char* text : {"postgresql://gate@db.example/gatehouse", "postgres://db/x"}) {
    auto url = parse_store_url(text);
    ASSERT_TRUE(url) << text;
    EXPECT_EQ(url->kind, store_kind::postgresql);
    EXPECT_EQ(url->location, text);
    EXPECT_FALSE(url->names_a_file());
    EXPECT_EQ(to_string(*url), text);
  }
}

TEST(StoreUrl, AnythingElseIsNoStore) {
  for (const char* text :
       {"", "sqlite:", "postgresql://", "mysql://db/x", "/var/lib/x.db", "SQLITE:/x"})
    EXPECT_FALSE(parse_store_url(text)) << text;
}

}  // namespace
}  // namespace gatehouse::config
