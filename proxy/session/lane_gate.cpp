#include "proxy/session/lane_gate.hpp"

#include <boost/asio/post.hpp>

#include <memory>

namespace gatehouse::proxy::session {

namespace asio = boost::asio;

namespace {

// A one-shot answer: runs `done` on the lane with the value the control thread produced.
template <class T>
std::function<void(T)> back_to(const asio::any_io_executor& lane, std::function<void(T)> done) {
  return [lane, done = std::move(done)](T value) mutable {
    asio::post(lane, [done = std::move(done), value = std::move(value)]() mutable {
      done(std::move(value));
    });
  };
}

// One watch across the two threads. `active` is read and written on the lane only; `inner`
// (the control thread's registration) on control only.
template <class T>
struct watch_link {
  bool active = true;
  watch inner;
  std::function<void(const T&)> fn;
};

template <class T, class Register>
watch link_watch(const asio::any_io_executor& control, const asio::any_io_executor& lane,
                 std::function<void(const T&)> fn, Register register_on_control) {
  auto link = std::make_shared<watch_link<T>>();
  link->fn = std::move(fn);
  asio::post(control, [link, lane, register_on_control = std::move(register_on_control)] {
    link->inner = register_on_control([link, lane](const T& value) {
      asio::post(lane, [link, value] {
        if (!link->active) return;
        link->active = false;  // a watch callback runs at most once
        auto fn = std::move(link->fn);
        fn(value);
      });
    });
  });
  return watch([link, control] {
    link->active = false;
    link->fn = nullptr;
    asio::post(control, [link] { link->inner.reset(); });
  });
}

}  // namespace

void lane_gate::check(const target& t, std::function<void(decision)> done) {
  asio::post(control_, [&inner = inner_, t, answer = back_to(lane_, std::move(done))]() mutable {
    inner.check(t, std::move(answer));
  });
}

void lane_gate::file_or_reuse(const target& t, const std::string& justification,
                              std::function<void(filing)> done) {
  asio::post(control_, [&inner = inner_, t, justification,
                        answer = back_to(lane_, std::move(done))]() mutable {
    inner.file_or_reuse(t, justification, std::move(answer));
  });
}

void lane_gate::find_request(std::int64_t id,
                             std::function<void(std::optional<request_status>)> done) {
  asio::post(control_, [&inner = inner_, id, answer = back_to(lane_, std::move(done))]() mutable {
    inner.find_request(id, std::move(answer));
  });
}

watch lane_gate::watch_request(std::int64_t id, std::function<void(const request_status&)> fn) {
  return link_watch<request_status>(
      control_, lane_, std::move(fn),
      [&inner = inner_, id](std::function<void(const request_status&)> on_control) {
        return inner.watch_request(id, std::move(on_control));
      });
}

watch lane_gate::watch_grant(std::int64_t id, std::function<void(const grant_status&)> fn) {
  return link_watch<grant_status>(
      control_, lane_, std::move(fn),
      [&inner = inner_, id](std::function<void(const grant_status&)> on_control) {
        return inner.watch_grant(id, std::move(on_control));
      });
}

}  // namespace gatehouse::proxy::session
