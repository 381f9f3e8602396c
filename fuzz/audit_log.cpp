// Fuzz harness: reading an audit log file back - `gatehouse audit verify` (audit::verify_files)
// and the searches of `gatehouse audit` and the web's audit pages (audit::find_events, which
// reads the file backwards when a limit is given).
//
// Input: a first line of filters (as in a URL query, "person=alice&limit=2", undecoded), then
// the log. The first input byte's low bits say how the log lines are prepared before the file
// is written: bit 0 renumbers seq and links prev_hash for lines that are JSON objects, bit 1
// makes each line's hash right. So the fuzzer reaches every check of the chain.
//
// Contract checked: verify counts only whole lines, says where the first problem is (a line
// that exists) and calls an intact log intact only when every line ends in a newline; a search
// with a limit of N finds exactly the last N of what the same search without a limit finds.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "audit/chain_line.hpp"
#include "audit/query.hpp"
#include "audit/verify.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace gatehouse;
namespace json = boost::json;

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

std::string with_hash(std::string body) {  // body: a JSON object's text
  auto hash = audit::sha256_hex(body);
  body.pop_back();
  return body + ",\"hash\":\"" + hash + "\"}";
}

// The log as the mode byte asks: lines chained and/or hashed.
std::string prepare(std::string_view log, unsigned mode) {
  std::string out, prev = audit::genesis_hash;
  std::uint64_t seq = 0;
  for (auto line : split(log, '\n')) {
    std::string text(line);
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if ((mode & 3) != 0 && !ec && v.is_object()) {
      auto& o = v.as_object();
      o.erase("hash");
      if (mode & 1) {
        o["seq"] = ++seq;
        o["prev_hash"] = prev;
      }
      text = json::serialize(o);
      if (mode & 2) text = with_hash(text);
      std::string problem;
      if (auto checked = audit::check_line(text, problem)) prev = checked->hash;
    }
    out += text + "\n";
  }
  if (!log.ends_with('\n') && !out.empty()) out.pop_back();  // keep a cut last line cut
  return out;
}

const std::string& log_path() {
  static const std::string path = fuzz::fixture_dir() + "/audit-fuzz.jsonl";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  unsigned mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto nl = rest.find('\n');
  std::string_view filters = rest.substr(0, nl);
  std::string_view log = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);

  std::string file = prepare(log, mode);
  std::ofstream(log_path(), std::ios::binary | std::ios::trunc) << file;
  auto newlines = static_cast<std::uint64_t>(std::count(file.begin(), file.end(), '\n'));

  auto verified = audit::verify_files({log_path()});
  fuzz::require(verified.lines <= newlines, "verify counts only whole lines", verified.summary());
  if (verified.intact) {
    fuzz::require(verified.lines == newlines && (file.empty() || file.ends_with('\n')),
                  "an intact log is whole lines, each checked", verified.summary());
  } else {
    fuzz::require(verified.line >= 1 && verified.line <= newlines + 1 && !verified.problem.empty(),
                  "a problem is at a line of the file", verified.summary());
  }

  std::vector<std::pair<std::string, std::string>> parameters;
  for (auto pair : split(filters, '&')) {
    auto eq = pair.find('=');
    parameters.emplace_back(pair.substr(0, eq),
                            eq == std::string_view::npos ? "" : pair.substr(eq + 1));
  }
  std::string error;
  auto q = audit::query_from_parameters(parameters, error);
  if (!q) {
    fuzz::require(!error.empty(), "a refused filter says why");
    return 0;
  }
  auto limit = std::min<std::size_t>(q->limit, 1000);
  q->limit = 0;
  auto all = audit::find_events({log_path()}, *q, error);
  fuzz::require(error.empty(), "the log can be searched", error);
  if (limit == 0) return 0;
  q->limit = limit;
  auto last = audit::find_events({log_path()}, *q, error);
  auto from = all.size() > limit ? all.size() - limit : 0;
  fuzz::require(std::equal(last.begin(), last.end(), all.begin() + std::ptrdiff_t(from), all.end()),
                "a search with a limit finds the last matches of the same search without one",
                std::to_string(last.size()) + " of " + std::to_string(all.size()));
  return 0;
}
