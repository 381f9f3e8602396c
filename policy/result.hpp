#pragma once
// The error vocabulary of the policy core: every fallible operation returns result<T>, which
// holds either a value or an `error` (a code the caller can branch on and one human line it can
// show as is). Nothing in policy/ lets an exception escape its public functions.
//
// Plain value types; thread-safety is that of the contained value.
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace gatehouse::policy {

enum class error_code {
  not_found,  // no such request / grant
  refused,    // the action is not allowed now (self-approval, finished request, ...)
  conflict,   // someone else changed the record first; retry
  invalid,    // the input is malformed (bad window, unknown person, ...)
  internal,   // the store failed
};

std::string_view to_string(error_code code);

struct error {
  error_code code = error_code::internal;
  std::string message;  // one line, for people: "request #7 is already denied"
};

inline error make_error(error_code code, std::string message) {
  return error{code, std::move(message)};
}

template <typename T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  result(error e) : v_(std::in_place_index<1>, std::move(e)) {}      // NOLINT: implicit

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error& err() const { return std::get<1>(v_); }
  error_code code() const { return err().code; }
  const std::string& message() const { return err().message; }

 private:
  std::variant<T, error> v_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(error e) : ok_(false), e_(std::move(e)) {}  // NOLINT: implicit

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const error& err() const { return e_; }
  error_code code() const { return e_.code; }
  const std::string& message() const { return e_.message; }

 private:
  bool ok_ = true;
  error e_;
};

}  // namespace gatehouse::policy
