// Fuzz harness: the admin API's routes (admin::router::handle) - what `gatehouse` and any
// program on the admin socket send: a method, a target with its query, a JSON body - over a
// real in-memory SQLite store, access_service, gate_service and the operations API (the
// io_context is polled, never run).
//
// Input: "METHOD\nTARGET\nBODY". The state (one request filed by alice, #1) is rebuilt every
// 2,000 inputs, so it stays small and near the start; `$R` in the target or body becomes "1".
//
// Contract checked: a status from 200 to 599; every reply body (and that of work handed off
// the io thread) is one JSON value, valid UTF-8, that parses strictly (so the CLI can always
// read it, whatever bytes the body or the target carried); an error reply is an object with
// a non-empty "error" string.
#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "admin/router.hpp"
#include "core/json_text.hpp"
#include "core/untrusted_text.hpp"
#include "fuzz/fuzz_support.hpp"
#include "fuzz/quiet_policy.hpp"
#include "operations/operations.hpp"
#include "policy/access_service.hpp"
#include "policy/async/gate_service.hpp"
#include "storage/open_storage.hpp"

using namespace gatehouse;

namespace {

using fuzz::must;
using fuzz::quiet_audit;
using fuzz::quiet_notifier;

// The daemon's part, as far as the routes see it: a status, a reload that is refused.
class fixed_daemon final : public admin::daemon_control {
 public:
  boost::json::object status() const override { return {{"instance_name", "fuzz-gate"}}; }
  std::string reload(const std::string&) override { return "not in the fuzzer"; }
  boost::json::array sessions() const override { return {}; }
};

struct world {
  manual_clock clock{time_point(std::chrono::milliseconds(1'800'000'000'000))};
  quiet_audit audit;
  quiet_notifier notifier;
  boost::asio::io_context io;
  storage::stores stores = must(storage::open_storage("sqlite::memory:"), "store");
  policy::access_service access{fuzz::fixture_config(), *stores.store, audit, notifier, clock};
  policy::gate_service gate{io, access, *stores.store, clock};
  operations::no_live_sessions sessions;
  operations::service ops{gate, sessions};
  fixed_daemon daemon;
  admin::router router{daemon, ops, &audit};

  world() { must(access.file_request({"alice", "web01", "root"}, {"deploy 4.2"}), "file"); }
};

std::string filled(std::string s) {
  for (auto at = s.find("$R"); at != std::string::npos; at = s.find("$R", at + 1))
    s.replace(at, 2, "1");
  return s;
}

void check(const admin::http_reply& reply) {
  fuzz::require(reply.status >= 200 && reply.status <= 599, "a valid status",
                std::to_string(reply.status));
  fuzz::require(is_valid_utf8(reply.body), "the body is valid UTF-8", reply.body);
  std::error_code ec;
  auto v = json_parse_text(reply.body, ec);
  fuzz::require(!ec, "the body is one JSON value", reply.body);
  if (reply.status >= 400) {
    const auto* error = v.is_object() ? v.as_object().if_contains("error") : nullptr;
    fuzz::require(error != nullptr && error->is_string() && !error->as_string().empty(),
                  "an error reply says why", reply.body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<world> w;
  fuzz::fresh_world(w);
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  admin::http_request r;
  r.method = std::string(fuzz::next_field(rest));
  r.target = filled(std::string(fuzz::next_field(rest)));
  r.body = filled(std::string(rest));
  r.peer = "fuzz-operator";
  auto reply = w->router.handle(r);
  check(reply);
  if (reply.off_thread) check(reply.off_thread());
  w->io.poll();
  w->io.restart();
  return 0;
}
