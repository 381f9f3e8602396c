// connection_end (apps/relay/connection_end.hpp).
#include "apps/relay/connection_end.hpp"

namespace gatehouse::apps {

void connection_end::end(std::string reason) {
  if (ended_) return;
  ended_ = true;
  reason_ = std::move(reason);
  if (wake_) {
    auto wake = std::move(wake_);  // the wake may replace or clear wake_
    wake_ = nullptr;
    wake();
  }
}

}  // namespace gatehouse::apps
