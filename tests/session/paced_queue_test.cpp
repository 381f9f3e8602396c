#include "proxy/session/paced_queue.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <string>

namespace gatehouse::proxy::session {
namespace {

TEST(PacedQueue, RunsEveryJobInOrderABatchPerTurn) {
  boost::asio::io_context io;
  paced_queue q(io.get_executor(), 3);
  std::string trace;
  for (char c : std::string("abcdefg")) q.add([&trace, c] { trace += c; });
  // Queued after the jobs: runs after the first batch, not after all seven.
  boost::asio::post(io, [&trace] { trace += '|'; });
  io.run();
  EXPECT_EQ(trace, "abc|defg");
  EXPECT_EQ(q.waiting(), 0u);
}

TEST(PacedQueue, AJobMayAddMore) {
  boost::asio::io_context io;
  paced_queue q(io.get_executor(), 2);
  int runs = 0;
  std::function<void()> again = [&] {
    if (++runs < 5) q.add(again);
  };
  q.add(again);
  io.run();
  EXPECT_EQ(runs, 5);
}

}  // namespace
}  // namespace gatehouse::proxy::session
