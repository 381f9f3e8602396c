// What identity costs a gated web app's request: signing its Gatehouse-Jwt-Assertion (Ed25519,
// one per proxied request) and checking a personal HTTP token (a SQLite lookup by selector hash
// and a constant-time hash compare, one per bearer request).
//
//   BM_sign_assertion      assertion_signer::sign with typical claims
//   BM_verify_http_token   verify_http_token against 10,000 tokens in a SQLite file
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>

#include "apps/identity/assertion_signer.hpp"
#include "apps/identity/http_tokens.hpp"
#include "storage/open_storage.hpp"

namespace gatehouse::apps {
namespace {

void BM_sign_assertion(benchmark::State& state) {
  auto signer = assertion_signer::generate();
  const auto now = system_clock().now();
  assertion_claims c{"https://gate.example",
                     "https://grafana.apps.gate.example",
                     "alice",
                     "alice@example.com",
                     42,
                     now,
                     assertion_expiry(now, std::nullopt)};
  for (auto _ : state) benchmark::DoNotOptimize(signer->sign(c));
}
BENCHMARK(BM_sign_assertion);

void BM_verify_http_token(benchmark::State& state) {
  std::string dir = (std::filesystem::temp_directory_path() / "bench-identity-XXXXXX").string();
  if (!::mkdtemp(dir.data())) return state.SkipWithError("no temp dir");
  auto opened = storage::open_storage("sqlite:" + dir + "/gate.db");
  if (!opened) return state.SkipWithError(opened.message().c_str());
  auto& tokens = *opened->tokens;
  const auto now = system_clock().now();
  std::string token;
  for (int i = 0; i < 10'000; ++i)
    token = *issue_http_token(tokens, "user" + std::to_string(i), "grafana",
                              now + std::chrono::hours(8), now);
  for (auto _ : state) benchmark::DoNotOptimize(verify_http_token(tokens, token, now));
  opened->tokens.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_verify_http_token);

}  // namespace
}  // namespace gatehouse::apps

BENCHMARK_MAIN();
