#pragma once
// One channel of a proxied connection: the person's channel (server side, `down`) paired
// with a channel Gatehouse opens on the target (client side, `up`) - research/tech.md §1.2.
//
//   open      the person's CHANNEL_OPEN is held until the target accepted (or refused) the
//             matching channel: `session`, or `direct-tcpip` when the rule allows forwarding;
//   requests  pty-req, env, exec, shell, subsystem sftp, window-change and signal are passed
//             on in order, each answered to the person with the target's answer; env only
//             for names on ssh.accept_env (env_names.hpp); x11 and other subsystems are
//             refused;
//   data      both ways, stdout and stderr, with flow control: a direction reads its source
//             only while the destination session has no buffered output and a window > 0;
//             the person's data waits until the target has answered every request before it
//             (no input before `exec`). Data callbacks only count what libssh buffered (they
//             consume nothing), so moving data never reads a socket and backlog() is known
//             without I/O: the connection stops reading a socket whose data backs up;
//   end       EOF, exit-status / exit-signal and CLOSE are passed on in protocol order;
//   audit     exec command lines, env requests (forwarded or refused), the file operations
//             of sftp (sftp_audit.hpp), and a recording of every pty channel (recorder.hpp),
//             with audit.record: all of shells without a pty and exec channels too. An sftp
//             stream the observer cannot audit ends the session (audit_failure()).
//
// Ownership: the connection owns its relays; a relay owns its two ssh_channels and every
// ssh_message it holds, and removes its libssh callbacks before freeing the channels. It must
// be destroyed before either session is disconnected. io_context thread only.
#include <boost/json/object.hpp>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::audit {
class asciicast_recorder;
}

namespace gatehouse::proxy::ssh {

class sftp_observer;

struct relay_context {
  ssh_session down = nullptr;  // the person's session
  ssh_session up = nullptr;    // the target session
  bool allow_port_forwarding = false;
  std::uint64_t* bytes_in = nullptr;   // person -> target payload
  std::uint64_t* bytes_out = nullptr;  // target -> person payload
  // Audit events: exec.command {command}, session.channel {request}, session.env {name,
  // value, forwarded}, forward.open {destination}, and the sftp.* events of sftp_observer.
  std::function<void(std::string_view event, boost::json::object fields)> event;
  // Starts the recording of a terminal (pty) channel; null when recording is off or failed.
  std::function<std::unique_ptr<audit::asciicast_recorder>(std::string_view term, int cols, int rows)>
      open_recording;
  bool record_input = false;  // recordings also get what the person typed (audit.record_input)
  bool record_exec = false;   // exec channels are recorded too (audit.record all, or
                              // audit.record_exec_output)
  bool record_plain_shell = false;      // shells without a pty too (audit.record: all)
  std::vector<std::string> accept_env;  // ssh.accept_env: env names passed on
};

class channel_relay {
 public:
  // Takes ownership of `open`, a CHANNEL_OPEN of type session or direct-tcpip.
  channel_relay(relay_context& context, ssh_message open);
  ~channel_relay();
  channel_relay(const channel_relay&) = delete;
  channel_relay& operator=(const channel_relay&) = delete;

  // A CHANNEL_REQUEST on this relay's person-side channel; takes ownership.
  void add_request(ssh_message request);
  bool owns(ssh_channel down) const { return down != nullptr && down == down_; }

  // Moves what can be moved now; true when it stopped only because of its budget.
  bool step();
  bool finished() const { return state_ == state::done; }
  // A peer sent far more than its window allowed (see blocked()).
  bool flooded() const { return flooded_; }
  // Why the channel's traffic can no longer be audited ("sftp audit: path longer than 8 KiB;
  // session ended"), or empty. The connection then ends the session with this reason.
  const std::string& audit_failure() const { return audit_failure_; }
  // Bytes from `source` (the person's or the target's session) waiting in libssh because
  // their destination is slower.
  std::size_t backlog(ssh_session source) const;

