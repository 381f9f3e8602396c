#include "daemon/front_ends.hpp"

#include <unistd.h>

namespace gatehouse::daemon {

struct front_ends::impl {
  front_end_context context;
};

front_ends::front_ends(front_end_context context)
    : impl_(std::make_unique<impl>(impl{std::move(context)})) {}
front_ends::~front_ends() = default;

bool front_ends::accept(const std::string&, int, const std::string&) { return false; }
boost::json::array front_ends::sessions() const { return {}; }
bool front_ends::kill(const std::string&, const std::string&) { return false; }
void front_ends::stop_all() {}

}  // namespace gatehouse::daemon
