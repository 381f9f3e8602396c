#include "proxy/ssh/own_view.hpp"

#include <libssh/callbacks.h>

#include <algorithm>
#include <utility>

#include "proxy/ssh/texts.hpp"

namespace gatehouse::proxy::ssh {

std::vector<std::string> split_command_line(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::exchange(word, {}));
      in_word = false;
    } else if (c == '\'') {
      in_word = true;
      auto end = line.find('\'', i + 1);
      if (end == std::string_view::npos) end = line.size();
      word.append(line.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      in_word = true;
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size() &&
            (line[i + 1] == '"' || line[i + 1] == '\\' || line[i + 1] == '$' || line[i + 1] == '`'))
          ++i;
        word += line[i];
      }
    } else if (c == '\\' && i + 1 < line.size()) {
      in_word = true;
      word += line[++i];
    } else {
      in_word = true;
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

own_view_channel::own_view_channel(ssh_message open, own_commands& commands, std::string person,
                                   std::function<void()> wake)
    : commands_(commands),
      person_(std::move(person)),
      wake_(std::move(wake)),
      channel_(ssh_message_channel_request_open_reply_accept(open)) {
  ssh_message_free(open);
  if (channel_ == nullptr) return;
  ssh_callbacks_init(&callbacks_);
  callbacks_.userdata = this;
  callbacks_.channel_close_function = &own_view_channel::on_close;
  ssh_add_channel_callbacks(channel_, &callbacks_);
}

own_view_channel::~own_view_channel() {
  if (channel_ != nullptr) {
    ssh_remove_channel_callbacks(channel_, &callbacks_);
    ssh_channel_free(channel_);
  }
}

void own_view_channel::on_close(ssh_session, ssh_channel, void* self) {
  static_cast<own_view_channel*>(self)->closed_by_peer_ = true;
}

void own_view_channel::add_request(ssh_message request) {
  int type = ssh_message_subtype(request);
  bool ok = false;
  if (!started_) {
    switch (type) {
      case SSH_CHANNEL_REQUEST_PTY: ok = pty_ = true; break;
      case SSH_CHANNEL_REQUEST_ENV:
      case SSH_CHANNEL_REQUEST_WINDOW_CHANGE: ok = true; break;
      case SSH_CHANNEL_REQUEST_SHELL:
        ok = started_ = waiting_ = answering_ = true;
        commands_.own_view_async(
            person_, [this, alive = std::weak_ptr<bool>(alive_)](const std::string& view) {
              if (!alive.expired()) answered({0, ascii_only(view, true), {}});
            });
        answering_ = false;
        break;
      case SSH_CHANNEL_REQUEST_EXEC: {
        ok = started_ = waiting_ = answering_ = true;
        const char* line = ssh_message_channel_request_command(request);
        commands_.run_command_async(
            person_, split_command_line(line ? line : ""),
            [this, alive = std::weak_ptr<bool>(alive_)](command_result result) {
              if (!alive.expired()) answered(std::move(result));
            });
        answering_ = false;
        break;
      }
      default: break;
    }
  } else if (type == SSH_CHANNEL_REQUEST_WINDOW_CHANGE) {
    ok = true;
  }
  if (ok)
    ssh_message_channel_request_reply_success(request);
  else
    ssh_message_reply_default(request);
  ssh_message_free(request);
}

void own_view_channel::answered(command_result r) {
  out_ = std::move(r.out);
  err_ = std::move(r.err);
  exit_code_ = r.exit_code;
  if (pty_ && !converted_) {  // a terminal in raw mode needs CR LF
    converted_ = true;
    for (auto* text : {&out_, &err_}) {
      std::string crlf;
      for (char c : *text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
      *text = std::move(crlf);
    }
  }
  waiting_ = false;
  if (!answering_ && wake_) wake_();
}

void own_view_channel::step() {
  if (channel_ == nullptr) return;
  if (closed_by_peer_) {
    ssh_channel_close(channel_);
    ssh_remove_channel_callbacks(channel_, &callbacks_);
    ssh_channel_free(channel_);
    channel_ = nullptr;
    return;
  }
  if (!started_ || waiting_ || responded_) return;
  auto write = [&](std::string& data, bool is_stderr) {
    while (!data.empty()) {
      auto window = ssh_channel_window_size(channel_);
      if (window == 0) return false;
      auto n = std::min<std::size_t>({data.size(), window, 32768});
      int w = is_stderr ? ssh_channel_write_stderr(channel_, data.data(), n)
                        : ssh_channel_write(channel_, data.data(), n);
      if (w <= 0) return w == 0 ? false : (data.clear(), true);
      data.erase(0, static_cast<std::size_t>(w));
    }
    return true;
  };
  if (!write(out_, false) || !write(err_, true)) return;
  ssh_channel_request_send_exit_status(channel_, exit_code_);
  ssh_channel_send_eof(channel_);
  ssh_channel_close(channel_);
  responded_ = true;
}

}  // namespace gatehouse::proxy::ssh
