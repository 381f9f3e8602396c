#include "apps/app_front_end.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "apps/front_end_state.hpp"
#include "apps/identity/assertion_signer.hpp"
#include "core/time.hpp"

namespace gatehouse::apps {

namespace {
constexpr std::chrono::minutes idle_limit{30};  // an app session nobody used for this long ends
constexpr std::size_t held_per_person = 10, held_per_source = 20;  // as rdp's defaults
}  // namespace

app_front_end::state::state(boost::asio::any_io_executor ex,
                            std::function<std::shared_ptr<const config::config>()> config,
                            parts p)
    : executor(ex),
      current_config(std::move(config)),
      services(std::move(p)),
      holds(std::make_shared<proxy::session::hold_context>(ex, services.gate, held_per_person,
                                                           held_per_source)),
      sweep_(ex) {
  holds->sessions_allowed = services.sessions_allowed;
}

const app_directory& app_front_end::state::directory() {
  auto cfg = current_config();
  if (cfg != directory_of_) {
    directory_ = app_directory(*cfg);
    directory_of_ = std::move(cfg);
  }
  return directory_;
}

upstream_pool* app_front_end::state::pool_for(const app_entry& app) {
  auto& entry = pools_[app.name];
  if (!entry.pool || entry.url != app.url || entry.ca_file != app.ca_file) {
    auto target = parse_upstream(app.url, app.ca_file);
    if (auto* why = std::get_if<std::string>(&target)) {
      spdlog::warn("http app {}: cannot use upstream {}: {}", app.name, app.url, *why);
      return nullptr;
    }
    entry = pool_entry{app.url, app.ca_file,
                       std::make_unique<upstream_pool>(executor, std::get<0>(target), limits)};
  }
  return entry.pool.get();
}

std::string app_front_end::state::public_url() {
  auto cfg = current_config();
  std::string url = cfg->listen.http ? cfg->listen.http->public_url : std::string();
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string app_front_end::state::port_suffix() { return port_suffix_of(public_url()); }

std::shared_ptr<app_session> app_front_end::state::open_session(const std::string& person,
                                                                const app_entry& app,
                                                                const policy::authorization& a,
                                                                app_session::via how,
                                                                const std::string& client) {
  app_session::facts f{"http-" + id_prefix + "-" + std::to_string(++next_id_), person, app.name, client, how,
                       services.clk.now()};
  std::weak_ptr<state> weak = shared_from_this();
  auto s = std::make_shared<app_session>(f, a, [weak](app_session& ended, const std::string& why) {
    if (auto self = weak.lock()) self->closed(ended, why);
  });
  boost::json::object fields{{"session", f.id},
                             {"person", person},
                             {"server", app.name},
                             {"client", client},
                             {"rule", a.rule()},
                             {"via", how == app_session::via::browser ? "browser" : "token"}};
  if (auto g = a.grant()) fields["grant_id"] = *g;
  event("session.start", std::move(fields));

  auto watch = std::make_unique<proxy::session::grant_watch>(executor, services.gate);
  std::weak_ptr<app_session> ws = s;
  proxy::session::grant_watch::handlers on;
  on.warn = [ws](std::chrono::minutes left, time_point end) {
    if (auto s = ws.lock())
      spdlog::info("http {}: grant of {} for {} ends in {} min ({})", s->id(), s->about().person,
                   s->about().app, left.count(), format_rfc3339(end));
  };
  on.ended = [ws, self = weak](const proxy::session::grant_status& g) {
    auto s = ws.lock();
    if (!s) return;
    const std::string grant = "access grant #" + std::to_string(g.id);
    std::string text = grant + " ended";
    if (g.revoked) {
      const std::string by = g.revoked_by.empty() ? "" : " by " + g.revoked_by;
      text += ": revoked" + by;
      s->end(text, "grant revoked" + by);
    } else {
      s->end(text, "grant ended");
    }
    auto st = self.lock();
    if (st && s->about().how == app_session::via::token)
      st->ended_token_grants[{s->about().person, s->about().app}] = text;
  };
  watch->start(a, std::move(on));
  sessions.emplace(f.id, live{s, std::move(watch)});
  services.sessions.add(s);
  if (sessions.size() == 1) sweep_idle();
  return s;
}

void app_front_end::state::closed(app_session& s, const std::string& reason) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(services.clk.now() -
                                                                  s.about().started)
                     .count();
  event("session.end", {{"session", s.id()},
                        {"person", s.about().person},
                        {"server", s.about().app},
                        {"client", s.about().client},
                        {"bytes_in", s.bytes_in()},
                        {"bytes_out", s.bytes_out()},
                        {"requests", s.requests()},
                        {"duration_s", seconds},
                        {"reason", reason}});
  passes.forget_session(s.id());
  const std::string id = s.id();
  // Leave the maps after this call: the session's own caller still holds references.
  boost::asio::post(executor, [weak = weak_from_this(), id] {
    auto self = weak.lock();
    if (!self) return;
    self->sessions.erase(id);
    self->services.sessions.remove(id);
  });
}

void app_front_end::state::sweep_idle() {
  sweep_.expires_after(std::chrono::minutes(1));
  sweep_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<app_session>> idle;
    for (auto& [id, l] : self->sessions)
      if (l.session->live() && now - l.session->last_used() > idle_limit) idle.push_back(l.session);
    for (auto& s : idle) s->end("idle for 30 minutes", "idle");
    if (!self->sessions.empty()) self->sweep_idle();
  });
}

