// Durable request transitions per second on SQLite: each iteration files a request and
// approves it through access_service (transition -> one durable transaction each, WAL with
// synchronous=FULL, so every commit waits for fsync). The database is a file in a fresh
// temporary directory under $GATEHOUSE_BENCH_DIR (default: the system temp dir; make sure it
// is a real disk, not tmpfs, or the numbers mean nothing).
//
//   BM_file_and_approve   items/s = requests filed and approved; 2 durable commits each
//   BM_store_apply        the bare store: one apply() of a request update per iteration
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "policy/access_service.hpp"
#include "policy/store.hpp"
#include "storage/open_storage.hpp"

namespace gatehouse::policy {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using kind = config::principal::kind;

class null_audit final : public audit_sink {
 public:
  void record(const audit_event&) override {}
};

class null_notifier final : public notifier {
 public:
  void ask_approvers(const request&, std::size_t, const std::vector<std::string>&) override {}
  void tell_requester(const request&, happening_kind, const std::string&,
                      const std::string&) override {}
  void tell_emergency(const request&, const std::vector<std::string>&) override {}
};

struct temp_store {
  temp_store() {
    const char* base = std::getenv("GATEHOUSE_BENCH_DIR");
    std::string pattern =
        ((base ? fs::path(base) : fs::temp_directory_path()) / "gatehouse-bench-XXXXXX").string();
    if (!mkdtemp(pattern.data())) std::abort();
    dir = pattern;
    auto s = storage::open_store("sqlite:" + (dir / "gatehouse.db").string());
    if (!s) std::abort();
    db = std::move(*s);
  }
  ~temp_store() {
    db.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
  std::unique_ptr<store> db;
};

std::shared_ptr<const config::config> small_config() {
  auto cfg = std::make_shared<config::config>();
  cfg->users = {{"alice", "", {}, {}}, {"bob", "", {}, {}}};
  config::server web;
  web.name = "web01";
  web.accounts = {{"root", "/k"}};
  cfg->servers = {web};
  config::rule r;
  r.name = "prod";
  r.mode = config::rule_mode::approve;
  r.users = {{kind::name, "alice"}};
  r.servers = {{kind::everyone, {}}};
  r.accounts = {"*"};
  r.levels = {{{{kind::name, "bob"}}, config::condition::any}};
  cfg->rules = {r};
  return cfg;
}

void BM_file_and_approve(benchmark::State& state) {
  temp_store tmp;
  null_audit audit;
  null_notifier notify;
  manual_clock clock(time_point(std::chrono::milliseconds(1'790'000'000'000)));
  access_service svc(small_config(), *tmp.db, audit, notify, clock);
  const target t{"alice", "web01", "root", config::protocol::ssh};
  for (auto _ : state) {
    auto r = svc.file_request(t, {.justification = "bench", .duration = 1h});
    if (!r) {
      state.SkipWithError(r.message().c_str());
      break;
    }
    auto a = svc.approve(r->id, "bob", {});
    if (!a) {
      state.SkipWithError(a.message().c_str());
      break;
    }
    clock.advance(2h);  // the grant is over: the next request is not refused
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["transitions/s"] =
      benchmark::Counter(double(state.iterations() * 2), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_file_and_approve)->Unit(benchmark::kMicrosecond)->UseRealTime()->MinTime(3);

void BM_store_apply(benchmark::State& state) {
  temp_store tmp;
  request r;
  r.requester = "alice";
  r.server = "web01";
  r.account = "root";
  auto stored = tmp.db->create_request(r);
  request cur = *stored;
  for (auto _ : state) {
    cur.justification = std::to_string(state.iterations());
    auto done =
        tmp.db->apply(write_batch{cur, std::nullopt, std::nullopt, {change_kind::request_updated}});
    if (!done) {
      state.SkipWithError(done.message().c_str());
      break;
    }
    cur = done->req;
  }
  state.counters["commits/s"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_store_apply)->Unit(benchmark::kMicrosecond)->UseRealTime()->MinTime(3);

}  // namespace
}  // namespace gatehouse::policy

BENCHMARK_MAIN();
