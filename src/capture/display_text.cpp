#include "capture/display_text.hpp"

#include <algorithm>
#include <cstdio>

namespace intact::capture {

namespace {

// Decodes one UTF-8 code point at bytes[i]; returns its length, or 0 when the
// bytes there are not well-formed UTF-8 (overlong forms and surrogates included).
std::size_t utf8_length(std::span<const std::uint8_t> b, std::size_t i, std::uint32_t* cp) {
  std::uint8_t c = b[i];
  std::size_t n = 0;
  std::uint32_t v = 0;
  std::uint32_t min = 0;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2, v = c & 0x1Fu, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, v = c & 0x0Fu, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, v = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > b.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b[i + k] & 0xC0) != 0x80) return 0;
    v = v << 6 | (b[i + k] & 0x3Fu);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

void append_hex_escape(std::string& out, const char* format, unsigned value) {
  char buf[12];
  std::snprintf(buf, sizeof buf, format, value);
  out += buf;
}

}  // namespace

std::string quoted_for_terminal(std::span<const std::uint8_t> bytes, std::size_t max_bytes) {
  std::string out = "\"";
  std::size_t end = std::min(bytes.size(), max_bytes);
  std::size_t i = 0;
  while (i < end) {
    std::uint32_t cp = 0;
    std::size_t n = utf8_length(bytes, i, &cp);
    if (n == 0 || i + n > end) {
      append_hex_escape(out, "\\x%02X", bytes[i]);
      ++i;
      continue;
    }
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || cp == 0x7F) {
      append_hex_escape(out, "\\x%02X", cp);
    } else if (cp >= 0x80 && cp < 0xA0) {  // C1 controls: some terminals obey them
      append_hex_escape(out, "\\u%04X", cp);
    } else {
      out.append(reinterpret_cast<const char*>(bytes.data() + i), n);
    }
    i += n;
  }
  out += '"';
  if (bytes.size() > end) out += "...";
  return out;
}

std::string json_string(std::span<const std::uint8_t> bytes) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::uint32_t cp = 0;
    std::size_t n = utf8_length(bytes, i, &cp);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    switch (cp) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
          append_hex_escape(out, "\\u%04x", cp);
        } else {
          out.append(reinterpret_cast<const char*>(bytes.data() + i), n);
        }
    }
    i += n;
  }
  out += '"';
  return out;
}

std::string json_string(std::string_view text) {
  return json_string(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace intact::capture
