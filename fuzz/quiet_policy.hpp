#pragma once
// What the harnesses that run the policy core in-process share: an audit sink and a notifier
// that drop everything (the fuzzer checks replies, not mail or the log), and must(), which
// stops the run when the fixture itself cannot be set up.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "policy/audit_sink.hpp"
#include "policy/notifier.hpp"
#include "policy/result.hpp"

namespace gatehouse::fuzz {

class quiet_audit final : public policy::audit_sink {
 public:
  void record(const policy::audit_event&) override {}
};

class quiet_notifier final : public policy::notifier {
 public:
  bool ask_approvers(const policy::request&, std::size_t, const std::vector<std::string>&,
                     std::string_view) override {
    return true;
  }
  bool tell_requester(const policy::request&, policy::happening_kind, const std::string&,
                      const std::string&, std::string_view) override {
    return true;
  }
  bool tell_emergency(const policy::request&, const std::vector<std::string>&,
                      std::string_view) override {
    return true;
  }
};

template <typename T>
T must(policy::result<T> r, std::string_view what) {
  require(bool(r), what, r ? "" : r.message());
  return std::move(*r);
}

}  // namespace gatehouse::fuzz
