// Fuzz harness: one line of the audit log (audit::check_line) and what the audit pages and the
// CSV export make of it (audit::column_values, csv_row). The log is a file on disk: a damaged or
// edited one must be reported, never crash the verifier or the pages.
//
// The input is checked as it is, and once more with its hash made right (so the fuzzer gets past
// the SHA-256 check to the JSON and the chain fields).
//
// Contract checked: a line with a wrong hash is refused; a line whose hash is right is refused
// only for its JSON or chain fields; an accepted line states the hash it carries; a CSV row of
// an accepted line has the 13 columns, ends in CR LF, and every field that holds a comma, quote
// or line break is quoted, and is valid UTF-8 even when the line held raw bytes.

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "audit/chain_line.hpp"
#include "audit/query.hpp"
#include "core/json_text.hpp"
#include "core/untrusted_text.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace gatehouse;

namespace {

constexpr std::string_view hash_member = ",\"hash\":\"";

// `line` with its trailing hash member replaced by the right one (added when missing).
std::string rehashed(std::string_view line) {
  std::string body(line);
  if (auto at = body.rfind(hash_member); at != std::string::npos) body.erase(at);
  if (!body.empty() && body.back() == '}') body.pop_back();
  body += '}';
  auto hash = audit::sha256_hex(body);
  body.pop_back();
  return body + std::string(hash_member) + hash + "\"}";
}

void check_csv(const std::string& line) {
  // Read as the audit pages read it: lines of older versions may hold raw bytes that are not
  // UTF-8 (they are accepted and named by verify, audit/FORMAT.md "Text from outside").
  std::error_code ec;
  auto v = json_parse_text(line, ec);
  fuzz::require(!ec && v.is_object(), "an accepted line is a JSON object");
  auto values = audit::column_values(v.as_object());
  for (const auto& value : values) {
    auto field = audit::csv_field(value);
    if (value.find_first_of(",\"\r\n") != std::string::npos)
      fuzz::require(field.size() >= 2 && field.front() == '"' && field.back() == '"',
                    "a field with a comma, quote or line break is quoted", field);
  }
  auto row = audit::csv_row(v.as_object());
  fuzz::require(row.ends_with("\r\n"), "a CSV row ends in CR LF", row);
  fuzz::require(is_valid_utf8(row), "a CSV row is valid UTF-8 whatever the line held", row);
}

void check_one(const std::string& line, bool hash_made_right) {
  std::string problem;
  auto checked = audit::check_line(line, problem);
  if (!checked) {
    fuzz::require(!problem.empty(), "a refused line says why");
    if (hash_made_right)
      fuzz::require(problem != "no hash at the end of the line" &&
                        problem != "hash does not match the line's content (edited)",
                    "a line with the right hash is not refused for its hash", line);
    return;
  }
  fuzz::require(line.ends_with("\"}") && line.substr(line.size() - 2 - checked->hash.size(),
                                                     checked->hash.size()) == checked->hash,
                "an accepted line carries the hash it states", line);
  check_csv(line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  check_one(line, false);
  check_one(rehashed(line), true);
  return 0;
}
