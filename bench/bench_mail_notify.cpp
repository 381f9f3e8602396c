// What mail costs the thread that decides: mail_notifier composing, rendering and durably
// queuing one notification (ask_approvers to 2 approvers; the outbox commits both in one
// transaction, WAL with synchronous=FULL, so each iteration waits for one fsync). No SMTP: the
// sender thread is not started. The database is a file in a fresh temporary directory under
// $GATEHOUSE_BENCH_DIR (default: the system temp dir; use a real disk, not tmpfs).
//
//   BM_compose_only      approver_mail + render for one recipient (pure CPU)
//   BM_ask_two_approvers the whole notifier call: 2 mails composed and committed
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "approval/links.hpp"
#include "mail/mail_notifier.hpp"
#include "mail/mime.hpp"
#include "storage/sqlite/outbox.hpp"

namespace gatehouse::mail {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

policy::request sample_request() {
  policy::request r;
  r.id = 42;
  r.requester = "alice";
  r.server = "web01";
  r.account = "root";
  r.justification = "restart nginx after the certificate renewal";
  r.window = {*parse_rfc3339("2026-11-22T19:00:00Z"), *parse_rfc3339("2026-11-22T21:00:00Z")};
  r.levels = {{{"bob", "carol"}, config::condition::any}};
  r.pending_until = *parse_rfc3339("2026-11-23T19:00:00Z");
  return r;
}

void BM_compose_only(benchmark::State& state) {
  const auto r = sample_request();
  const mail_context ctx{"gate", "gate.example.com"};
  for (auto _ : state) {
    auto c = approver_mail(ctx, r, 0, "bob", "https://gate.example.com/approvals/T", "");
    mime_message m{"gate",    "gate@example.com", "bob@example.com",  "",
                   c.subject, r.window.start,     "x.42@example.com", c.text,
                   c.html};
    benchmark::DoNotOptimize(render(m));
  }
}
BENCHMARK(BM_compose_only);

void BM_ask_two_approvers(benchmark::State& state) {
  const char* base = std::getenv("GATEHOUSE_BENCH_DIR");
  std::string pattern =
      ((base ? fs::path(base) : fs::temp_directory_path()) / "gatehouse-bench-XXXXXX").string();
  if (!mkdtemp(pattern.data())) std::abort();
  fs::path dir = pattern;
  {
    auto box = storage::sqlite::open_outbox((dir / "gatehouse.db").string());
    if (!box) std::abort();
    auto c = std::make_shared<config::config>();
    c->mail.from = "gate@example.com";
    c->users = {{"bob", "bob@example.com", {}, {}}, {"carol", "carol@example.com", {}, {}}};
    std::shared_ptr<const config::config> snapshot = c;
    approval::no_links links;
    system_clock clock;
    mail_counters counters;
    mail_notifier notifier([snapshot] { return snapshot; }, links, **box, clock, counters, {});
    const auto r = sample_request();
    const std::vector<std::string> approvers{"bob", "carol"};
    for (auto _ : state) notifier.ask_approvers(r, 0, approvers, "");
    state.SetItemsProcessed(state.iterations());
  }
  fs::remove_all(dir);
}
BENCHMARK(BM_ask_two_approvers)->UseRealTime();

}  // namespace
}  // namespace gatehouse::mail

BENCHMARK_MAIN();
