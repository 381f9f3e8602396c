#include "proxy/rdp/front_end.hpp"

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

#include <random>

namespace gatehouse::proxy::rdp {

using boost::asio::ip::tcp;

front_end::front_end(boost::asio::any_io_executor executor, config_source config,
                     policy::gate_service& gate, event_sink events, front_end_settings settings)
    : executor_(std::move(executor)),
      config_(std::move(config)),
      gate_(gate),
      events_(std::move(events)),
      settings_(settings),
      held_(std::make_shared<hold_caps>(config::rdp_listener{}.max_held_per_person,
                                        config::rdp_listener{}.max_held_per_source)) {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  for (int i = 0; i < 6; ++i) id_prefix_ += hex[rd() % 16];
}

front_end::~front_end() { stop_all(); }

void front_end::accept(int fd, const std::string& peer) {
  auto cfg = config_();
  if (!cfg || !cfg->listen.rdp) {
    ::close(fd);
    return;
  }
  held_->set_limits(cfg->listen.rdp->max_held_per_person, cfg->listen.rdp->max_held_per_source);
  boost::system::error_code ec;
  tcp::socket socket(executor_);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  bool v6 =
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0 && ss.ss_family == AF_INET6;
  socket.assign(v6 ? tcp::v6() : tcp::v4(), fd, ec);
  if (ec) {
    spdlog::warn("rdp: cannot adopt a connection from {}: {}", peer, ec.message());
    ::close(fd);
    return;
  }
  auto id = "rdp-" + id_prefix_ + "-" + std::to_string(++counter_);
  auto conn = std::make_shared<connection>(std::move(socket), cfg, gate_, events_, settings_, held_,
                                           id, peer);
  std::size_t unidentified = 0;
  for (const auto& [other, c] : connections_)
    if (c->current() == connection::phase::reading && c->source() == conn->source()) ++unidentified;
  if (unidentified >= settings_.max_unidentified_per_source) {
    spdlog::info("rdp {}: refused {}: too many connections without a request", id, peer);
    return;  // the socket closes with `conn`
  }
  connections_.emplace(id, conn);
  conn->start([this, alive = std::weak_ptr<bool>(alive_)](const std::string& done) {
    if (!alive.expired()) connections_.erase(done);
  });
}

boost::json::array front_end::sessions() const {
  boost::json::array out;
  for (const auto& [id, c] : connections_) {
    auto p = c->current();
    if (p == connection::phase::reading || p == connection::phase::finished) continue;
    out.push_back(c->describe());
  }
  return out;
}

bool front_end::kill(const std::string& session_id, const std::string& by) {
  auto it = connections_.find(session_id);
  if (it == connections_.end()) return false;
  auto c = it->second;
  c->shut("killed by " + (by.empty() ? std::string("an administrator") : by));
  return true;
}

void front_end::stop_all(const std::string& reason) {
  auto all = connections_;
  for (auto& [id, c] : all) c->shut(reason);
}

}  // namespace gatehouse::proxy::rdp
