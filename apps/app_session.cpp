#include "apps/app_session.hpp"

#include <algorithm>

#include "apps/relay/relay.hpp"

namespace gatehouse::apps {

app_session::app_session(facts f, policy::authorization a, ended_fn on_end)
    : facts_(std::move(f)), authorization_(std::move(a)), on_end_(std::move(on_end)) {}

std::optional<boost::json::object> app_session::describe() const {
  if (ended_) return std::nullopt;
  return proxy::session::session_object({facts_.id, facts_.person, facts_.app, "", "http",
                                         facts_.client, facts_.started, authorization_.grant(),
                                         bytes_in_, bytes_out_, "active", std::nullopt});
}

void app_session::end(const std::string& text, const std::string& reason) {
  if (ended_) return;
  ended_ = true;
  auto open = std::move(connections_);
  for (auto& [address, weak] : open)
    if (auto c = weak.lock()) c->end(text);
  if (auto done = std::exchange(on_end_, nullptr)) done(*this, reason);
}

void app_session::attach(const std::shared_ptr<connection_end>& c) {
  auto& slot = connections_[c.get()];  // an expired one at the same address is replaced
  if (slot.lock() != c) slot = c;
  if (connections_.size() >= sweep_at_) {
    std::erase_if(connections_, [](const auto& entry) { return entry.second.expired(); });
    sweep_at_ = std::max<std::size_t>(64, 2 * connections_.size());
  }
}

void app_session::count(std::uint64_t in, std::uint64_t out) {
  bytes_in_ += in;
  bytes_out_ += out;
  ++requests_;
}

}  // namespace gatehouse::apps
