#pragma once
// Ends one client connection of a gated web app from outside (grant end, revocation, kill).
// The relay engine makes one per client connection and hands it to the app front end with each
// request it admits; the front end registers it with the session the request belongs to and
// calls end(reason) when that session must stop. What end() does to the connection is the
// engine's (apps/relay/relay.hpp): a WebSocket is closed with 1008 and the reason, a keep-alive
// connection is closed at once between requests, a response in flight is cut.
// Safe to call more than once, and after the connection is gone. Thread: the io thread.
#include <functional>
#include <string>

namespace gatehouse::apps {

class connection_end {
 public:
  void end(std::string reason);
  bool ended() const { return ended_; }
  const std::string& reason() const { return reason_; }

  // The engine's: what end() wakes (cancels the connection's waits). Called at most once per
  // end(); replaced or cleared (nullptr) as the engine moves on.
  void on_end(std::function<void()> wake) { wake_ = std::move(wake); }

 private:
  bool ended_ = false;
  std::string reason_;
  std::function<void()> wake_;
};

}  // namespace gatehouse::apps
