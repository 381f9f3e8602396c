#pragma once
// What the admin API may ask of the daemon itself (status, reload, the list of live sessions).
// Implemented by daemon/. Ending a session is an operation (operations::service::kill_session).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

#include "admin/http_types.hpp"
#include "audit/verify.hpp"

namespace gatehouse::admin {

class daemon_control {
 public:
  virtual ~daemon_control() = default;
  virtual boost::json::object status() const = 0;
  // Empty on success, otherwise the reason (the old configuration stays in force).
  virtual std::string reload(const std::string& by) = 0;
  virtual boost::json::array sessions() const = 0;
  // The configured audit log (audit.log), "" when there is none.
  virtual std::string audit_log_path() const { return {}; }
  // What `audit verify` holds that log to: the signing key, its head file, the daemon's head.
  virtual audit::verify_options audit_verify_options() const { return {}; }
  // The TrustedUserCAKeys lines of the gate's user CA (ssh.ca_key), the signing key first;
  // empty when none is configured. Public keys only: operators may not read the key file.
  virtual std::vector<std::string> trusted_ca_lines() const { return {}; }
  // `gatehouse kill ID` of a session this daemon does not hold: the reply (its work off the io
  // thread: the order to the node holding it, waiting for that node's answer), or nullopt when
  // no other node lists the session either.
  virtual std::optional<http_reply> kill_elsewhere(const std::string& /*id*/,
                                                   const std::string& /*by*/) {
    return std::nullopt;
  }
};

}  // namespace gatehouse::admin
