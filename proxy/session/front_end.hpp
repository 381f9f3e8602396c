#pragma once
// A protocol front end as the daemon sees it: it serves the listener of one name (listen.ssh,
// listen.rdp) and takes each accepted connection's file descriptor; its connections join the
// daemon's session registry. The daemon keeps a list of them and knows no protocol beyond
// building that list (daemon/front_ends.cpp).
#include <string>
#include <string_view>

namespace gatehouse::proxy::session {

class front_end {
 public:
  virtual ~front_end() = default;
  // The listener it serves: "ssh", "rdp".
  virtual std::string_view listener() const = 0;
  // Takes ownership of an accepted socket's fd (also when it turns the peer away).
  // `peer` is "ADDRESS:PORT".
  virtual void accept(int fd, const std::string& peer) = 0;
};

}  // namespace gatehouse::proxy::session
