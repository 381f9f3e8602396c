#include "config/yaml_document.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <sstream>

#include "core/untrusted_text.hpp"

namespace gatehouse::config {

namespace {
// Notes where each document starts; builds nothing.
class document_starts final : public YAML::EventHandler {
 public:
  YAML::Mark start;

  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

yaml_document failure(position at, std::string problem) {
  return {YAML::Node(), at, std::move(problem)};
}

// Where the parser stopped, never past the end of the text: yaml-cpp reports an escape cut
// off by the end of the input one column beyond it.
position place_in(const YAML::Mark& mark, std::string_view text) {
  if (mark.is_null() || mark.pos < 0 || static_cast<std::size_t>(mark.pos) <= text.size())
    return position_of(mark);
  position end{1, 1};
  for (char c : text) {
    if (c == '\n') {
      ++end.line;
      end.column = 1;
    } else {
      ++end.column;
    }
  }
  return end;
}

// Counts the documents, reporting a second one or a token the parser cannot get past (it
// then "starts" the next document where the previous one started).
yaml_document check_document_count(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  document_starts first;
  if (!parser.HandleNextDocument(first)) return failure({}, "the configuration is empty");
  document_starts second;
  if (!parser.HandleNextDocument(second)) return {};
  if (second.start.pos == first.start.pos) {
    auto pos = static_cast<std::size_t>(second.start.pos);
    std::string what = pos < text.size() ? quote(text.substr(pos, 1)) : "end of file";
    return failure(position_of(second.start), "invalid YAML: unexpected " + what);
  }
  return failure(position_of(second.start),
                 "only one YAML document is allowed; remove the second '---'");
}
}  // namespace

yaml_document parse_single_document(std::string_view text) {
  std::string copy(text);
  try {
    auto counted = check_document_count(copy);
    if (!counted.problem.empty()) return counted;
    auto root = YAML::Load(copy);
    if (root.IsNull()) return failure({}, "the configuration is empty");
    return {root, {}, ""};
  } catch (const YAML::DeepRecursion& e) {
    return failure(place_in(e.mark, text), "invalid YAML: nesting is too deep");
  } catch (const YAML::Exception& e) {
    return failure(place_in(e.mark, text), "invalid YAML: " + visible_text(e.msg));
  }
}

}  // namespace gatehouse::config