std::shared_ptr<app_session> app_front_end::state::find_session(const std::string& id) const {
  auto it = sessions.find(id);
  return it == sessions.end() || !it->second.session->live() ? nullptr : it->second.session;
}

std::shared_ptr<app_session> app_front_end::state::token_session(const std::string& person,
                                                                 const std::string& app) const {
  for (const auto& [id, l] : sessions) {
    const auto& f = l.session->about();
    if (l.session->live() && f.how == app_session::via::token && f.person == person &&
        f.app == app)
      return l.session;
  }
  return nullptr;
}

void app_front_end::state::event(std::string_view name, boost::json::object fields) {
  fields["protocol"] = "http";
  if (services.events) services.events(name, std::move(fields));
}

std::vector<std::pair<std::string, std::string>> app_front_end::state::identity_headers(
    app_session& s, const app_entry& app, const std::string& origin) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto& person = s.about().person;
  switch (app.identity) {
    case config::pass_identity::none: break;
    case config::pass_identity::header: out.emplace_back("X-Gatehouse-User", person); break;
    case config::pass_identity::jwt: {
      if (!signer) break;
      const auto now = services.clk.now();
      auto& cached = s.assertion;
      if (!cached || cached->audience != origin || cached->expires - now < std::chrono::minutes(1)) {
        const auto expires = assertion_expiry(now, s.authorization().until());
        auto cfg = current_config();
        const auto* user = cfg->find_user(person);
        assertion_claims claims{public_url(), origin, person, user ? user->email : std::string(),
                                s.authorization().grant(), now, expires};
        cached = app_session::cached_assertion{origin, signer->sign(claims), expires};
      }
      out.emplace_back("Gatehouse-Jwt-Assertion", cached->value);
      break;
    }
  }
  return out;
}

app_front_end::app_front_end(boost::asio::any_io_executor executor,
                             std::function<std::shared_ptr<const config::config>()> current_config,
                             parts p)
    : state_(std::make_shared<state>(executor, std::move(current_config), std::move(p))) {}

app_front_end::~app_front_end() {
  for (auto& [id, l] : state_->sessions) l.watch->stop();
}

void app_front_end::set_identity(const assertion_signer* signer, approval::token_store* tokens) {
  state_->signer = signer;
  state_->tokens = tokens;
}

bool app_front_end::serves_host(std::string_view host_header) const {
  return state_->directory().by_host(host_header) != nullptr;
}

std::optional<std::string> app_front_end::launch_url(const std::string& app,
                                                     const policy::authorization& a,
                                                     const std::string& next) {
  const auto* entry = state_->directory().by_name(app);
  if (!entry) return std::nullopt;
  std::string path = next.starts_with('/') && !next.starts_with("//") ? next : "/";
  auto token = state_->passes.issue_launch(launch{a.person(), app, path, a},
                                           std::chrono::steady_clock::now());
  return entry->origin + "/.gatehouse/launch?t=" + token;
}

std::size_t app_front_end::live_sessions() const { return state_->sessions.size(); }

}  // namespace gatehouse::apps
