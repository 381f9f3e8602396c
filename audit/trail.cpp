#include "audit/trail.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <variant>

#include "audit/anchor.hpp"

namespace gatehouse::audit {

namespace {
// The log's options; a signing key that cannot be loaded leaves the log unwritable, so that
// nothing is written unsigned (fail closed).
log_options options_for(const config::audit_settings& settings, const std::string& instance) {
  log_options out{settings.log, settings.max_file_size, {}, settings.checkpoint_every, instance};
  if (settings.signing_key.empty()) return out;
  auto key = load_signing_key(settings.signing_key);
  if (auto* why = std::get_if<1>(&key)) {
    out.key_problem = *why;
  } else {
    out.signing_key = std::move(std::get<0>(key));
  }
  return out;
}

// Events of every request of a web app and every SFTP file: with a durable log they are in it,
// and in the daemon's own log at that rate (thousands a second) they would drown the rest
// (and cost a write each): that log has them only at debug level.
bool per_request_event(const std::string& name) {
  return name == "http.request" || name == "sftp.open" || name == "sftp.close" ||
         name == "sftp.opendir";
}
}  // namespace

trail::trail(const config::audit_settings& settings, const std::string& instance_name) {
  if (!settings.log.empty())
    log_ = std::make_unique<event_log>(options_for(settings, instance_name));
  apply(settings);
}

void trail::record(const policy::audit_event& event) { record_before_change(event); }

bool trail::record_before_change(const policy::audit_event& event) {
  bool written = true;
  if (log_) {
    written = log_->write(event);
  } else if (syslog_) {
    std::lock_guard lock(unlogged_mutex_);
    auto line = format_line(event, unlogged_);
    unlogged_ = {unlogged_.seq + 1, line.hash};
    forward(event, line.text, unlogged_.seq, line.hash);
  }
  if (!log_ || !per_request_event(event.name)) {
    lines_.record(event);
  } else if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug("{}", policy::log_audit_sink::line(event));
  }
  return written || !refuse_on_failure_.load();
}

void trail::forward(const policy::audit_event& e, const std::string& line, std::uint64_t seq,
                    const std::string& hash) {
  syslog_->submit(syslog_message(origin_, e.name, format_rfc3339(e.at), seq, hash, line));
}

std::string trail::start_syslog(boost::asio::io_context& io, const std::string& url,
                                const std::string& ca_file) {
  if (url.empty()) return {};
  std::string error;
  syslog_ = syslog_forwarder::create(io, url, ca_file, error);
  if (!syslog_) return error;
  char host[256] = {};
  origin_.hostname = ::gethostname(host, sizeof host - 1) == 0 ? host : "-";
  origin_.pid = ::getpid();
  if (log_)
    log_->on_written([this](const policy::audit_event& e, const std::string& line,
                            std::uint64_t seq,
                            const std::string& hash) { forward(e, line, seq, hash); });
  spdlog::info("audit: forwarding to syslog {}", url);
  return {};
}

void trail::stop_syslog() {
  if (log_) log_->on_written(nullptr);
  if (syslog_) syslog_->stop();
}

bool trail::sessions_allowed() const {
  return !log_ || log_->writable() || !refuse_on_failure_.load();
}

void trail::apply(const config::audit_settings& settings) {
  refuse_on_failure_ = settings.on_write_failure == config::write_failure::refuse;
  if ((log_ ? log_->path() : std::string()) != settings.log)
    spdlog::warn("reload: audit.log changed; it takes effect at the next restart");
}

void trail::flush() {
  if (log_) log_->flush();
}

void trail::seal() {
  if (log_) log_->seal();
}

verify_options trail::verify_options_now() const {
  return log_ ? log_->verify_options_now() : verify_options{};
}

void trail::reopen() {
  if (log_) log_->reopen();
}

boost::json::object trail::status() const {
  boost::json::object out{{"log", nullptr}};
  if (log_) {
    out = {{"log", log_->path()},
           {"writable", log_->writable()},
           {"write_failures", log_->write_failures()},
           {"seq", log_->position().seq},
           {"sessions_allowed", sessions_allowed()}};
  }
  if (syslog_) out["syslog"] = syslog_->status();
  return out;
}

}  // namespace gatehouse::audit
