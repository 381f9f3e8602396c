#pragma once
// A store that hands every call to another one: tests derive from it and override only the
// call they interfere with (a racing writer, a failing commit), or before_call() to interfere
// with every call (a slow store).
#include "policy/store.hpp"

namespace gatehouse::policy::testing {

class forwarding_store : public store {
 public:
  explicit forwarding_store(store& inner) : inner_(inner) {}
  using store::apply;
  const std::string& url() const override { return inner_.url(); }
  result<int> schema_version() override {
    before_call();
    return inner_.schema_version();
  }
  result<request> create_request(const request& r) override {
    before_call();
    return inner_.create_request(r);
  }
  result<request> get_request(request_id id) override {
    before_call();
    return inner_.get_request(id);
  }
  result<std::vector<request>> list_requests(const request_filter& f) override {
    before_call();
    return inner_.list_requests(f);
  }
  result<request> update_request(const request& r) override {
    before_call();
    return inner_.update_request(r);
  }
  result<grant> create_grant(const grant& g) override {
    before_call();
    return inner_.create_grant(g);
  }
  result<grant> get_grant(grant_id id) override {
    before_call();
    return inner_.get_grant(id);
  }
  result<std::vector<grant>> list_grants(const grant_filter& f) override {
    before_call();
    return inner_.list_grants(f);
  }
  result<std::optional<grant>> find_live_grant(std::string_view p, std::string_view s,
                                               std::string_view a, time_point now) override {
    before_call();
    return inner_.find_live_grant(p, s, a, now);
  }
  result<grant> update_grant(const grant& g) override {
    before_call();
    return inner_.update_grant(g);
  }
  result<due_items> due(time_point now) override {
    before_call();
    return inner_.due(now);
  }
  result<std::optional<time_point>> next_deadline() override {
    before_call();
    return inner_.next_deadline();
  }
  result<std::vector<change>> changes_since(std::int64_t after, std::size_t limit) override {
    before_call();
    return inner_.changes_since(after, limit);
  }
  result<std::int64_t> last_change_seq() override {
    before_call();
    return inner_.last_change_seq();
  }
  result<committed> apply(const write_batch& b, const before_commit& check) override {
    before_call();
    return inner_.apply(b, check);
  }

 protected:
  // Runs before every call is handed on (not for url()).
  virtual void before_call() {}

  store& inner_;
};

}  // namespace gatehouse::policy::testing
