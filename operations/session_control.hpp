#pragma once
// What the operations API asks of the live sessions: end one. The daemon implements it over
// its front ends' session registry (every protocol), so operations/ knows no front end.
//
// Ownership: the implementer outlives the operations::service that refers to it. Called on
// the io_context's thread.
#include <string>

namespace gatehouse::operations {

class session_control {
 public:
  virtual ~session_control() = default;
  // Ends the live session `session_id`, telling its person that `by` ended it; false when no
  // live session has that id.
  virtual bool kill(const std::string& session_id, const std::string& by) = 0;
};

// No live sessions at all: for tests and tools that run no front end.
class no_live_sessions final : public session_control {
 public:
  bool kill(const std::string&, const std::string&) override { return false; }
};

}  // namespace gatehouse::operations
