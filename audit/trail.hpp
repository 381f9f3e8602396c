#pragma once
// The daemon's audit trail: the durable event log when `audit.log` is set (event_log), one
// daemon log line per event (per-request events - http.request, sftp.open/close/opendir - only
// at debug level when the durable log has them), and the session gate's health rule
// (audit.on_write_failure).
// The daemon owns one and hands it to every part as their policy::audit_sink.
#include <boost/json/object.hpp>

#include <atomic>
#include <memory>
#include <mutex>

#include "audit/event_log.hpp"
#include "audit/syslog_format.hpp"
#include "audit/syslog_forwarder.hpp"
#include "config/config.hpp"
#include "policy/audit_sink.hpp"

namespace gatehouse::audit {

class trail final : public policy::audit_sink {
 public:
  // `instance_name` is named in a new chain's genesis record. An audit.signing_key that cannot
  // be loaded leaves the log unwritable (the loader refuses such a configuration first).
  explicit trail(const config::audit_settings& settings, const std::string& instance_name = "");

  void record(const policy::audit_event& event) override;
  // False when the log could not take the event and audit.on_write_failure is `refuse`.
  bool record_before_change(const policy::audit_event& event) override;

  // False when the log cannot be written and audit.on_write_failure is `refuse`: front ends
  // then turn new sessions away ("audit log unavailable").
  bool sessions_allowed() const;

  // A reload: takes the new on_write_failure; a changed log path needs a restart (warned).
  void apply(const config::audit_settings& settings);
  void reopen();  // SIGHUP
  void flush();   // the daemon, every second: see event_log::flush()
  void seal();    // the daemon, as it stops: the final checkpoint (event_log::seal())
  // What `audit verify` holds the configured log to (event_log::verify_options_now()).
  verify_options verify_options_now() const;
  // Starts the audit.syslog forward on the daemon's io_context; "" or the problem.
  std::string start_syslog(boost::asio::io_context& io, const std::string& url,
                           const std::string& ca_file);
  void stop_syslog();

  event_log* log() { return log_.get(); }
  // {"log", "writable", "write_failures", "seq", "sessions_allowed", "syslog"} for /v1/status.
  boost::json::object status() const;

 private:
  void forward(const policy::audit_event& e, const std::string& line, std::uint64_t seq,
               const std::string& hash);

  std::unique_ptr<event_log> log_;
  std::unique_ptr<syslog_forwarder> syslog_;
  syslog_origin origin_;
  std::mutex unlogged_mutex_;  // without audit.log, the forward still numbers and chains lines
  chain_position unlogged_;
  policy::log_audit_sink lines_;
  std::atomic<bool> refuse_on_failure_{true};
};

}  // namespace gatehouse::audit
