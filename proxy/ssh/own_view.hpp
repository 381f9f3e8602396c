#pragma once
// `ssh person@gate` with no target (SPEC "SSH"): a session channel served by Gatehouse
// itself. A shell prints the person's grants and requests; an exec runs one command
// (`request root@web01 --reason R`, `requests`, `cancel N`, `approve N --comment C`, ...)
// through own_commands::run_command, prints its output and exits with its status. pty-req and env
// are accepted and ignored; anything else is refused.
//
// Ownership: the connection owns its own_view_channels; each owns its ssh_channel.
// The connection's io thread only; the commands answer on it (own_commands' *_async calls).
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/ssh/own_commands.hpp"

namespace gatehouse::proxy::ssh {

// Splits a command line like a POSIX shell would for plain words: blanks separate words;
// '...' and "..." group (backslash escapes inside "..." and outside quotes). No expansion.
std::vector<std::string> split_command_line(std::string_view line);

class own_view_channel {
 public:
  // Accepts the CHANNEL_OPEN `open` (takes ownership). `wake` is called when an answer of
  // `commands` arrives after the request that asked for it (the connection then steps).
  own_view_channel(ssh_message open, own_commands& commands, std::string person,
                   std::function<void()> wake);
  ~own_view_channel();
  own_view_channel(const own_view_channel&) = delete;
  own_view_channel& operator=(const own_view_channel&) = delete;

  void add_request(ssh_message request);  // takes ownership
  bool owns(ssh_channel c) const { return c != nullptr && c == channel_; }
  void step();
  bool finished() const { return channel_ == nullptr; }

 private:
  void respond(const command_result& r);
  void answered(command_result r);  // the command's output is ready to write
  static void on_close(ssh_session, ssh_channel, void* self);

  own_commands& commands_;
  std::string person_;
  std::function<void()> wake_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for answers still to come
  bool answering_ = false;  // inside add_request: an answer arriving now needs no wake
  bool waiting_ = false;    // a command runs; nothing to write yet
  ssh_channel channel_ = nullptr;
  ssh_channel_callbacks_struct callbacks_{};
  bool started_ = false;
  bool pty_ = false, converted_ = false;
  std::string out_, err_;
  int exit_code_ = 0;
  bool responded_ = false, closed_by_peer_ = false;
};

}  // namespace gatehouse::proxy::ssh