  // "\r\n[gatehouse] text\r\n" on the person's stderr, for shells and commands (not for
  // sftp or forwarded ports, whose streams are binary).
  void note(std::string_view text);

 private:
  enum class state { opening, open, done };
  enum class kind { session, direct_tcpip };
  struct pending_request {
    ssh_message message = nullptr;  // null for a signal
    std::string signal;
  };
  struct direction {
    std::vector<char> pending;  // read from the source, not yet accepted by the destination
    std::size_t buffered = 0;   // waiting in libssh's buffer (data callbacks, minus our reads)
    bool remote_eof = false;    // the source sent EOF or CLOSE
    bool source_eof = false;    // ... and everything before it has been read
  };

  bool open_upstream();
  void run_requests();
  int forward_request(ssh_message m);  // SSH_OK, SSH_ERROR (refused) or SSH_AGAIN
  int forward_env(ssh_message m);
  bool observe_sftp(const direction& d, const char* data, std::size_t size);
  void write_note(std::string_view text);
  bool move(ssh_channel from, ssh_channel to, ssh_session to_session, bool is_stderr, direction& d,
            std::uint64_t* counter);
  bool blocked(const direction& d);
  void drop_person_stderr();
  void pass_ends();
  void send_exit_info();
  void refuse_open();
  void release();
  void emit(std::string_view event, boost::json::object fields);

  static int on_up_data(ssh_session, ssh_channel, void* data, uint32_t len, int is_stderr,
                        void* self);
  static void on_up_eof(ssh_session, ssh_channel, void* self);
  static void on_up_close(ssh_session, ssh_channel, void* self);
  static void on_up_exit_status(ssh_session, ssh_channel, int status, void* self);
  static void on_up_exit_signal(ssh_session, ssh_channel, const char* signal, int core,
                                const char* errmsg, const char* lang, void* self);
  static int on_down_data(ssh_session, ssh_channel, void* data, uint32_t len, int is_stderr,
                          void* self);
  static void on_down_eof(ssh_session, ssh_channel, void* self);
  static void on_down_close(ssh_session, ssh_channel, void* self);
  static void on_down_signal(ssh_session, ssh_channel, const char* signal, void* self);
  // libssh 0.10 handles auth-agent-req@openssh.com itself (never an ssh_message, no reply:
  // OpenSSH asks without want-reply); this callback only lets the relay tell the person.
  static void on_down_agent_request(ssh_session, ssh_channel, void* self);
  void tell_agent_refused();

  relay_context& context_;
  kind kind_ = kind::session;
  state state_ = state::opening;
  ssh_message open_ = nullptr;
  ssh_channel down_ = nullptr;
  ssh_channel up_ = nullptr;
  ssh_channel_callbacks_struct down_callbacks_{};
  ssh_channel_callbacks_struct up_callbacks_{};
  std::deque<pending_request> requests_;
  bool request_announced_ = false;
  std::optional<std::string> exec_command_;  // for the exec.exit event
  bool textual_ = false;                     // shell or exec: notes may be written to stderr
  bool agent_requested_ = false, agent_told_ = false;
  std::unique_ptr<sftp_observer> sftp_;
  std::unique_ptr<audit::asciicast_recorder> recording_;

  direction out_;     // target stdout -> person
  direction err_;     // target stderr -> person
  direction in_;      // person -> target stdin
  direction in_err_;  // the person's extended data: read and dropped (no program reads it)

  bool up_closed_ = false, down_closed_ = false;
  bool down_eof_sent_ = false, up_eof_sent_ = false;
  bool down_close_sent_ = false, up_close_sent_ = false;
  std::optional<int> exit_status_;
  std::optional<std::string> exit_signal_;
  bool exit_core_ = false;
  bool exit_sent_ = false;
  bool flooded_ = false;
  std::string audit_failure_;
  std::string exit_errmsg_;
};

}  // namespace gatehouse::proxy::ssh
