#include "storage/slowed_store.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "storage/forwarding_store.hpp"

namespace gatehouse::storage {

namespace {

class slowed_store final : public forwarding_store {
 public:
  slowed_store(std::unique_ptr<policy::store> inner, std::chrono::milliseconds delay)
      : forwarding_store(*inner), owned_(std::move(inner)), delay_(delay) {}

 private:
  void before_call() override { std::this_thread::sleep_for(delay_); }

  std::unique_ptr<policy::store> owned_;
  std::chrono::milliseconds delay_;
};

}  // namespace

std::unique_ptr<policy::store> slowed_if_asked(std::unique_ptr<policy::store> store) {
#ifdef GATEHOUSE_TEST_HOOKS
  const char* text = std::getenv("GATEHOUSE_TEST_STORE_DELAY_MS");
  if (text == nullptr || *text == '\0') return store;
  char* end = nullptr;
  long ms = std::strtol(text, &end, 10);
  if (*end != '\0' || ms <= 0 || ms > 60'000) return store;
  spdlog::warn("test hook: every store call sleeps {} ms (GATEHOUSE_TEST_STORE_DELAY_MS)", ms);
  return std::make_unique<slowed_store>(std::move(store), std::chrono::milliseconds(ms));
#else
  return store;
#endif
}

}  // namespace gatehouse::storage
