#include "config/config.hpp"

#include <algorithm>

namespace gatehouse::config {

namespace {
template <typename T>
const T* find_by_name(const std::vector<T>& items, std::string_view name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.name == name; });
  return it == items.end() ? nullptr : &*it;
}
}  // namespace

const user* config::find_user(std::string_view name) const { return find_by_name(users, name); }
const group* config::find_group(std::string_view name) const { return find_by_name(groups, name); }
const server* config::find_server(std::string_view name) const {
  return find_by_name(servers, name);
}
const server_group* config::find_server_group(std::string_view name) const {
  return find_by_name(server_groups, name);
}

}  // namespace gatehouse::config
