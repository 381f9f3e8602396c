#include "proxy/rdp/rdp_file.hpp"

namespace gatehouse::proxy::rdp {

std::string public_rdp_address(const config::rdp_listener& l, std::string_view fallback_host) {
  const config::endpoint& e = l.public_address ? *l.public_address : l.address;
  std::string host = e.host;
  if (host == "0.0.0.0" || host == "::" || host.empty()) host = std::string(fallback_host);
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + std::to_string(e.port);
}

std::string rdp_file_text(std::string_view address, std::string_view token) {
  std::string out;
  out += "full address:s:" + std::string(address) + "\r\n";
  out += "loadbalanceinfo:s:" + std::string(token) + "\r\n";
  out += "prompt for credentials:i:1\r\n";
  out += "authentication level:i:2\r\n";
  return out;
}

}  // namespace gatehouse::proxy::rdp
