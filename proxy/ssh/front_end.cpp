#include "proxy/ssh/front_end.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "proxy/session/session_id.hpp"
#include "proxy/ssh/algorithms.hpp"
#include "proxy/ssh/host_keys.hpp"

namespace gatehouse::proxy::ssh {

namespace {

// "ADDRESS:PORT" the person connected to, for hints; from the socket's local address.
std::string local_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  boost::asio::ip::tcp::endpoint ep;
  if (len > ep.capacity()) return {};
  std::memcpy(ep.data(), &ss, len);
  ep.resize(len);
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

front_end::front_end(boost::asio::any_io_executor executor, config_source config, parts p,
                     const front_end_settings& settings)
    : executor_(executor), config_(std::move(config)), sessions_(p.sessions) {
  auto limits = p.limits ? std::move(p.limits) : std::make_shared<source_limits>(settings);
  auto holds = std::make_shared<session::hold_context>(executor, p.gate, limits->held);
  holds->sessions_allowed = std::move(p.sessions_allowed);
  shared_ = std::make_shared<listener_state>(settings, std::move(holds), p.own, std::move(p.events),
                                             std::move(limits));
  shared_->worker = p.worker;
  shared_->ca = std::move(p.ca);
  id_prefix_ = session::unique_id_prefix();
}

front_end::~front_end() {
  // Connections free their libssh sessions as they close, before the host keys go.
  auto mine = mine_;
  for (const auto& id : mine) sessions_.shut(id, {"Gatehouse is shutting down", "shutdown"});
  if (bind_ != nullptr) ssh_bind_free(bind_);
}

std::string front_end::next_id() { return "ssh-" + id_prefix_ + "-" + std::to_string(++counter_); }

ssh_bind front_end::bind_for(const config::config& cfg) {
  const auto& keys = cfg.listen.ssh ? cfg.listen.ssh->host_keys : std::vector<std::string>{};
  if (bind_ != nullptr && keys == bind_keys_) return bind_;
  auto loaded = load_host_keys(keys);
  if (!loaded.problems.empty()) {
    spdlog::error("ssh listener: {}", loaded.problems.front());
    return bind_;  // keep serving with the keys we had, if any
  }
  ssh_bind fresh = ssh_bind_new();
  if (fresh == nullptr) return bind_;
  if (auto e = apply_listener_algorithms(fresh); !e.empty()) {
    spdlog::error("ssh listener: {}", e);
    ssh_bind_free(fresh);
    return bind_;
  }
  for (auto& key : loaded.keys) {
    if (ssh_bind_options_set(fresh, SSH_BIND_OPTIONS_IMPORT_KEY, key.release()) != SSH_OK) {
      spdlog::error("ssh listener: cannot use a host key: {}", ssh_get_error(fresh));
      ssh_bind_free(fresh);
      return bind_;
    }
  }
  if (bind_ != nullptr) ssh_bind_free(bind_);
  bind_ = fresh;
  bind_keys_ = keys;
  return bind_;
}

void front_end::apply_limits(const config::config& cfg) {
  if (!cfg.listen.ssh) return;
  const auto& l = *cfg.listen.ssh;
  auto& s = shared_->settings;
  s.login_grace = l.login_grace;
  s.max_unauthenticated_per_source = l.max_unauthenticated_per_source;
  shared_->unauthenticated.set_limit(l.max_unauthenticated_per_source);
  shared_->holds->caps.set_limits(l.max_held_per_person, l.max_held_per_source);
}

void front_end::accept(int fd, const std::string& peer) {
  auto cfg = config_();
  if (cfg) apply_limits(*cfg);
  auto now = std::chrono::steady_clock::now();
  auto id = next_id();
  auto conn = std::make_shared<connection>(executor_, shared_, cfg, id, peer, local_address(fd));
  auto address = source_address(peer);
  if (shared_->failures.blocked(address, now)) {
    spdlog::info("ssh {}: refused {}: too many authentication failures", id, peer);
    ::close(fd);
    return;
  }
  if (shared_->unauthenticated.count(address) >= shared_->unauthenticated.limit()) {
    spdlog::info("ssh {}: refused {}: too many unauthenticated connections", id, peer);
    ::close(fd);
    return;
  }
  ssh_bind bind = cfg ? bind_for(*cfg) : nullptr;
  if (bind == nullptr) {
    ::close(fd);
    return;
  }
  sessions_.add(conn);
  mine_.insert(id);
  conn->start(bind, fd, [this, alive = std::weak_ptr<bool>(alive_)](const std::string& done) {
    if (alive.expired()) return;
    std::string id = done;  // `done` belongs to the connection, which may go with the entry
    mine_.erase(id);
    sessions_.remove(id);
    // No malloc_trim after a flood: it runs under the allocator's lock and madvises every free
    // stretch of the heap. After 10,000 held connections left, it held this thread for 6.5 s.
    // glibc reuses the freed heap for the next flood, and returns its top by itself.
  });
}

}  // namespace gatehouse::proxy::ssh
