#pragma once
// The secrets the app hosts accept, kept in memory only (SPEC "HTTP", one host per app):
// - launch tokens: the portal (on the gate's host) issues one for a person it has let through
//   to an app; the app host redeems it once, within 60 seconds, and only on that app's host;
// - session cookies: the value of an app host's `__Host-gh_app` cookie, one per browser app
//   session, worthless on any other app's host.
// Each is "SELECTOR.SECRET": the selector finds the entry, the secret (32 random bytes) is
// compared in constant time. A restart forgets them all: people open the app again from the
// portal, which asks the policy again.
//
// io_context thread only.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "policy/decision.hpp"

namespace gatehouse::apps {

struct launch {
  std::string person, app;
  std::string next;  // the path on the app to go to ("/dashboards?x=1")
  policy::authorization authorization;
};

class app_passes {
 public:
  using steady = std::chrono::steady_clock;
  static constexpr std::chrono::seconds launch_lifetime{60};

  std::string issue_launch(launch l, steady::time_point now);
  // The launch behind `token` if it is this app's, unused and fresh; it is used up either way.
  std::optional<launch> redeem_launch(std::string_view app, std::string_view token,
                                      steady::time_point now);

  // A cookie value for the session `session_id` of `app`.
  std::string issue_cookie(const std::string& app, const std::string& session_id);
  // The session a cookie value stands for on `app`'s host; nullopt for anything else.
  std::optional<std::string> session_of_cookie(std::string_view app, std::string_view value) const;
  void forget_session(const std::string& session_id);

  std::size_t launches_pending() const { return launches_.size(); }

 private:
  struct pending_launch {
    std::string secret;
    steady::time_point expires;
    apps::launch what;
  };
  struct cookie {
    std::string secret, app, session_id;
  };
  std::string next_selector();

  std::map<std::string, pending_launch, std::less<>> launches_;
  std::map<std::string, cookie, std::less<>> cookies_;
  std::uint64_t counter_ = 0;
};

}  // namespace gatehouse::apps
