#pragma once
// What the admin API may ask of the daemon itself (status, reload). Implemented by daemon/.
#include <boost/json/object.hpp>

#include <string>

namespace gatehouse::admin {

class daemon_control {
 public:
  virtual ~daemon_control() = default;
  virtual boost::json::object status() const = 0;
  // Empty on success, otherwise the reason (the old configuration stays in force).
  virtual std::string reload(const std::string& by) = 0;
};

}  // namespace gatehouse::admin
