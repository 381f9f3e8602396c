#pragma once
// A store that hands every call to another one. Decorators derive from it and override only the
// call they interfere with (tests: a racing writer, a failing commit), or before_call() to
// interfere with every call (slowed_store, a slow store for the tests of the running daemon).
//
// Ownership: refers to `inner`, which must outlive it. Thread-safety: as the inner store's.
#include "policy/store.hpp"

namespace gatehouse::storage {

class forwarding_store : public policy::store {
 public:
  explicit forwarding_store(policy::store& inner) : inner_(inner) {}
  using policy::store::apply;
  const std::string& url() const override { return inner_.url(); }
  policy::result<int> schema_version() override {
    before_call();
    return inner_.schema_version();
  }
  policy::result<policy::request> create_request(const policy::request& r) override {
    before_call();
    return inner_.create_request(r);
  }
  policy::result<policy::request> get_request(policy::request_id id) override {
    before_call();
    return inner_.get_request(id);
  }
  policy::result<std::vector<policy::request>> list_requests(
      const policy::request_filter& f) override {
    before_call();
    return inner_.list_requests(f);
  }
  policy::result<policy::request> update_request(const policy::request& r) override {
    before_call();
    return inner_.update_request(r);
  }
  policy::result<policy::grant> create_grant(const policy::grant& g) override {
    before_call();
    return inner_.create_grant(g);
  }
  policy::result<policy::grant> get_grant(policy::grant_id id) override {
    before_call();
    return inner_.get_grant(id);
  }
  policy::result<std::vector<policy::grant>> list_grants(const policy::grant_filter& f) override {
    before_call();
    return inner_.list_grants(f);
  }
  policy::result<std::optional<policy::grant>> find_live_grant(std::string_view p,
                                                               std::string_view s,
                                                               std::string_view a,
                                                               time_point now) override {
    before_call();
    return inner_.find_live_grant(p, s, a, now);
  }
  policy::result<policy::grant> update_grant(const policy::grant& g) override {
    before_call();
    return inner_.update_grant(g);
  }
  policy::result<policy::due_items> due(time_point now) override {
    before_call();
    return inner_.due(now);
  }
  policy::result<std::optional<time_point>> next_deadline() override {
    before_call();
    return inner_.next_deadline();
  }
  policy::result<std::vector<policy::owed_notice>> claim_owed_notices(
      time_point now, std::chrono::milliseconds lease, std::size_t limit) override {
    before_call();
    return inner_.claim_owed_notices(now, lease, limit);
  }
  policy::result<void> settle_notices(const std::vector<std::int64_t>& ids) override {
    before_call();
    return inner_.settle_notices(ids);
  }
  policy::result<std::vector<policy::change>> changes_since(std::int64_t after,
                                                            std::size_t limit) override {
    before_call();
    return inner_.changes_since(after, limit);
  }
  policy::result<std::int64_t> last_change_seq() override {
    before_call();
    return inner_.last_change_seq();
  }
  policy::result<policy::committed> apply(const policy::write_batch& b,
                                          const policy::before_commit& check) override {
    before_call();
    return inner_.apply(b, check);
  }
  bool notifies_changes() const override { return inner_.notifies_changes(); }
  // Not slowed: it waits by design.
  policy::result<bool> wait_for_change(std::chrono::milliseconds timeout) override {
    return inner_.wait_for_change(timeout);
  }

 protected:
  // Runs before every call is handed on (not for url()).
  virtual void before_call() {}

  policy::store& inner_;
};

}  // namespace gatehouse::storage
