// policy::audit_fields and audit_names (policy/audit_fields.hpp): the std::map and std::set
// behaviour the audit producers and the audit line rely on - fields iterate sorted by name
// whatever order they were set in, a name is there once, operator[] adds an empty value, an
// initializer list keeps the first of a name, and at() throws for a missing name.
#include "policy/audit_fields.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace gatehouse::policy {
namespace {

std::vector<std::pair<std::string, std::string>> items(const audit_fields& f) {
  return {f.begin(), f.end()};
}

TEST(AuditFields, IterateSortedByNameAsAMapDoesWhateverTheOrderTheyWereSetIn) {
  const std::vector<std::pair<std::string, std::string>> sets = {
      {"status", "200"}, {"path", "/a"}, {"bytes", "12"}, {"method", "GET"},
      {"path", "/b"},    {"ms", "3"},    {"a", ""},       {"zz", "last"}};
  audit_fields flat;
  std::map<std::string, std::string> map;
  for (const auto& [name, value] : sets) {
    flat[name] = value;
    map[name] = value;
  }
  EXPECT_EQ(items(flat),
            (std::vector<std::pair<std::string, std::string>>(map.begin(), map.end())));
  EXPECT_EQ(flat.size(), map.size());
  EXPECT_EQ(flat.at("path"), "/b");
}

TEST(AuditFields, AnInitializerListKeepsTheFirstOfANameAsAMapDoes) {
  audit_fields flat{{"b", "1"}, {"a", "2"}, {"b", "3"}};
  std::map<std::string, std::string> map{{"b", "1"}, {"a", "2"}, {"b", "3"}};
  EXPECT_EQ(items(flat),
            (std::vector<std::pair<std::string, std::string>>(map.begin(), map.end())));
}

TEST(AuditFields, LookupsOfMissingNames) {
  audit_fields flat{{"actor", "bob"}};
  EXPECT_TRUE(flat.contains("actor"));
  EXPECT_EQ(flat.count("actor"), 1u);
  EXPECT_EQ(flat.count("act"), 0u);
  EXPECT_FALSE(flat.contains("actors"));
  EXPECT_THROW((void)flat.at("reason"), std::out_of_range);
  EXPECT_EQ(flat["reason"], "");  // added empty, as std::map's operator[]
  EXPECT_TRUE(flat.contains("reason"));
  EXPECT_FALSE(audit_fields{}.contains(""));
}

TEST(AuditNames, AreASetOfNames) {
  audit_names names{"status", "bytes"};
  names.insert("bytes");
  names.insert("ms");
  for (const char* n : {"status", "bytes", "ms"}) EXPECT_EQ(names.count(n), 1u) << n;
  EXPECT_FALSE(names.contains("path"));
  EXPECT_EQ(names, (audit_names{"ms", "status", "bytes"}));
}

}  // namespace
}  // namespace gatehouse::policy
