#pragma once
// The .rdp file a person opens with their RDP client (`ssh alice@gate rdp-file win01`): the
// gate's address and the signed routing token, as UTF-8 text with CR LF line ends.
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace gatehouse::proxy::rdp {

// The address people reach the RDP listener at: listen.rdp.public_address, else
// listen.rdp.address (a wildcard host becomes `fallback_host`). "HOST:PORT" or "[V6]:PORT".
std::string public_rdp_address(const config::rdp_listener& l, std::string_view fallback_host);

std::string rdp_file_text(std::string_view address, std::string_view token);

}  // namespace gatehouse::proxy::rdp
