// Fuzz harness: the SSH user name, as any client sends it before authentication
// (proxy::ssh::parse_login_name, then resolve_login against the fixture configuration).
//
// Contract checked: a parsed name has a non-empty person, no '@' in person or server, an
// account only with a server, and puts back together into exactly the bytes received; names are
// printable ASCII without spaces; a resolved login points at an SSH server of the configuration
// and one of that server's accounts (the one named, when one is).
#include "proxy/ssh/login_name.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"

using namespace gatehouse;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view user(reinterpret_cast<const char*>(data), size);
  auto parsed = proxy::ssh::parse_login_name(user);
  auto* name = std::get_if<proxy::ssh::login_name>(&parsed);
  if (name == nullptr) {
    fuzz::require(!std::get<std::string>(parsed).empty(), "a refusal says why");
    return 0;
  }
  fuzz::require(!name->person.empty(), "a parsed name has a person");
  fuzz::require(
      name->person.find('@') == std::string::npos && name->server.find('@') == std::string::npos,
      "no '@' in person or server");
  fuzz::require(name->account.empty() || !name->server.empty(), "an account only with a server");
  for (char c : user)
    fuzz::require(c > 0x20 && c < 0x7f, "an accepted name is printable ASCII without spaces");
  std::string again = name->person;
  if (!name->account.empty()) again += "@" + name->account;
  if (!name->server.empty()) again += "@" + name->server;
  fuzz::require(again == user, "the parts put back together are the name received", again);

  if (name->own_view()) return 0;
  auto cfg = fuzz::fixture_config();
  auto resolved = proxy::ssh::resolve_login(*cfg, *name);
  if (auto* t = std::get_if<proxy::ssh::login_target>(&resolved)) {
    fuzz::require(t->server != nullptr && t->account != nullptr, "a target is complete");
    fuzz::require(t->server->name == name->server, "the target is the server named");
    fuzz::require(t->server->protocol == config::protocol::ssh, "the target is an SSH server");
    fuzz::require(name->account.empty() || t->account->name == name->account,
                  "the target is the account named");
    bool of_server = false;
    for (const auto& a : t->server->accounts) of_server |= &a == t->account;
    fuzz::require(of_server, "the account is one of the server's");
  } else {
    fuzz::require(!std::get<std::string>(resolved).empty(), "a refusal says why");
  }
  return 0;
}
