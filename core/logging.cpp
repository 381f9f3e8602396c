#include "core/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>

#include "core/untrusted_text.hpp"

namespace gatehouse {

namespace {
// Maps spdlog levels to syslog priorities for journald's stream parser (sd-daemon(3)).
class journal_priority_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr const char* prefixes[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
    auto level = static_cast<int>(msg.level);
    const char* p = prefixes[level >= 0 && level < 7 ? level : 6];
    dest.append(p, p + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<journal_priority_flag>();
  }
};
// The message itself, as visible text: a person's bytes (a user name, a justification) can
// neither drive the terminal of whoever reads the log nor forge a line of it
// (core/untrusted_text.hpp).
class visible_message_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    auto text = visible_text(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<visible_message_flag>();
  }
};

}  // namespace

void setup_logging(bool verbose) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("gatehouse", sink);
  std::unique_ptr<spdlog::pattern_formatter> formatter;
  if (std::getenv("JOURNAL_STREAM") != nullptr) {
    formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<journal_priority_flag>('*');
    formatter->add_flag<visible_message_flag>('V').set_pattern("%*%V");
  } else {
    formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<visible_message_flag>('V').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %V");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace gatehouse
