#include "proxy/rdp/front_end.hpp"

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

#include <random>

#include "core/peer_address.hpp"
#include "proxy/session/session_id.hpp"

namespace gatehouse::proxy::rdp {

using boost::asio::ip::tcp;

front_end::front_end(boost::asio::any_io_executor executor, config_source config, parts p,
                     front_end_settings settings)
    : executor_(std::move(executor)), config_(std::move(config)), sessions_(p.sessions) {
  auto limits = p.limits ? std::move(p.limits) : std::make_shared<source_limits>(settings);
  auto holds = std::make_shared<session::hold_context>(executor_, p.gate, limits->held);
  holds->sessions_allowed = std::move(p.sessions_allowed);
  shared_ = std::make_shared<listener_state>(settings, std::move(holds), std::move(p.events),
                                             std::move(limits));
  shared_->worker = p.worker;
  id_prefix_ = session::unique_id_prefix();
}

front_end::~front_end() {
  auto mine = mine_;
  for (const auto& id : mine)
    sessions_.shut(id, {"Gatehouse is shutting down", "Gatehouse is shutting down"});
}

void front_end::accept(int fd, const std::string& peer) {
  auto cfg = config_();
  if (!cfg || !cfg->listen.rdp) {
    ::close(fd);
    return;
  }
  shared_->holds->caps.set_limits(cfg->listen.rdp->max_held_per_person,
                                  cfg->listen.rdp->max_held_per_source);
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
  auto unidentified = acquire(shared_->unidentified, source_address(peer));
  if (!unidentified) {
    spdlog::info("rdp {}: refused {}: too many connections without a request", id, peer);
    return;  // the socket closes here
  }
  auto conn = std::make_shared<connection>(std::move(socket), cfg, shared_, id, peer);
  sessions_.add(conn);
  mine_.insert(id);
  conn->start(std::move(unidentified),
              [this, alive = std::weak_ptr<bool>(alive_)](const std::string& done) {
                if (alive.expired()) return;
                mine_.erase(done);
                sessions_.remove(done);
              });
}

}  // namespace gatehouse::proxy::rdp
