#pragma once
// An audit event's fields (policy/audit_sink.hpp): text values by name, kept sorted by name in
// one vector - the order the audit line writes them - with the map and set operations the
// producers and tests use. An event has about a dozen short fields; a std::map and std::set
// spent a node allocation on each, for every event, and a gated web app writes an event per
// request (bench/http/README.md: the http.request event was 12.9 % of the daemon's CPU under
// small responses, its map copy the visible part).
//
// Semantics as std::map<std::string, std::string> and std::set<std::string>: a name is there at
// most once; operator[] adds an empty value; an initializer list keeps the first of a name.
#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::policy {

namespace audit_fields_detail {
// Name order; compare(), not <: clang 14 cannot rewrite libstdc++ 12's string_view <=> for <.
inline bool before(std::string_view a, std::string_view b) { return a.compare(b) < 0; }
}  // namespace audit_fields_detail

class audit_fields {
 public:
  using value_type = std::pair<std::string, std::string>;
  using const_iterator = std::vector<value_type>::const_iterator;

  audit_fields() = default;
  audit_fields(std::initializer_list<value_type> items) {
    items_.reserve(items.size());
    for (const auto& [name, value] : items)
      if (!contains(name)) (*this)[name] = value;
  }

  // The value of `name`, added empty when it is not there yet.
  std::string& operator[](std::string_view name) {
    auto it = find_slot(items_, name);
    if (it == items_.end() || it->first != name)
      it = items_.emplace(it, std::string(name), std::string());
    return it->second;
  }
  // The value of `name`; std::out_of_range when it is not there.
  const std::string& at(std::string_view name) const {
    auto it = find_slot(items_, name);
    if (it == items_.end() || it->first != name)
      throw std::out_of_range("no audit field " + std::string(name));
    return it->second;
  }
  bool contains(std::string_view name) const {
    auto it = find_slot(items_, name);
    return it != items_.end() && it->first == name;
  }
  std::size_t count(std::string_view name) const { return contains(name) ? 1 : 0; }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void reserve(std::size_t n) { items_.reserve(n); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  bool operator==(const audit_fields&) const = default;

 private:
  template <class Items>
  static auto find_slot(Items& items, std::string_view name) -> decltype(items.begin()) {
    return std::lower_bound(items.begin(), items.end(), name,
                            [](const value_type& item, std::string_view n) {
                              return audit_fields_detail::before(item.first, n);
                            });
  }
  std::vector<value_type> items_;
};

// The names of the fields whose value is JSON text (audit_event::json_fields).
class audit_names {
 public:
  audit_names() = default;
  audit_names(std::initializer_list<std::string_view> names) {
    for (auto n : names) insert(n);
  }
  void insert(std::string_view name) {
    auto it = std::lower_bound(names_.begin(), names_.end(), name, audit_fields_detail::before);
    if (it == names_.end() || *it != name) names_.emplace(it, name);
  }
  bool contains(std::string_view name) const {
    auto it = std::lower_bound(names_.begin(), names_.end(), name, audit_fields_detail::before);
    return it != names_.end() && *it == name;
  }
  std::size_t count(std::string_view name) const { return contains(name) ? 1 : 0; }
  bool operator==(const audit_names&) const = default;

 private:
  std::vector<std::string> names_;
};

}  // namespace gatehouse::policy
