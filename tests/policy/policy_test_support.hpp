#pragma once
// Test helpers for policy/: configurations built in C++ (no YAML), recording fakes for the
// audit sink and the notifier, and a fixture wiring an access_service to an in-memory store
// and a manual clock.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/time.hpp"
#include "policy/access_service.hpp"
#include "policy/store.hpp"
#include "storage/open_storage.hpp"

namespace gatehouse::policy::testing {

using namespace std::chrono_literals;
using storage::open_store;

// Principals as written in YAML: "alice", "group:ops", "*", "manager".
config::principal who(const std::string& text);
std::vector<config::principal> whos(const std::vector<std::string>& texts);
config::approval_level level(const std::vector<std::string>& approvers,
                             config::condition c = config::condition::any);

// A rule: users/servers as YAML text, accounts names or "*".
config::rule make_rule(const std::string& name, config::rule_mode mode,
                       const std::vector<std::string>& users,
                       const std::vector<std::string>& servers,
                       const std::vector<std::string>& accounts = {"*"},
                       std::vector<config::approval_level> levels = {});

// The rule most workflow tests use: developers on production servers, `approve` with `levels`.
config::rule prod_rule(std::vector<config::approval_level> levels);

class config_builder {
 public:
  config_builder& person(const std::string& name, const std::vector<std::string>& groups = {});
  config_builder& group(const std::string& name, const std::vector<std::string>& managers = {},
                        bool require_manager_approval = false);
  config_builder& server(const std::string& name,
                         const std::vector<std::string>& accounts = {"root"},
                         const std::vector<std::string>& groups = {},
                         config::protocol p = config::protocol::ssh);
  config_builder& server_group(const std::string& name, bool require_manager_approval = false);
  config_builder& rule(config::rule r);
  std::shared_ptr<const config::config> build() const;
  config::config& raw() { return cfg_; }

 private:
  config::config cfg_;
};

// The usual cast: alice and dave (developers, managed by bob), bob, carol, erin, frank, admin;
// servers web01 (root, deploy; group production) and dev01 (root).
config_builder standard_people();

target to(const std::string& person, const std::string& server = "web01",
          const std::string& account = "root");

time_point t0();  // 2026-11-22T09:00:00Z

class recording_audit final : public audit_sink {
 public:
  void record(const audit_event& e) override { events.push_back(e); }
  std::vector<std::string> names() const;
  std::vector<audit_event> events;
};

class recording_notifier final : public notifier {
 public:
  struct call {
    std::string what;  // "ask", "tell", "emergency"
    request_id request;
    std::size_t level;
    std::vector<std::string> people;
    std::string about;  // tell: audit name of what happened
    std::string by;
    std::string once;       // the notice's once prefix ("" without a stored notice)
    std::string comment{};  // tell: the decision's comment
  };
  bool ask_approvers(const request& r, std::size_t level, const std::vector<std::string>& people,
                     std::string_view once) override;
  bool tell_requester(const request& r, happening_kind what, const std::string& by,
                      const std::string& comment, std::string_view once) override;
  bool tell_emergency(const request& r, const std::vector<std::string>& approvers,
                      std::string_view once) override;
  bool refuse = false;  // answer false (the mail could not be queued) and record nothing
  // People asked at `level` of request `id`, in order of asking.
  std::vector<std::string> asked(request_id id, std::size_t level) const;
  std::vector<call> calls;
};

// An access_service over sqlite::memory:, a manual clock at t0() and recording fakes.
class service_fixture : public ::testing::Test {
 protected:
  void use(std::shared_ptr<const config::config> cfg);
  void use(const config::rule& r);  // standard_people() plus this one rule
  access_service& svc() { return *service_; }

  // Files for `person` or fails the test.
  request file(const std::string& person, const filing& f = {}, const std::string& server = "web01",
               const std::string& account = "root");
  grant grant_of(const request& r);

  manual_clock clock_{t0()};
  std::unique_ptr<store> store_;
  recording_audit audit_;
  recording_notifier notifier_;
  std::unique_ptr<access_service> service_;
};

}  // namespace gatehouse::policy::testing
