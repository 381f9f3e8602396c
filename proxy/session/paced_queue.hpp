#pragma once
// Work that one event fans out to many connections, run a batch per turn of the event loop.
// A decision can release 10,000 held connections; each then checks the policy and dials its
// server. Posted one handler each, all of them would run before anything queued after the
// decision: the approver's next request, new logins, data of live sessions. Here a batch runs,
// then the next batch is posted behind whatever arrived meanwhile.
//
// io_context thread only.
#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>

namespace gatehouse::proxy::session {

class paced_queue {
 public:
  paced_queue(boost::asio::any_io_executor executor, std::size_t batch);

  // Runs `job` in a later turn of the event loop, after the jobs added before it.
  void add(std::function<void()> job);
  std::size_t waiting() const { return state_->jobs.size(); }

 private:
  struct state {
    boost::asio::any_io_executor executor;
    std::size_t batch;
    std::deque<std::function<void()>> jobs;
    bool scheduled = false;
  };
  static void schedule(const std::shared_ptr<state>& s);
  std::shared_ptr<state> state_;
};

}  // namespace gatehouse::proxy::session
