#include "proxy/rdp/rdp_file_for.hpp"

#include <unistd.h>

#include "policy/async/gate_service.hpp"
#include "proxy/rdp/rdp_file.hpp"
#include "proxy/rdp/token.hpp"

namespace gatehouse::proxy::rdp {

namespace {
std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == 0) return "localhost";
  return name;
}
}  // namespace

rdp_file_outcome rdp_file_for(policy::gate_service& gate, const std::string& person,
                              const std::string& server, std::chrono::seconds valid) {
  auto cfg = gate.access().config();
  if (!cfg->listen.rdp) return {{}, "this gate has no RDP listener"};
  const auto& listener = *cfg->listen.rdp;
  if (listener.token_key.empty())
    return {{}, "RDP files are not set up on this gate (listen.rdp.token_key)"};
  policy::target t{person, server, "", config::protocol::rdp};
  auto d = gate.check(t);
  if (const auto* x = std::get_if<policy::decisions::deny>(&d)) return {{}, x->text};
  auto key = load_token_key(listener.token_key);
  if (key.index() == 1) return {{}, "RDP files are not available: the token key is unusable"};
  auto expires =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) + valid;
  auto token = make_token(std::get<0>(key), person, server, expires);
  if (token.index() == 1) return {{}, std::get<1>(token)};
  return {rdp_file_text(public_rdp_address(listener, host_name()), std::get<0>(token)), {}};
}

}  // namespace gatehouse::proxy::rdp
