#pragma once
// A blocking HTTP/1.1 client for the daemon's admin Unix socket, for the `gatehouse` CLI.
#include <optional>
#include <string>

namespace gatehouse::cli {

struct admin_response {
  int status = 0;
  std::string body;
};

// Percent-encoding for a path segment or query value.
std::string query_escape(const std::string& s);

// nullopt with `error` set when the daemon cannot be reached.
std::optional<admin_response> call_admin(const std::string& socket_path, const std::string& method,
                                         const std::string& target, const std::string& body,
                                         std::string& error);

}  // namespace gatehouse::cli
