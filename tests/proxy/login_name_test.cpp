#include "proxy/ssh/login_name.hpp"

#include <gtest/gtest.h>

namespace gatehouse::proxy::ssh {
namespace {

login_name parsed(std::string_view user) {
  auto r = parse_login_name(user);
  EXPECT_TRUE(std::holds_alternative<login_name>(r)) << user;
  return std::holds_alternative<login_name>(r) ? std::get<login_name>(r) : login_name{};
}

std::string error_of(std::string_view user) {
  auto r = parse_login_name(user);
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

TEST(LoginName, PersonAccountServer) {
  auto l = parsed("alice@root@web01");
  EXPECT_EQ(l.person, "alice");
  EXPECT_EQ(l.account, "root");
  EXPECT_EQ(l.server, "web01");
  EXPECT_FALSE(l.own_view());
}

TEST(LoginName, PersonServer) {
  auto l = parsed("alice@web01");
  EXPECT_EQ(l.person, "alice");
  EXPECT_EQ(l.account, "");
  EXPECT_EQ(l.server, "web01");
}

TEST(LoginName, OwnView) {
  auto l = parsed("alice");
  EXPECT_EQ(l.person, "alice");
  EXPECT_TRUE(l.own_view());
}

TEST(LoginName, ServerIsAfterTheLastAt) {
  auto l = parsed("alice@svc@corp@db01");
  EXPECT_EQ(l.person, "alice");
  EXPECT_EQ(l.account, "svc@corp");
  EXPECT_EQ(l.server, "db01");
}

TEST(LoginName, Malformed) {
  EXPECT_NE(error_of(""), "");
  EXPECT_NE(error_of("@web01"), "");
  EXPECT_NE(error_of("alice@"), "");
  EXPECT_NE(error_of("alice@@web01"), "");
  EXPECT_NE(error_of("alice bob@web01"), "");
  EXPECT_NE(error_of("alice\n@web01"), "");
  EXPECT_NE(error_of(std::string(300, 'a')), "");
}

config::config sample() {
  config::config c;
  config::server web;
  web.name = "web01";
  web.accounts = {{"root", "/k/root"}};
  config::server db;
  db.name = "db01";
  db.accounts = {{"root", "/k/r"}, {"deploy", "/k/d"}};
  config::server rdp;
  rdp.name = "win01";
  rdp.protocol = config::protocol::rdp;
  rdp.accounts = {{"admin", ""}};
  c.servers = {web, db, rdp};
  return c;
}

std::string resolve_error(const config::config& c, std::string_view user) {
  auto r = resolve_login(c, parsed(user));
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

TEST(ResolveLogin, FindsServerAndAccount) {
  auto c = sample();
  auto r = resolve_login(c, parsed("alice@deploy@db01"));
  ASSERT_TRUE(std::holds_alternative<login_target>(r));
  EXPECT_EQ(std::get<login_target>(r).server->name, "db01");
  EXPECT_EQ(std::get<login_target>(r).account->name, "deploy");
}

TEST(ResolveLogin, SingleAccountShortForm) {
  auto c = sample();
  auto r = resolve_login(c, parsed("alice@web01"));
  ASSERT_TRUE(std::holds_alternative<login_target>(r));
  EXPECT_EQ(std::get<login_target>(r).account->name, "root");
}

TEST(ResolveLogin, ErrorsInWords) {
  auto c = sample();
  EXPECT_EQ(resolve_error(c, "alice@web99"), "unknown server 'web99'");
  EXPECT_EQ(resolve_error(c, "alice@admin@web01"), "web01 has no account 'admin' (accounts: root)");
  EXPECT_EQ(resolve_error(c, "alice@db01"),
            "db01 has several accounts (root, deploy): log in as alice@ACCOUNT@db01");
  EXPECT_EQ(resolve_error(c, "alice@admin@win01"), "server 'win01' is not reached over SSH");
}

}  // namespace
}  // namespace gatehouse::proxy::ssh
