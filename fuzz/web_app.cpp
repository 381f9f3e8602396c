// Fuzz harness: the web app's socket-free entry point (web::app::handle), i.e. every route and
// form behind the HTTPS listener, over a real in-memory SQLite store, access_service and
// gate_service (the io_context is polled, never run).
//
// Input: "METHOD\nTARGET\nCOOKIE\nORIGIN\nCONTENT-TYPE\nBODY". So that the fuzzer reaches the
// pages behind secrets it cannot guess, these placeholders are replaced before the request is
// handled: $A an approval link token of bob's for request 1, $S carol's session cookie
// (an auditor), $T alice's, $C the CSRF token of $A's page, $D that of carol's session.
// The audit pages read a three-line log written at start. The state (one request filed by
// alice, the tokens) is rebuilt every 2,000 inputs, so it stays small and near the start.
//
// Contract checked: a status from 100 to 599, a content type, header names and values
// without CR or LF (no header splitting), and work handed off the io thread finishes too.
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "approval/token_store.hpp"
#include "audit/chain_line.hpp"
#include "fuzz/fuzz_support.hpp"
#include "fuzz/quiet_policy.hpp"
#include "operations/operations.hpp"
#include "policy/access_service.hpp"
#include "policy/async/gate_service.hpp"
#include "storage/open_storage.hpp"
#include "web/app.hpp"
#include "web/sign_in_mailer.hpp"

using namespace gatehouse;

namespace {

using fuzz::must;
using fuzz::quiet_audit;
using fuzz::quiet_notifier;

class quiet_mailer final : public web::sign_in_mailer {
 public:
  void send_sign_in(const config::user&, const std::string&) override {}
};

// One web app over its own store, with a filed request and the tokens behind the placeholders.
struct world {
  manual_clock clock{time_point(std::chrono::milliseconds(1'800'000'000'000))};
  quiet_audit audit;
  quiet_notifier notifier;
  quiet_mailer mailer;
  boost::asio::io_context io;
  storage::stores stores = must(storage::open_storage("sqlite::memory:"), "store");
  std::unique_ptr<policy::store>& store = stores.store;
  std::unique_ptr<approval::token_store>& tokens = stores.tokens;
  policy::access_service access{fuzz::fixture_config(), *store, audit, notifier, clock};
  policy::gate_service gate{io, access, *store, clock};
  operations::no_live_sessions sessions;
  operations::service ops{gate, sessions};
  web::app app{web::app_context{gate, ops, *tokens, clock, [] { return fuzz::fixture_config(); },
                                mailer, [] { return std::size_t{3}; }}};
  std::string approval_token, carol_cookie, alice_cookie, approval_csrf, carol_csrf;

  world() {
    auto filed = must(access.file_request({"alice", "web01", "root"}, {"deploy 4.2"}), "file");
    auto issue = [&](approval::token_kind kind, const std::string& person) {
      approval::token_record t{kind,        person,      filed.id,
                               "",          clock.now(), clock.now() + std::chrono::hours(1),
                               std::nullopt};
      return must(tokens->issue(t, clock.now()), "token");
    };
    approval_token = issue(approval::token_kind::approval, "bob");
    auto carol = issue(approval::token_kind::session, "carol");
    carol_cookie = "__Host-gatehouse=" + carol;
    alice_cookie = "__Host-gatehouse=" + issue(approval::token_kind::session, "alice");
    approval_csrf = app.csrf_token("approval:" + approval_token);
    carol_csrf = app.csrf_token("session:" + carol);
  }

  std::string filled(std::string s) const {
    const std::pair<std::string_view, const std::string*> holes[] = {{"$A", &approval_token},
                                                                     {"$S", &carol_cookie},
                                                                     {"$T", &alice_cookie},
                                                                     {"$C", &approval_csrf},
                                                                     {"$D", &carol_csrf}};
    for (const auto& [hole, value] : holes)
      for (auto at = s.find(hole); at != std::string::npos; at = s.find(hole, at + value->size()))
        s.replace(at, hole.size(), *value);
    return s;
  }
};

// A short, valid audit log where the fixture's audit.log points, for the audit pages.
void write_audit_log(time_point at) {
  std::ofstream out(fuzz::fixture_dir() + "/audit.jsonl", std::ios::trunc);
  audit::chain_position after;
  const policy::audit_fields fields[] = {
      {{"requester", "alice"}, {"server", "web01"}, {"account", "root"}, {"request", "1"}},
      {{"person", "alice"}, {"server", "web01"}, {"session", "s1"}, {"protocol", "ssh"}},
      {{"person", "alice"}, {"session", "s1"}, {"path", "/etc/motd"}, {"flags", "read"}}};
  const char* names[] = {"request.filed", "session.start", "sftp.open"};
  for (std::size_t i = 0; i < std::size(names); ++i) {
    auto line = audit::format_line({names[i], at, fields[i], {}}, after);
    out << line.text << "\n";
    after = {after.seq + 1, line.hash};
  }
}

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != s.npos; }

void check(const web::web_reply& reply) {
  fuzz::require(reply.status >= 100 && reply.status <= 599, "a valid status",
                std::to_string(reply.status));
  fuzz::require(!reply.content_type.empty() && !has_line_break(reply.content_type),
                "a content type on one line", reply.content_type);
  for (const auto& [name, value] : reply.headers)
    fuzz::require(!name.empty() && !has_line_break(name) && !has_line_break(value),
                  "headers on one line each (no header splitting)", name + ": " + value);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  write_audit_log(time_point(std::chrono::milliseconds(1'799'999'000'000)));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<world> w;
  fuzz::fresh_world(w);
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  web::web_request r;
  r.method = std::string(fuzz::next_field(rest));
  r.target = w->filled(std::string(fuzz::next_field(rest)));
  r.cookie = w->filled(std::string(fuzz::next_field(rest)));
  r.origin = std::string(fuzz::next_field(rest));
  r.content_type = std::string(fuzz::next_field(rest));
  r.body = w->filled(std::string(rest));
  r.peer = "192.0.2.7:40000";

  auto reply = w->app.handle(r);
  check(reply);
  if (reply.off_thread) check(reply.off_thread());
  w->io.poll();
  w->io.restart();
  return 0;
}
