#include "intact/text.hpp"

#include <cstdint>
#include <cstdio>


namespace intact {

std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t* cp) noexcept {
  if (i >= s.size()) return 0;
  auto b = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  std::uint8_t c = b(i);
  std::size_t n;
  char32_t v;
  if (c < 0x80) { *cp = c; return 1; }
  if (c >= 0xC2 && c <= 0xDF) { n = 2; v = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; v = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; v = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    v = v << 6 | (b(i + k) & 0x3F);
  }
  if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
      (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return n;
}

bool is_control(char32_t cp) noexcept { return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F); }

bool is_bidi_control(char32_t cp) noexcept {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char esc[16];
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    std::size_t n = utf8_sequence(text, i, &cp);
    if (n == 0) {
      std::snprintf(esc, sizeof esc, "\\x%02X", static_cast<unsigned>(static_cast<std::uint8_t>(text[i])));
      out += esc;
      i += 1;
    } else if (cp == '\t') {
      out += ' ';
      i += n;
    } else if (is_control(cp)) {
      std::snprintf(esc, sizeof esc, "\\x%02X", static_cast<unsigned>(cp));
      out += esc;
      i += n;
    } else if (is_bidi_control(cp)) {
      std::snprintf(esc, sizeof esc, "\\u%04X", static_cast<unsigned>(cp));
      out += esc;
      i += n;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  char esc[16];
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    std::size_t n = utf8_sequence(text, i, &cp);
    if (n == 0) {
      out += "\\uFFFD";
      i += 1;
      continue;
    }
    if (cp == '"') out += "\\\"";
    else if (cp == '\\') out += "\\\\";
    else if (cp == '\n') out += "\\n";
    else if (cp == '\t') out += "\\t";
    else if (cp == '\r') out += "\\r";
    else if (cp < 0x20 || cp == 0x7F) {
      std::snprintf(esc, sizeof esc, "\\u%04X", static_cast<unsigned>(cp));
      out += esc;
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string duration_text(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

}  // namespace intact
