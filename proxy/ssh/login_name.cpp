#include "proxy/ssh/login_name.hpp"

#include <algorithm>

namespace gatehouse::proxy::ssh {

namespace {

constexpr std::size_t max_login_length = 256;

bool printable_name(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
}

std::string account_list(const config::server& server) {
  std::string out;
  for (const auto& a : server.accounts) {
    if (!out.empty()) out += ", ";
    out += a.name;
  }
  return out;
}

}  // namespace

std::variant<login_name, std::string> parse_login_name(std::string_view user) {
  if (user.empty()) return std::string("empty login name");
  if (user.size() > max_login_length) return std::string("login name too long");
  if (!printable_name(user)) return std::string("login name has spaces or control characters");
  login_name out;
  auto last = user.rfind('@');
  if (last == std::string_view::npos) {
    out.person = std::string(user);
    return out;
  }
  out.server = std::string(user.substr(last + 1));
  auto rest = user.substr(0, last);
  if (auto first = rest.find('@'); first != std::string_view::npos) {
    out.person = std::string(rest.substr(0, first));
    out.account = std::string(rest.substr(first + 1));
    if (out.account.empty()) return std::string("empty account in login name");
  } else {
    out.person = std::string(rest);
  }
  if (out.person.empty()) return std::string("empty person in login name");
  if (out.server.empty()) return std::string("empty server in login name");
  return out;
}

std::variant<login_target, std::string> resolve_login(const config::config& cfg,
                                                      const login_name& login) {
  login_target out;
  out.server = cfg.find_server(login.server);
  if (out.server == nullptr) return "unknown server '" + login.server + "'";
  const auto& server = *out.server;
  if (server.protocol == config::protocol::manual)
    return "server '" + server.name +
           "' is a manual resource: nobody connects to it through the gate; request it (its "
           "fulfillers grant it by hand)";
  if (server.protocol != config::protocol::ssh)
    return "server '" + server.name + "' is not reached over SSH";
  if (server.accounts.empty()) return "server '" + server.name + "' has no accounts";
  if (login.account.empty()) {
    if (server.accounts.size() > 1)
      return server.name + " has several accounts (" + account_list(server) + "): log in as " +
             login.person + "@ACCOUNT@" + server.name;
    out.account = &server.accounts.front();
    return out;
  }
  for (const auto& a : server.accounts)
    if (a.name == login.account) out.account = &a;
  if (out.account == nullptr)
    return server.name + " has no account '" + login.account +
           "' (accounts: " + account_list(server) + ")";
  return out;
}

}  // namespace gatehouse::proxy::ssh
