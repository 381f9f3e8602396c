#include "proxy/ssh/front_end.hpp"

#include <sys/socket.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

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

front_end::front_end(boost::asio::any_io_executor executor, config_source config, ssh::gate& gate,
                     event_sink events, const front_end_settings& settings)
    : executor_(executor),
      config_(std::move(config)),
      shared_(std::make_shared<listener_state>(executor, settings, gate, std::move(events))) {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  for (int i = 0; i < 6; ++i) id_prefix_ += hex[rd() % 16];
}

front_end::~front_end() {
  stop_all();
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
  s.max_held_per_person = l.max_held_per_person;
  s.max_held_per_source = l.max_held_per_source;
  shared_->unauthenticated.set_limit(l.max_unauthenticated_per_source);
  shared_->held.set_limits(l.max_held_per_person, l.max_held_per_source);
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
  connections_.emplace(id, conn);
  high_water_ = std::max(high_water_, connections_.size());
  conn->start(bind, fd, [this](const std::string& done) {
    connections_.erase(done);
    give_back_memory();
  });
}

// After a flood (thousands of stalled or held connections gone), glibc keeps the freed heap
// for reuse; hand it back to the system once the count has more than halved from its peak.
void front_end::give_back_memory() {
  if (high_water_ < 64 || connections_.size() * 2 > high_water_) return;
  high_water_ = connections_.size();
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

boost::json::array front_end::sessions() const {
  boost::json::array out;
  for (const auto& [id, c] : connections_) {
    auto p = c->current();
    if (p == connection::phase::key_exchange || p == connection::phase::authenticating) continue;
    out.push_back(c->describe());
  }
  return out;
}

bool front_end::kill(const std::string& session_id, const std::string& by) {
  auto it = connections_.find(session_id);
  if (it == connections_.end()) return false;
  auto c = it->second;
  c->shut(
      "Session " + session_id + " ended by " + (by.empty() ? std::string("an administrator") : by),
      "killed by " + by);
  return true;
}

void front_end::stop_all(const std::string& reason) {
  auto all = connections_;
  for (auto& [id, c] : all) c->shut(reason, "shutdown");
}

std::size_t front_end::held_count() const {
  std::size_t n = 0;
  for (const auto& [id, c] : connections_)
    if (c->current() == connection::phase::holding) ++n;
  return n;
}

}  // namespace gatehouse::proxy::ssh
