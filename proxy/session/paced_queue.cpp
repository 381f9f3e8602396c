#include "proxy/session/paced_queue.hpp"

#include <boost/asio/post.hpp>

namespace gatehouse::proxy::session {

paced_queue::paced_queue(boost::asio::any_io_executor executor, std::size_t batch)
    : state_(std::make_shared<state>(state{std::move(executor), batch == 0 ? 1 : batch, {}})) {}

void paced_queue::add(std::function<void()> job) {
  state_->jobs.push_back(std::move(job));
  if (!state_->scheduled) schedule(state_);
}

void paced_queue::schedule(const std::shared_ptr<state>& s) {
  s->scheduled = true;
  boost::asio::post(s->executor, [s] {
    for (std::size_t i = 0; i < s->batch && !s->jobs.empty(); ++i) {
      auto job = std::move(s->jobs.front());
      s->jobs.pop_front();
      job();
    }
    s->scheduled = false;
    if (!s->jobs.empty()) schedule(s);
  });
}

}  // namespace gatehouse::proxy::session
