#include "chat/chat_output.hpp"

#include <chrono>
#include <ctime>

#include "chat/room.hpp"
#include "intact/json.hpp"
#include "intact/session.hpp"
#include "intact/text.hpp"

namespace intact::chat {

namespace {
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kRed = "\x1b[1;31m";
constexpr const char* kYellow = "\x1b[33m";
constexpr const char* kReset = "\x1b[0m";

std::string iso_time() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}
}  // namespace

ChatOutput::ChatOutput(Mode mode, std::FILE* out, std::FILE* log, bool color, bool timestamps)
    : mode_(mode), out_(out), log_(log), color_(color), timestamps_(timestamps) {}

void ChatOutput::set_around_print(std::function<void()> before, std::function<void()> after) {
  before_print_ = std::move(before);
  after_print_ = std::move(after);
}

std::string ChatOutput::stamp() const {
  if (!timestamps_) return {};
  auto t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d ", tm.tm_hour, tm.tm_min);
  return color_ ? std::string(kDim) + buf + kReset : std::string(buf);
}

void ChatOutput::human(std::string_view line, const char* color, std::FILE* to) {
  if (to == nullptr) to = out_;
  if (before_print_) before_print_();
  std::string s = stamp();
  if (color_ && color != nullptr) {
    s += color;
    s += line;
    s += kReset;
  } else {
    s += line;
  }
  s += '\n';
  std::fwrite(s.data(), 1, s.size(), to);
  std::fflush(to);
  if (after_print_) after_print_();
}

JsonLine ChatOutput::json_event(std::string_view event) {
  JsonLine j;
  j.field("time", iso_time()).field("event", event);
  return j;
}

void ChatOutput::json(const JsonLine& line) {
  std::string s = line.line();
  std::fwrite(s.data(), 1, s.size(), out_);
  std::fflush(out_);
}

void ChatOutput::message(std::string_view from, std::string_view text, std::string_view private_to,
                         ChatOrigin origin) {
  bool lab = origin == ChatOrigin::lab_format;
  if (mode_ == Mode::json) {
    JsonLine j = private_to.empty() ? json_event("message")
                                    : json_event("private_message");
    j.field("from", from);
    if (!private_to.empty()) j.field("to", private_to);
    j.field("text", text);
    if (lab) j.field("lab_format", true);
    json(j);
    return;
  }
  std::string name = printable(from);
  if (color_) name = std::string(kBold) + name + kReset;
  std::string line = private_to.empty() ? name + ": " + printable(text)
                                        : name + " (private): " + printable(text);
  // Its integrity was checked; the lab's format cannot rule out a replay, a reordering or a deletion.
  if (lab) line = (color_ ? std::string(kDim) + "[lab format]" + kReset : std::string("[lab format]")) + " " + line;
  human(line, nullptr);
}

void ChatOutput::repeated_line(std::string_view from) {
  if (mode_ == Mode::json) return json(json_event("repeat").field("from", from));
  human("*** " + repeat_notice(printable(from)), kYellow);
}

void ChatOutput::notice(std::string_view text) {
  if (mode_ == Mode::json) return json(json_event("notice").field("text", text));
  human("*** " + printable(text), kYellow);
}

void ChatOutput::integrity_failure(std::string_view from, std::uint64_t seq, bool name_sender) {
  if (mode_ == Mode::json)
    return json(json_event("integrity_failure").field("from", from).field("seq", seq).field("text", kLostIntegrity));
  human(name_sender ? printable(from) + ": " + std::string(kLostIntegrity) : std::string(kLostIntegrity), kRed);
}

void ChatOutput::replay(std::string_view from, std::uint64_t seq) {
  if (mode_ == Mode::json) return json(json_event("replay").field("from", from).field("seq", seq));
  human("*** " + printable(from) + ": frame " + std::to_string(seq) +
            " was rejected: older than a frame already received (replayed, duplicated or reordered)",
        kRed);
}

void ChatOutput::gap(std::string_view from, std::uint64_t missing, std::uint64_t seq) {
  if (mode_ == Mode::json)
    return json(json_event("gap").field("from", from).field("missing", missing).field("seq", seq));
  human("*** " + printable(from) + ": " + std::to_string(missing) +
            (missing == 1 ? " message is" : " messages are") + " missing before frame " +
            std::to_string(seq) + " (deleted, or reordered, on the way)",
        kRed);
}

void ChatOutput::truncated(std::string_view from, std::string_view detail) {
  if (mode_ == Mode::json) return json(json_event("truncated").field("from", from).field("detail", detail));
  human("*** " + printable(from) + ": " + printable(detail), kRed);
}

void ChatOutput::connected(std::string_view name, std::string_view address, std::string_view format) {
  if (mode_ == Mode::json)
    return json(json_event("connect").field("name", name).field("address", address).field("format", format));
  std::string from = name == address ? std::string() : " from " + std::string(address);
  human("*** " + printable(name) + " joined" + from + (format == "legacy" ? " (lab format)" : ""),
        kYellow);
}

void ChatOutput::disconnected(std::string_view name, std::string_view reason) {
  if (mode_ == Mode::json) return json(json_event("disconnect").field("name", name).field("reason", reason));
  human("*** " + printable(name) + " left (" + printable(reason) + ")", kYellow);
}

void ChatOutput::listening(std::string_view address, std::uint16_t port, std::string_view format) {
  if (mode_ == Mode::json)
    return json(json_event("listening").field("address", address).field("port", std::uint64_t{port}).field("format", format));
  human("intact: listening on " + std::string(address) +
            (format == "legacy" ? " (lab format, --legacy)" : " (protocol v1)"),
        nullptr, log_);
}

void ChatOutput::diagnostic(std::string_view text) {
  if (mode_ == Mode::json) return json(json_event("log").field("text", text));
  human("intact: " + printable(text), nullptr, log_);
}

void ChatOutput::refused(std::string_view address, std::string_view reason) {
  if (mode_ == Mode::json) return json(json_event("refused").field("address", address).field("reason", reason));
  human("intact: " + std::string(address) + ": " + printable(reason), nullptr, log_);
}

void ChatOutput::rate_limited(std::string_view name, std::uint64_t refused) {
  if (mode_ == Mode::json) return json(json_event("rate_limited").field("name", name).field("refused", refused));
  human("intact: " + printable(name) + " sent faster than the room's rate (--max-rate): " + std::to_string(refused) +
            (refused == 1 ? " line was" : " lines were") + " refused, relayed to nobody",
        nullptr, log_);
}

}  // namespace intact::chat
