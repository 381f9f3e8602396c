#pragma once
// One person's use of one gated web app under one authorization (SPEC "HTTP"): from the launch
// (a browser) or the first let-through request of a personal token, until the grant ends or is
// revoked, an administrator kills it, the daemon stops, or it idles. It is the unit that
// `gatehouse sessions` lists, that session.start/session.end audit, and that teardown ends:
// end() closes every client connection it has served (a WebSocket with 1008 and the reason, a
// keep-alive connection at once), after which its cookie or token no longer passes.
//
// Ownership: app_front_end keeps sessions by shared_ptr (and the registry does); connections
// are held weakly, so a closed connection just drops out. io_context thread only.
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/time.hpp"
#include "policy/decision.hpp"
#include "proxy/session/registry.hpp"

namespace gatehouse::apps {

class connection_end;  // apps/relay/connection_end.hpp

class app_session final : public proxy::session::live_session {
 public:
  enum class via { browser, token };
  struct facts {
    std::string id;  // "http-N"
    std::string person, app, client;
    via how = via::browser;
    time_point started;
  };
  // Runs once when the session ends, with the reason for session.end.
  using ended_fn = std::function<void(app_session&, const std::string& reason)>;

  app_session(facts f, policy::authorization a, ended_fn on_end);

  const std::string& id() const override { return facts_.id; }
  std::optional<boost::json::object> describe() const override;
  bool held() const override { return false; }
  void shut(const proxy::session::shut_reason& why) override { end(why.text, why.log); }

  // Closes every connection with `text` (the WebSocket close reason, at most 123 bytes) and
  // reports `reason` once; later calls do nothing.
  void end(const std::string& text, const std::string& reason);
  bool live() const { return !ended_; }

  void attach(const std::shared_ptr<connection_end>& c);
  void count(std::uint64_t in, std::uint64_t out);
  void touch(std::chrono::steady_clock::time_point now) { last_used_ = now; }
  std::chrono::steady_clock::time_point last_used() const { return last_used_; }

  const facts& about() const { return facts_; }
  const policy::authorization& authorization() const { return authorization_; }
  std::uint64_t bytes_in() const { return bytes_in_; }
  std::uint64_t bytes_out() const { return bytes_out_; }
  std::uint64_t requests() const { return requests_; }

  // The identity assertion last minted for it, reused while it has more than a minute left.
  struct cached_assertion {
    std::string audience, value;
    time_point expires;
  };
  std::optional<cached_assertion> assertion;

 private:
  facts facts_;
  policy::authorization authorization_;
  ended_fn on_end_;
  bool ended_ = false;
  // The connections it served, by address (attach() per request is O(1): a scan per request
  // made opening 10,000 WebSockets on one session quadratic); the expired are swept when the
  // map has doubled since the last sweep.
  std::unordered_map<const connection_end*, std::weak_ptr<connection_end>> connections_;
  std::size_t sweep_at_ = 64;
  std::uint64_t bytes_in_ = 0, bytes_out_ = 0, requests_ = 0;
  std::chrono::steady_clock::time_point last_used_ = std::chrono::steady_clock::now();
};

}  // namespace gatehouse::apps
