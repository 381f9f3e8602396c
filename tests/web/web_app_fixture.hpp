#pragma once
// The web app over a real SQLite store, access_service and gate_service (the io_context is not
// run: the app is socket-free), with a mailer that records the sign-in links it would send.
// Shared by the web app's unit tests.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "approval/public_links.hpp"
#include "approval/token_store.hpp"
#include "apps/identity/assertion_signer.hpp"
#include "operations/operations.hpp"
#include "policy/async/gate_service.hpp"
#include "policy/policy_test_support.hpp"
#include "storage/open_storage.hpp"
#include "web/app.hpp"
#include "web/forms.hpp"
#include "web/sign_in_mailer.hpp"

namespace gatehouse::web::testing {

using namespace std::chrono_literals;
using policy::testing::level;
using policy::testing::make_rule;
using policy::testing::standard_people;

constexpr const char* public_url = "https://gate.example";

class recording_mailer final : public sign_in_mailer {
 public:
  void send_sign_in(const config::user& person, const std::string& url) override {
    sent.emplace_back(person.name, url);
  }
  std::vector<std::pair<std::string, std::string>> sent;
};

class WebApp : public ::testing::Test {
 protected:
  void SetUp() override { start(config::condition::any, false); }

  void start(config::condition condition, bool require_sign_in) {
    auto rule = make_rule("approve-web", config::rule_mode::approve, {"group:developers"},
                          {"web01"}, {"*"}, {level({"bob", "carol"}, condition)});
    rule.pending_timeout = std::chrono::minutes(30);
    rule.max_duration = std::chrono::hours(8);
    auto builder = standard_people().rule(rule);
    builder.raw().listen.http =
        config::http_listener{{"127.0.0.1", 8443}, "", "", public_url, require_sign_in, ""};
    if (shape_config) shape_config(builder);
    for (auto& u : builder.raw().users) u.email = u.name + "@example.com";
    cfg_ = builder.build();
    dir_ = std::filesystem::temp_directory_path() /
           ("web-app-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = (dir_ / "gate.db").string();
    auto s = storage::open_storage("sqlite:" + db);
    ASSERT_TRUE(s) << s.message();
    store_ = std::move(s->store);
    tokens_ = std::move(s->tokens);
    access_ = std::make_unique<policy::access_service>(cfg_, *store_, audit_, notifier_, clock_);
    gate_ = std::make_unique<policy::gate_service>(io_, *access_, *store_, clock_);
    ops_ = std::make_unique<operations::service>(
        *gate_, no_sessions_, operations::http_token_issuing{*tokens_, audit_, clock_});
    links_ = std::make_unique<approval::public_links>(*tokens_, public_url, clock_);
    app_context pages{*gate_, *ops_, *tokens_, clock_, [this] { return cfg_; },
                      mailer_, [] { return std::size_t{0}; }};
    pages.assertion_signer = signer_.get();
    pages.launch_app = launch_app;
    app_ = std::make_unique<app>(std::move(pages));
    auto filed = access_->file_request(policy::testing::to("alice"), {"deploy 4.2"});
    ASSERT_TRUE(filed) << filed.message();
    request_ = *filed;
    gate_->changed();  // the change feed tells the gate (and /metrics) of the request
  }

  void TearDown() override {
    app_.reset();
    ops_.reset();
    gate_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string link_for(const std::string& approver) {
    auto url = links_->approval_url(request_.id, approver, request_.pending_until);
    return url.substr(std::string(public_url).size());
  }

  web_reply get(const std::string& path, const std::string& cookie = "") {
    return app_->handle({"GET", path, "", "", cookie, "", "127.0.0.1:1"});
  }
  web_reply post(const std::string& path, const std::string& body,
                 const std::string& origin = public_url, const std::string& cookie = "") {
    return app_->handle(
        {"POST", path, body, "application/x-www-form-urlencoded", cookie, origin, "127.0.0.1:1"});
  }

  static std::string csrf_in(const std::string& html) {
    std::smatch m;
    if (!std::regex_search(html, m, std::regex("name=\"csrf\" value=\"([^\"]+)\""))) return "";
    return m[1];
  }

  static std::string header(const web_reply& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }

  policy::request current() { return *access_->get_request(request_.id); }

  // The path of the last sign-in link mailed.
  std::string mailed_path() const {
    if (mailer_.sent.empty()) return "/sign-in/none";
    return mailer_.sent.back().second.substr(std::string(public_url).size());
  }

  // What a browser does with a sign-in link: opens it (the page sets the sign-in cookie and
  // carries the form token), then presses the button (from `origin`).
  web_reply follow_sign_in_link(const std::string& path, const std::string& origin = public_url) {
    auto page = get(path);
    auto set = header(page, "Set-Cookie");
    return app_->handle({"POST", path, "csrf=" + url_encode(csrf_in(page.body)),
                         "application/x-www-form-urlencoded", set.substr(0, set.find(';')), origin,
                         "127.0.0.1:1"});
  }

  // Signs `person` in through the mailed link; returns the Cookie header to send.
  std::string sign_in(const std::string& person) {
    post("/sign-in", "who=" + person + "&next=/my/approvals");
    EXPECT_FALSE(mailer_.sent.empty());
    auto done = follow_sign_in_link(mailed_path());
    EXPECT_EQ(done.status, 303);
    auto cookie = header(done, "Set-Cookie");
    return cookie.substr(0, cookie.find(';'));
  }

  // Set before start(): more configuration (servers, rules) and the portal's launcher.
  std::function<void(policy::testing::config_builder&)> shape_config;
  decltype(app_context::launch_app) launch_app;

  std::shared_ptr<const config::config> cfg_;
  std::filesystem::path dir_;
  manual_clock clock_{policy::testing::t0()};
  boost::asio::io_context io_;
  std::unique_ptr<policy::store> store_;
  policy::testing::recording_audit audit_;
  policy::testing::recording_notifier notifier_;
  std::unique_ptr<policy::access_service> access_;
  std::unique_ptr<policy::gate_service> gate_;
  operations::no_live_sessions no_sessions_;
  std::unique_ptr<operations::service> ops_;
  std::unique_ptr<approval::token_store> tokens_;
  std::unique_ptr<approval::public_links> links_;
  std::unique_ptr<apps::assertion_signer> signer_ = apps::assertion_signer::generate();
  recording_mailer mailer_;
  std::unique_ptr<app> app_;
  policy::request request_;
};

}  // namespace gatehouse::web::testing
