#pragma once
// Parsing text into exactly one YAML document with yaml-cpp, every failure turned into a
// positioned message. yaml-cpp 0.7's LoadAll loops forever (allocating as it goes) on a
// stray ',' outside a flow collection (jbeder/yaml-cpp#1040), so documents are counted with
// the event parser, which is asked for at most two, before YAML::Load builds the first.
#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "config/diagnostics.hpp"

namespace gatehouse::config {

struct yaml_document {
  YAML::Node root;  // defined only when problem is empty
  position at;      // where the problem is; line 0 for the whole text
  std::string problem;
};

yaml_document parse_single_document(std::string_view text);

}  // namespace gatehouse::config
