#include "mail/mail_sender.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "mail/smtp_transport.hpp"

namespace gatehouse::mail {

namespace {
constexpr std::chrono::milliseconds first_retry = std::chrono::seconds(5);
constexpr std::chrono::milliseconds last_retry = std::chrono::minutes(10);
constexpr std::chrono::milliseconds idle_check = std::chrono::minutes(1);
constexpr std::chrono::milliseconds store_trouble = std::chrono::seconds(5);
// One message claimed at a time: a claim outlives its send (the lease below), so with several
// daemons on one outbox a sender that dies (kill -9) strands one message for one lease, not a
// batch; and a batch of slow sends could outlast its lease, when another daemon would send
// its tail again.
constexpr std::size_t batch = 1;
// A mail taken is another sender's again after this, should this one die while sending it:
// longer than one send can take.
constexpr std::chrono::milliseconds claim_lease = smtp_send_limit + std::chrono::seconds(30);
constexpr std::chrono::milliseconds prune_every = std::chrono::hours(1);
}  // namespace

std::chrono::milliseconds retry_delay(int failed_attempts) {
  auto delay = first_retry;
  for (int i = 1; i < failed_attempts && delay < last_retry; ++i) delay *= 2;
  return std::min(delay, last_retry);
}

mail_sender::mail_sender(outbox& box, settings_source settings, const clock& clock,
                         mail_counters& counters)
    : box_(box), settings_(std::move(settings)), clock_(clock), counters_(counters) {
  init_smtp_transport();
}

mail_sender::~mail_sender() { stop(); }

void mail_sender::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void mail_sender::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_one();
}

void mail_sender::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void mail_sender::wait(std::chrono::milliseconds at_most) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, at_most, [this] { return woken_ || stopping_.load(); });
  woken_ = false;
}

void mail_sender::send_one(const queued_mail& q) {
  std::string error = send_smtp(settings_(), q.mail, stopping_);
  if (error.empty()) {
    ++counters_.sent;
    spdlog::info("mail: sent \"{}\" to {}", q.mail.subject, q.mail.recipient);
    if (auto r = box_.mark_sent(q.id, clock_.now()); !r)
      spdlog::error("mail: sent mail {} but could not mark it sent: {}", q.id, r.message());
    return;
  }
  if (stopping_) return;  // aborted by stop(): not a failure of the server
  ++counters_.failed_attempts;
  auto delay = retry_delay(q.attempts + 1);
  spdlog::warn("mail: could not send \"{}\" to {} (attempt {}): {}; retrying in {}s",
               q.mail.subject, q.mail.recipient, q.attempts + 1, error,
               std::chrono::duration_cast<std::chrono::seconds>(delay).count());
  if (auto r = box_.mark_failed(q.id, error, clock_.now() + delay); !r)
    spdlog::error("mail: could not record the failure of mail {}: {}", q.id, r.message());
}

void mail_sender::prune_old_mail() {
  const time_point now = clock_.now();
  auto keep = settings_().keep_sent;
  auto pruned = box_.prune_sent(now - keep);
  if (!pruned)
    spdlog::error("mail: cannot prune the outbox: {}", pruned.message());
  else if (*pruned > 0)
    spdlog::info("mail: pruned {} sent mail(s) older than {}h from the outbox", *pruned,
                 std::chrono::duration_cast<std::chrono::hours>(keep).count());
}

void mail_sender::run() {
  while (!stopping_) {
    if (clock_.now() >= next_prune_) {
      prune_old_mail();
      next_prune_ = clock_.now() + prune_every;
    }
    auto due = box_.claim_due(clock_.now(), batch, claim_lease);
    if (!due) {
      spdlog::error("mail: cannot read the outbox: {}", due.message());
      wait(store_trouble);
      continue;
    }
    for (const auto& q : *due) {
      if (stopping_) return;
      send_one(q);
    }
    if (due->size() == batch) continue;
    auto next = box_.next_due();
    auto pause = idle_check;
    if (!next)
      pause = store_trouble;
    else if (*next)
      pause =
          std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(**next - clock_.now()),
                     std::chrono::milliseconds(0), idle_check);
    // Nothing was due: never spin, even when the clock and the outbox disagree.
    if (due->empty()) pause = std::max(pause, std::chrono::milliseconds(100));
    if (pause > std::chrono::milliseconds(0)) wait(pause);
  }
}

}  // namespace gatehouse::mail
