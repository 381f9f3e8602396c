#include "websftp/sftp_operations.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <deque>

#include "core/json_text.hpp"
#include "web/forms.hpp"
#include "web/http_stream.hpp"
#include "websftp/sftp_limits.hpp"
#include "websftp/sftp_session.hpp"

namespace gatehouse::websftp {

namespace asio = boost::asio;

namespace {
asio::awaitable<void> reply_json(web::streamed_exchange& ex, int status,
                                 const boost::json::object& o) {
  auto body = json_serialize(o) + "\n";
  co_await ex.reply(status, "application/json", std::move(body));
}

// Why a reply is not what was asked: the session's end, or the server's status.
std::string failure_of(const sftp_session& s, const reply& r) {
  if (r.type == reply::kind::status) return status_text(r.status, r.message);
  if (r.type == reply::kind::malformed)
    return s.end_text().empty() ? "the server did not answer" : s.end_text();
  return "unexpected reply from the server";
}

int status_for(const sftp_session& s, const reply& r) {
  if (!s.ready()) return 410;
  if (r.type == reply::kind::status && r.status == fx_no_such_file) return 404;
  if (r.type == reply::kind::status && r.status == 3) return 403;
  return 502;
}

asio::awaitable<void> fail(web::streamed_exchange& ex, const sftp_session& s, const reply& r) {
  co_await reply_error(ex, status_for(s, r), failure_of(s, r));
}

// Waits for the oldest WRITE in flight; the first failure is kept in `failed`.
asio::awaitable<void> settle(sftp_session& s, std::deque<std::uint32_t>& in_flight, bool& ok,
                             reply& failed) {
  auto r = co_await s.wait(in_flight.front());
  in_flight.pop_front();
  if (!(r.type == reply::kind::status && r.status == fx_ok) && ok) {
    ok = false;
    failed = std::move(r);
  }
  co_return;
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  auto name = slash == std::string::npos ? path : path.substr(slash + 1);
  return name.empty() ? "download" : name;
}
}  // namespace

asio::awaitable<void> reply_error(web::streamed_exchange& ex, int status, const std::string& text) {
  boost::json::object o{{"error", text}};
  co_await reply_json(ex, status, o);
}

asio::awaitable<std::string> real_path(sftp_session& s, const std::string& path) {
  auto r = co_await s.call(fxp_realpath, path_body(path));
  if (r.type != reply::kind::name || r.names.empty()) co_return std::string();
  co_return r.names.front().name;
}

asio::awaitable<void> list_directory(web::streamed_exchange& ex, sftp_session& s,
                                     const std::string& path) {
  auto opened = co_await s.call(fxp_opendir, path_body(path));
  if (opened.type != reply::kind::handle) co_return co_await fail(ex, s, opened);
  std::vector<name_entry> entries;
  bool truncated = false;
  reply r;
  for (;;) {
    r = co_await s.call(fxp_readdir, handle_body(opened.handle));
    if (r.type != reply::kind::name) break;
    for (auto& e : r.names) {
      if (e.name == "." || e.name == "..") continue;
      if (entries.size() >= s.settings().max_listing_entries) {
        truncated = true;
        break;
      }
      entries.push_back(std::move(e));
    }
    if (truncated) break;
  }
  co_await s.call(fxp_close, handle_body(opened.handle));
  if (!truncated && !(r.type == reply::kind::status && r.status == fx_eof))
    co_return co_await fail(ex, s, r);
  std::sort(entries.begin(), entries.end(), [](const name_entry& a, const name_entry& b) {
    if (a.attrs.directory() != b.attrs.directory()) return a.attrs.directory();
    return a.name < b.name;
  });
  boost::json::array list;
  for (const auto& e : entries) {
    boost::json::object o{{"name", e.name}, {"dir", e.attrs.directory()}};
    if (e.attrs.size) o["size"] = *e.attrs.size;
    if (e.attrs.mtime) o["mtime"] = *e.attrs.mtime;
    list.push_back(std::move(o));
  }
  boost::json::object out{{"path", path}, {"entries", std::move(list)}, {"truncated", truncated}};
  co_await reply_json(ex, 200, out);
}

asio::awaitable<void> download_file(web::streamed_exchange& ex, sftp_session& s,
                                    const std::string& path) {
  auto stat = co_await s.call(fxp_stat, path_body(path));
  if (stat.type != reply::kind::attrs) co_return co_await fail(ex, s, stat);
  if (stat.attrs.directory()) co_return co_await reply_error(ex, 400, "that is a folder");
  auto opened = co_await s.call(fxp_open, open_body(path, open_read));
  if (opened.type != reply::kind::handle) co_return co_await fail(ex, s, opened);
  const auto& handle = opened.handle;

  web::reply_head head;
  head.content_type = "application/octet-stream";
  head.headers.emplace_back("Content-Disposition",
                            "attachment; filename*=UTF-8''" + web::url_encode(base_name(path)));
  head.headers.emplace_back("Cache-Control", "no-store");
  auto ec = co_await ex.start_reply(head);
  struct piece {
    std::uint64_t offset;
    std::uint32_t id;
  };
  std::deque<piece> in_flight;
  std::uint64_t next = 0;
  bool eof = false, broken = static_cast<bool>(ec);
  while (!broken && (!eof || !in_flight.empty())) {
    while (!eof && in_flight.size() < pieces_in_flight) {
      auto id = s.send(fxp_read, read_body(handle, next, transfer_piece));
      if (!id) break;
      in_flight.push_back({next, *id});
      next += transfer_piece;
    }
    if (in_flight.empty()) break;
    auto p = in_flight.front();
    in_flight.pop_front();
    auto r = co_await s.wait(p.id);
    if (r.type == reply::kind::status && r.status == fx_eof) {
      eof = true;
      continue;
    }
    if (r.type != reply::kind::data) {
      broken = true;  // the reply has started: the browser sees a cut download
      break;
    }
    // A short read before the end: the rest of this piece, before the ones already asked.
    std::uint64_t got = r.data.size();
    ec = co_await ex.write(asio::buffer(r.data));
    while (!ec && got < transfer_piece && !eof) {
      auto more = co_await s.call(
          fxp_read,
          read_body(handle, p.offset + got, static_cast<std::uint32_t>(transfer_piece - got)));
      if (more.type == reply::kind::status && more.status == fx_eof)
        eof = true;
      else if (more.type != reply::kind::data || more.data.empty())
        broken = true;
      if (eof || broken) break;
      got += more.data.size();
      ec = co_await ex.write(asio::buffer(more.data));
    }
    if (ec) broken = true;
    s.count_transfer(0, got);
  }
  for (const auto& p : in_flight) s.forget(p.id);
  co_await s.call(fxp_close, handle_body(handle));
  if (!broken) co_await ex.finish();
  co_return;
}

asio::awaitable<void> upload_file(web::streamed_exchange& ex, sftp_session& s,
                                  const std::string& path) {
  auto opened =
      co_await s.call(fxp_open, open_body(path, open_write | open_create | open_truncate));
  if (opened.type != reply::kind::handle) co_return co_await fail(ex, s, opened);
  const auto& handle = opened.handle;
  std::deque<std::uint32_t> in_flight;
  std::uint64_t offset = 0;
  std::string buffer(transfer_piece, '\0');
  reply failed;
  bool ok = true;
  while (ok && !ex.body_done()) {
    auto [ec, n] = co_await ex.read_body(asio::buffer(buffer));
    if (ec) break;
    if (n == 0) continue;
    auto id = s.send(fxp_write, write_body(handle, offset, std::string_view(buffer.data(), n)));
    if (!id) {
      ok = false;
      break;
    }
    in_flight.push_back(*id);
    offset += n;
    s.count_transfer(n, 0);
    if (in_flight.size() >= pieces_in_flight) co_await settle(s, in_flight, ok, failed);
  }
  while (!in_flight.empty()) co_await settle(s, in_flight, ok, failed);
  co_await s.call(fxp_close, handle_body(handle));
  if (ex.body_error()) co_return;  // too large: the server answers 413; else the client left
  if (!ok) co_return co_await fail(ex, s, failed);
  boost::json::object out{{"path", path}, {"bytes", offset}};
  co_await reply_json(ex, 200, out);
}

asio::awaitable<void> change(web::streamed_exchange& ex, sftp_session& s, const std::string& what,
                             const std::string& path, const std::string& to, bool directory) {
  reply r;
  if (what == "rename") r = co_await s.call(fxp_rename, rename_body(path, to));
  if (what == "mkdir") r = co_await s.call(fxp_mkdir, mkdir_body(path));
  if (what == "delete") r = co_await s.call(directory ? fxp_rmdir : fxp_remove, path_body(path));
  if (!(r.type == reply::kind::status && r.status == fx_ok)) co_return co_await fail(ex, s, r);
  boost::json::object out{{"done", what}, {"path", path}};
  if (what == "rename") out["to"] = to;
  co_await reply_json(ex, 200, out);
}

}  // namespace gatehouse::websftp
