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

TEST(StoreUrl, LibpqKeywordStringsArePostgresql) {
  for (const char* text : {"host=db.example dbname=gatehouse user=gate", "  service=gatehouse",
                           "dbname = gatehouse host=/run/postgresql"}) {
    auto url = parse_store_url(text);
    ASSERT_TRUE(url) << text;
    EXPECT_EQ(url->kind, store_kind::postgresql);
    EXPECT_EQ(url->location, text);
  }
  for (const char* text : {"path=/x", "host", "=x", "hostname=db"})
    EXPECT_FALSE(parse_store_url(text)) << text;
}

TEST(StoreUrl, APasswordIsNeverShown) {
  EXPECT_EQ(shown_store_url("postgresql://gate:s3cret@db.example:5432/gatehouse"),
            "postgresql://gate:***@db.example:5432/gatehouse");
  EXPECT_EQ(shown_store_url("postgres://gate:p@ss@db/x?sslmode=require&password=two"),
            "postgres://gate:***@db/x?sslmode=require&password=***");
  EXPECT_EQ(shown_store_url("host=db password=s3cret dbname=x"), "host=db password=*** dbname=x");
  EXPECT_EQ(shown_store_url("host=db password='s3 cr\\'et' dbname=x"),
            "host=db password=*** dbname=x");
  EXPECT_EQ(shown_store_url("postgresql://gate@db/x"), "postgresql://gate@db/x");
  EXPECT_EQ(shown_store_url("sqlite:/var/lib/gatehouse/gatehouse.db"),
            "sqlite:/var/lib/gatehouse/gatehouse.db");
}

TEST(StoreUrl, AnythingElseIsNoStore) {
  for (const char* text :
       {"", "sqlite:", "postgresql://", "mysql://db/x", "/var/lib/x.db", "SQLITE:/x"})
    EXPECT_FALSE(parse_store_url(text)) << text;
}

}  // namespace
}  // namespace gatehouse::config
