// Durable request transitions per second on SQLite and PostgreSQL: each iteration files a
// request and approves it through access_service (transition -> one durable transaction each;
// SQLite: WAL with synchronous=FULL, PostgreSQL: fsync and synchronous_commit on, so every
// commit waits for the disk). The SQLite database is a file in a fresh temporary directory
// under $GATEHOUSE_BENCH_DIR (default: the system temp dir; make sure it is a real disk, not
// tmpfs, or the numbers mean nothing); PostgreSQL is the empty database named by
// $GATEHOUSE_BENCH_PG_URL (bench/store_transitions_pg.py starts a server and sets it).
//
//   BM_file_and_approve/sqlite|postgresql   items/s = requests filed and approved; 2 durable
//                                           commits each; threads=N: N daemons' worth of
//                                           writers, each on its own store handle and server
//   BM_store_apply/...    the bare store: one apply() of a request update per iteration
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

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
  bool ask_approvers(const request&, std::size_t, const std::vector<std::string>&,
                     std::string_view) override {
    return true;
  }
  bool tell_requester(const request&, happening_kind, const std::string&, const std::string&,
                      std::string_view) override {
    return true;
  }
  bool tell_emergency(const request&, const std::vector<std::string>&, std::string_view) override {
    return true;
  }
};

enum backend { sqlite = 0, postgresql = 1 };

struct temp_store {
  explicit temp_store(int which) {
    if (which == postgresql) {
      const char* url = std::getenv("GATEHOUSE_BENCH_PG_URL");
      if (!url) {
        problem = "set GATEHOUSE_BENCH_PG_URL (bench/store_transitions_pg.py does)";
        return;
      }
      open(url);
      return;
    }
    open("sqlite:" + (shared_sqlite_dir() / "gatehouse.db").string());
  }
  // One file for the whole run, so that threads write to one store as daemons would.
  static const fs::path& shared_sqlite_dir() {
    static const struct dir_for_run {
      dir_for_run() {
        const char* base = std::getenv("GATEHOUSE_BENCH_DIR");
        std::string pattern =
            ((base ? fs::path(base) : fs::temp_directory_path()) / "gatehouse-bench-XXXXXX")
                .string();
        if (!mkdtemp(pattern.data())) std::abort();
        path = pattern;
      }
      ~dir_for_run() {
        std::error_code ec;
        fs::remove_all(path, ec);
      }
      fs::path path;
    } dir;
    return dir.path;
  }
  void open(const std::string& url) {
    // Many threads opening one SQLite file at once may find it locked: try again a little.
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto s = storage::open_store(url);
      if (s) {
        db = std::move(*s);
        return;
      }
      problem = s.message();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::string problem;
  std::unique_ptr<store> db;
};

constexpr int bench_servers = 16;  // one per thread: each thread's grants are its own

// Each use starts a year after the one before: the grants of an earlier case on the same
// server are long over (and 60 uses stay within the limiter's steady_clock range).
time_point fresh_start() {
  static std::atomic<int> uses{0};
  return time_point(std::chrono::milliseconds(1'790'000'000'000)) + uses++ * 8760h;
}

std::shared_ptr<const config::config> small_config() {
  auto cfg = std::make_shared<config::config>();
  cfg->users = {{"alice", "", {}, {}}, {"bob", "", {}, {}}};
  for (int i = 0; i < bench_servers; ++i) {
    config::server web;
    web.name = "web" + std::to_string(i);
    web.accounts = {{"root", "/k"}};
    cfg->servers.push_back(web);
  }
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
  temp_store tmp(int(state.range(0)));
  if (!tmp.db) {
    state.SkipWithError(tmp.problem.c_str());
    return;
  }
  null_audit audit;
  null_notifier notify;
  manual_clock clock(fresh_start());
  access_service svc(small_config(), *tmp.db, audit, notify, clock);
  const target t{"alice", "web" + std::to_string(state.thread_index() % bench_servers), "root",
                 config::protocol::ssh};
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
BENCHMARK(BM_file_and_approve)
    ->ArgName("postgresql")
    ->Arg(sqlite)
    ->Arg(postgresql)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->MinTime(3)
    ->Threads(1)
    ->Threads(4)
    ->Threads(16);

void BM_store_apply(benchmark::State& state) {
  temp_store tmp(int(state.range(0)));
  if (!tmp.db) {
    state.SkipWithError(tmp.problem.c_str());
    return;
  }
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
BENCHMARK(BM_store_apply)
    ->ArgName("postgresql")
    ->Arg(sqlite)
    ->Arg(postgresql)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->MinTime(3);

}  // namespace
}  // namespace gatehouse::policy

BENCHMARK_MAIN();
