#include "proxy/ssh/sftp_audit.hpp"

#include <algorithm>
#include <optional>

#include "proxy/ssh/sftp_packet_types.hpp"

namespace gatehouse::proxy::ssh {

namespace {

constexpr std::uint32_t max_packet = 256 * 1024 + 1024;  // OpenSSH SFTP_MAX_MSG_LENGTH + slack
constexpr std::size_t max_path = 8192;                   // twice Linux's PATH_MAX
constexpr std::uint32_t head_cap = 2 * max_path + 64;    // two such paths and the headers
constexpr std::size_t max_outstanding = 10000;
constexpr const char* too_long = "path longer than 8 KiB";

using namespace gatehouse::sftp;  // the packet types

class reader {
 public:
  explicit reader(std::string_view p) : p_(p) {}
  std::optional<std::uint8_t> u8() {
    if (at_ + 1 > p_.size()) return std::nullopt;
    return static_cast<std::uint8_t>(p_[at_++]);
  }
  std::optional<std::uint32_t> u32() {
    if (at_ + 4 > p_.size()) return std::nullopt;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(p_[at_++]);
    return v;
  }
  std::optional<std::uint64_t> u64() {
    auto hi = u32(), lo = u32();
    if (!hi || !lo) return std::nullopt;
    return (std::uint64_t{*hi} << 32) | *lo;
  }
  std::optional<std::string> str() {
    auto n = u32();
    if (!n || at_ + *n > p_.size()) return std::nullopt;
    std::string s(p_.substr(at_, *n));
    at_ += *n;
    return s;
  }

