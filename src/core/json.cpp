#include "intact/json.hpp"

#include "intact/crypto.hpp"
#include "intact/text.hpp"

namespace intact {

std::string json_quote(std::string_view text) { return "\"" + json_escape(text) + "\""; }

JsonLine& JsonLine::raw(std::string_view name, std::string_view json) {
  body_ += body_.empty() ? "{\"" : ",\"";
  body_ += json_escape(name);
  body_ += "\":";
  body_ += json;
  return *this;
}

JsonLine& JsonLine::field(std::string_view name, std::string_view text) {
  return raw(name, json_quote(text));
}

JsonLine& JsonLine::field(std::string_view name, std::span<const std::uint8_t> bytes) {
  return field(name, as_text(bytes));
}

}  // namespace intact
