// decide() on a large configuration (10,000 people in 200 groups, 2,000 servers in 100 server
// groups, 500 rules mixing names, groups and "*"), on random targets. The budget is a median
// of 20 us per decision; run with --benchmark_repetitions to see the median.
//
//   BM_decide               the decision alone (grants looked up in a hash map)
//   BM_decide_sqlite_grants the decision with live grants looked up in SQLite (:memory:)
//   BM_build_index          compiling the configuration (done once per reload)
#include <benchmark/benchmark.h>

#include <array>
#include <cstdlib>
#include <random>
#include <unordered_map>

#include "policy/decision.hpp"
#include "policy/store.hpp"
#include "storage/open_storage.hpp"

namespace gatehouse::policy {
namespace {

using kind = config::principal::kind;

constexpr int people_count = 10'000, group_count = 200, server_count = 2'000,
              server_group_count = 100, rule_count = 500;

std::string person(int i) { return "user" + std::to_string(i); }
std::string group(int i) { return "team" + std::to_string(i); }
std::string server(int i) { return "srv" + std::to_string(i); }
std::string server_group(int i) { return "fleet" + std::to_string(i); }

std::shared_ptr<const config::config> big_config() {
  std::mt19937 rng(42);
  auto pick = [&](int n) { return int(rng() % unsigned(n)); };
  auto cfg = std::make_shared<config::config>();
  for (int g = 0; g < group_count; ++g)
    cfg->groups.push_back({group(g), {person(pick(people_count))}, g % 50 == 0});
  for (int p = 0; p < people_count; ++p) {
    config::user u{person(p), person(p) + "@example.com", {}, {group(p % group_count)}};
    if (p % 3 == 0) u.groups.push_back(group(pick(group_count)));
    cfg->users.push_back(std::move(u));
  }
  for (int g = 0; g < server_group_count; ++g)
    cfg->server_groups.push_back({server_group(g), g % 25 == 0});
  for (int s = 0; s < server_count; ++s) {
    config::server srv;
    srv.name = server(s);
    srv.accounts = {{"root", "/k"}, {"deploy", "/k"}};
    srv.groups = {server_group(s % server_group_count)};
    cfg->servers.push_back(std::move(srv));
  }
  const config::rule_mode modes[] = {config::rule_mode::allow, config::rule_mode::justify,
                                     config::rule_mode::approve, config::rule_mode::deny};
  for (int r = 0; r < rule_count; ++r) {
    config::rule rule;
    rule.name = "rule" + std::to_string(r);
    rule.mode = modes[r % 4];
    // Mostly narrow rules (a group or a few names), as real policies are.
    if (r % 5 == 0)
      for (int i = 0; i < 5; ++i) rule.users.push_back({kind::name, person(pick(people_count))});
    else
      rule.users.push_back({kind::group, group(pick(group_count))});
    if (r % 7 == 0)
      rule.servers.push_back({kind::name, server(pick(server_count))});
    else
      rule.servers.push_back({kind::group, server_group(pick(server_group_count))});
    rule.accounts = {r % 3 == 0 ? "deploy" : "*"};
    if (rule.mode == config::rule_mode::approve)
      rule.levels = {
          {{{kind::manager, {}}, {kind::name, person(pick(people_count))}}, config::condition::any},
          {{{kind::name, person(pick(people_count))}}, config::condition::any}};
    cfg->rules.push_back(std::move(rule));
  }
  // A catch-all at the end so that a target matching nothing still walks all 500 rules.
  config::rule last;
  last.name = "default-justify";
  last.mode = config::rule_mode::justify;
  last.users = {{kind::everyone, {}}};
  last.servers = {{kind::everyone, {}}};
  last.accounts = {"*"};
  cfg->rules.push_back(std::move(last));
  return cfg;
}

std::vector<target> random_targets(std::size_t n) {
  std::mt19937 rng(7);
  std::vector<target> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back({person(int(rng() % people_count)), server(int(rng() % server_count)),
                   rng() % 2 ? "root" : "deploy", config::protocol::ssh});
  return out;
}

// Live grants for every 10th person, looked up in a hash map.
class map_grants final : public grant_source {
 public:
  explicit map_grants(const std::vector<target>& targets) {
    for (std::size_t i = 0; i < targets.size(); i += 10) {
      grant g;
      g.id = grant_id(i + 1);
      g.person = targets[i].person;
      g.server = targets[i].server;
      g.account = targets[i].account;
      g.end = time_point::max();
      grants_.emplace(key(targets[i]), g);
    }
  }
  std::optional<grant> live_grant(const target& t, time_point now) const override {
    auto it = grants_.find(key(t));
    if (it == grants_.end() || !it->second.live_at(now)) return std::nullopt;
    return it->second;
  }

 private:
  static std::string key(const target& t) { return t.person + '\n' + t.server + '\n' + t.account; }
  std::unordered_map<std::string, grant> grants_;
};

class sqlite_grants final : public grant_source {
 public:
  explicit sqlite_grants(store& s) : store_(s) {}
  std::optional<grant> live_grant(const target& t, time_point now) const override {
    auto g = store_.find_live_grant(t.person, t.server, t.account, now);
    return g.ok() ? *g : std::nullopt;
  }

 private:
  store& store_;
};

const time_point now{std::chrono::milliseconds(1'790'000'000'000)};

void BM_decide(benchmark::State& state) {
  static const auto cfg = big_config();
  static const policy_index index(*cfg);
  static const auto targets = random_targets(4096);
  static const map_grants grants(targets);
  std::size_t i = 0;
  std::array<std::int64_t, 5> seen{};
  for (auto _ : state) {
    decision d = decide(index, targets[i++ & 4095], grants, now);
    ++seen[d.index()];
    benchmark::DoNotOptimize(d);
  }
  state.counters["allow"] = double(seen[0]) / double(state.iterations());
  state.counters["by_grant"] = double(seen[1]) / double(state.iterations());
  state.counters["justify"] = double(seen[2]) / double(state.iterations());
  state.counters["approve"] = double(seen[3]) / double(state.iterations());
  state.counters["deny"] = double(seen[4]) / double(state.iterations());
}
BENCHMARK(BM_decide)->Repetitions(9)->ReportAggregatesOnly(true);

void BM_decide_sqlite_grants(benchmark::State& state) {
  static const auto cfg = big_config();
  static const policy_index index(*cfg);
  static const auto targets = random_targets(4096);
  static std::unique_ptr<store> db = [] {
    auto s = storage::open_store("sqlite::memory:");
    request owner;
    owner.requester = "bench";
    const request_id owner_id = (*s)->create_request(owner)->id;
    for (std::size_t i = 0; i < 4096; i += 10) {
      grant g;
      g.request = owner_id;
      g.person = targets[i].person;
      g.server = targets[i].server;
      g.account = targets[i].account;
      g.end = now + std::chrono::hours(1);
      if (!(*s)->create_grant(g)) std::abort();
    }
    return std::move(*s);
  }();
  sqlite_grants grants(*db);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(decide(index, targets[i++ & 4095], grants, now));
}
BENCHMARK(BM_decide_sqlite_grants)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_build_index(benchmark::State& state) {
  static const auto cfg = big_config();
  for (auto _ : state) benchmark::DoNotOptimize(policy_index(*cfg));
  state.SetLabel("10k people, 2k servers, 500 rules");
}
BENCHMARK(BM_build_index)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gatehouse::policy

BENCHMARK_MAIN();