 private:
  std::string_view p_;
  std::size_t at_ = 0;
};

std::string open_flags(std::uint32_t f) {
  static const std::pair<std::uint32_t, const char*> names[] = {
      {0x01, "read"},   {0x02, "write"},    {0x04, "append"},
      {0x08, "create"}, {0x10, "truncate"}, {0x20, "exclusive"}};
  std::string out;
  for (auto [bit, name] : names)
    if (f & bit) {
      if (!out.empty()) out += ',';
      out += name;
    }
  return out;
}

}  // namespace

void sftp_observer::feed(stream& s, const char* data, std::size_t size, bool client) {
  while (size > 0 && !stopped_) {
    if (!s.in_body) {
      auto take = std::min<std::size_t>(4 - s.head.size(), size);
      s.head.append(data, take);
      data += take;
      size -= take;
      if (s.head.size() < 4) return;
      reader r(s.head);
      s.length = *r.u32();
      s.head.clear();
      if (s.length == 0 || s.length > max_packet)
        return stop("packet length " + std::to_string(s.length) + " out of range");
      s.in_body = true;
      s.consumed = 0;
      s.keep = std::min(s.length, head_cap);
      continue;
    }
    auto take = static_cast<std::uint32_t>(std::min<std::size_t>(s.length - s.consumed, size));
    if (s.consumed < s.keep) s.head.append(data, std::min(take, s.keep - s.consumed));
    s.consumed += take;
    data += take;
    size -= take;
    if (s.consumed < s.length) return;
    if (client)
      on_client_packet(s.head, s.length);
    else
      on_server_packet(s.head, s.length);
    s.in_body = false;
    s.head.clear();
  }
}

void sftp_observer::on_client_packet(std::string_view p, std::uint32_t length) {
  reader r(p);
  auto type = r.u8();
  if (!type || *type == fxp_init) return;
  // A field that does not fit is either cut off by head_cap (a path too long to keep) or
  // beyond the packet's end (malformed).
  auto unreadable = [&] { return stop(p.size() < length ? too_long : "malformed request"); };
  auto id = r.u32();
  if (!id) return unreadable();
  auto path_ok = [&](const std::optional<std::string>& path) {
    if (path && path->size() <= max_path) return true;
    if (path)
      stop(too_long);
    else
      unreadable();
    return false;
  };
  auto one_path = [&](std::string_view event) {
    auto path = r.str();
    if (path_ok(path)) report_(event, {{"path", *path}});
  };
  auto two_paths = [&](std::string_view event, const char* first, const char* second) {
    auto a = r.str();
    if (!path_ok(a)) return;
    auto b = r.str();
    if (path_ok(b)) report_(event, {{first, *a}, {second, *b}});
  };
  switch (*type) {
    case fxp_open:
    case fxp_opendir: {
      auto path = r.str();
      if (!path_ok(path)) return;
      if (pending_.size() >= max_outstanding) return stop("more than 10,000 outstanding requests");
      pending_[*id] = {*type, *path};
      if (*type == fxp_open) {
        auto flags = r.u32();
        report_("sftp.open", {{"path", *path}, {"flags", open_flags(flags.value_or(0))}});
      } else {
        report_("sftp.opendir", {{"path", *path}});
      }
      return;
    }
    case fxp_close: {
      auto handle = r.str();
      if (!handle) return unreadable();
      if (auto it = handles_.find(*handle); it != handles_.end()) {
        if (!it->second.directory)
          report_("sftp.close", {{"path", it->second.path},
                                 {"bytes_read", it->second.read},
                                 {"bytes_written", it->second.written}});
        handles_.erase(it);
      }
      return;
    }
    case fxp_read: {
      auto handle = r.str();
      if (!handle) return unreadable();
      if (reads_.size() >= max_outstanding) return stop("more than 10,000 outstanding requests");
      reads_[*id] = *handle;
      return;
    }
    case fxp_write: {
      auto handle = r.str();
      auto offset = r.u64();
      auto n = r.u32();
      if (!handle || !offset || !n) return unreadable();
      if (auto it = handles_.find(*handle); it != handles_.end()) it->second.written += *n;
      return;
    }
    case fxp_setstat: return one_path("sftp.setstat");
    case fxp_fsetstat: {
      auto handle = r.str();
      if (!handle) return unreadable();
      if (auto it = handles_.find(*handle); it != handles_.end())
        report_("sftp.setstat", {{"path", it->second.path}});
      return;
    }
    case fxp_remove: return one_path("sftp.remove");
    case fxp_mkdir: return one_path("sftp.mkdir");
    case fxp_rmdir: return one_path("sftp.rmdir");
    case fxp_rename: return two_paths("sftp.rename", "path", "to");
    // OpenSSH sends SYMLINK's arguments reversed (PROTOCOL §4.1): target first, then link.
    case fxp_symlink: return two_paths("sftp.symlink", "target", "path");
    case fxp_extended: {
      auto name = r.str();
      if (!name) return unreadable();
      if (*name == "posix-rename@openssh.com") return two_paths("sftp.rename", "path", "to");
      if (*name == "hardlink@openssh.com") return two_paths("sftp.hardlink", "target", "path");
      if (*name == "lsetstat@openssh.com") return one_path("sftp.setstat");
      return;
    }
    default: return;
  }
}

void sftp_observer::on_server_packet(std::string_view p, std::uint32_t) {
  reader r(p);
  auto type = r.u8();
  if (!type || *type == fxp_version) return;
  auto id = r.u32();
  if (!id) return stop("malformed reply");
  switch (*type) {
    case fxp_handle: {
      auto handle = r.str();
      auto it = pending_.find(*id);
      if (handle && it != pending_.end()) {
        if (handles_.size() >= max_outstanding) return stop("more than 10,000 open handles");
        handles_[*handle] = {it->second.path, 0, 0, it->second.type == fxp_opendir};
      }
      break;
    }
    case fxp_data: {
      auto n = r.u32();
      if (auto it = reads_.find(*id); it != reads_.end() && n) {
        if (auto h = handles_.find(it->second); h != handles_.end()) h->second.read += *n;
      }
      break;
    }
    default: break;
  }
  pending_.erase(*id);
  reads_.erase(*id);
}

void sftp_observer::stop(const std::string& why) {
  if (stopped_) return;
  stopped_ = true;
  failure_ = why;
  report_("sftp.unparsed", {{"reason", why}});
  pending_.clear();
  reads_.clear();
}

void sftp_observer::finish() {
  for (auto& [handle, h] : handles_) {
    if (!h.directory)
      report_("sftp.close",
              {{"path", h.path}, {"bytes_read", h.read}, {"bytes_written", h.written}});
  }
  handles_.clear();
}

}  // namespace gatehouse::proxy::ssh
