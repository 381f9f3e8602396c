#pragma once
// Who performs an operation. A person acts as themself: the policy core decides what they may
// do (approve only where they are an approver, cancel only their own request, ...) and the
// audit names them. The administrator - the admin socket without --as - overrides the rules
// and is recorded as `admin`. Nobody acts as the administrator from the web or over SSH.
//
// A plain value type.
#include <string>
#include <utility>

#include "policy/request.hpp"

namespace gatehouse::operations {

class actor {
 public:
  static actor person(std::string name) { return actor(std::move(name), false); }
  static actor administrator() { return actor(std::string(policy::admin_actor), true); }

  // The person's name, or "admin".
  const std::string& name() const { return name_; }
  bool is_administrator() const { return administrator_; }

 private:
  actor(std::string name, bool administrator)
      : name_(std::move(name)), administrator_(administrator) {}
  std::string name_;
  bool administrator_;
};

}  // namespace gatehouse::operations
