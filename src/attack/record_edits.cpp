#include "attack/record_edits.hpp"

#include <algorithm>
#include <cstring>

#include "intact/crypto.hpp"
#include "intact/frame.hpp"
#include "intact/hex.hpp"
#include "intact/legacy.hpp"

namespace intact::attack {

namespace {

std::size_t pick(std::mt19937_64& rng, std::size_t n) {
  return static_cast<std::size_t>(std::uniform_int_distribution<std::size_t>(0, n - 1)(rng));
}

std::uint8_t hex_value(std::uint8_t c) {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  return static_cast<std::uint8_t>(c - 'A' + 10);
}

std::string bit_at(std::size_t byte, unsigned bit, std::string_view field) {
  return "flipped bit " + std::to_string(bit) + " of byte " + std::to_string(byte) + " (" +
         std::string(field) + ")";
}

std::string flip_legacy(std::vector<std::uint8_t>& r, Field field, std::mt19937_64& rng) {
  if (r.size() < 1 + legacy::kTagHexSize) {
    if (r.empty()) return "nothing to flip (empty record)";
    std::size_t i = pick(rng, r.size());
    unsigned bit = static_cast<unsigned>(pick(rng, 8));
    r[i] ^= static_cast<std::uint8_t>(1u << bit);
    return bit_at(i, bit, "raw bytes");
  }
  const std::size_t text_len = r.size() - 1 - legacy::kTagHexSize;
  bool in_tag;
  if (field == Field::payload) {
    in_tag = text_len == 0;
  } else if (field == Field::any) {
    // Each bit of the message: 8 per text byte, 4 per tag digit.
    std::size_t bits = text_len * 8 + legacy::kTagHexSize * 4;
    in_tag = pick(rng, bits) >= text_len * 8;
  } else {
    in_tag = true;  // tag, or a v1-only field: the lab's format has only text and tag
  }
  if (!in_tag) {
    std::size_t i = pick(rng, text_len);
    unsigned bit = static_cast<unsigned>(pick(rng, 8));
    r[i] ^= static_cast<std::uint8_t>(1u << bit);
    return bit_at(i, bit, "text");
  }
  std::size_t digit = pick(rng, legacy::kTagHexSize);
  std::size_t i = text_len + 1 + digit;
  unsigned bit = static_cast<unsigned>(pick(rng, 4));
  std::uint8_t v = static_cast<std::uint8_t>(hex_value(r[i]) ^ (1u << bit));
  r[i] = static_cast<std::uint8_t>("0123456789ABCDEF"[v]);
  return "flipped bit " + std::to_string(bit) + " of tag digit " + std::to_string(digit) +
         " (byte " + std::to_string(i) + ", tag)";
}

}  // namespace

std::uint64_t record_seq(WireFormat format, std::span<const std::uint8_t> record) noexcept {
  if (format != WireFormat::v1 || record.size() < v1::kHeaderSize) return 0;
  return v1::decode_header(record.data()).seq;
}

std::string flip_bit(WireFormat format, std::vector<std::uint8_t>& r, Field field,
                     std::mt19937_64& rng) {
  if (format == WireFormat::legacy) return flip_legacy(r, field, rng);
  if (r.size() < v1::kFrameOverhead) {
    if (r.empty()) return "nothing to flip (empty record)";
    std::size_t i = pick(rng, r.size());
    unsigned bit = static_cast<unsigned>(pick(rng, 8));
    r[i] ^= static_cast<std::uint8_t>(1u << bit);
    return bit_at(i, bit, "raw bytes");
  }
  const std::size_t len = r.size() - v1::kFrameOverhead;
  std::size_t begin = 0, end = r.size();
  std::string_view name = "any";
  switch (field) {
    case Field::type:
      begin = 0, end = 1, name = "type";
      break;
    case Field::seq:
      begin = 1, end = 9, name = "seq";
      break;
    case Field::length:
      begin = 9, end = 13, name = "length";
      break;
    case Field::payload:
      if (len > 0) {
        begin = v1::kHeaderSize, end = v1::kHeaderSize + len, name = "payload";
        break;
      }
      [[fallthrough]];
    case Field::tag:
      begin = v1::kHeaderSize + len, end = r.size(), name = "tag";
      break;
    case Field::any:
      break;
  }
  std::size_t i = begin + pick(rng, end - begin);
  unsigned bit = static_cast<unsigned>(pick(rng, 8));
  r[i] ^= static_cast<std::uint8_t>(1u << bit);
  if (field == Field::any) {
    name = i < 1                       ? "type"
           : i < 9                     ? "seq"
           : i < 13                    ? "length"
           : i < v1::kHeaderSize + len ? "payload"
                                       : "tag";
  }
  return bit_at(i, bit, name);
}

void replace_text(WireFormat format, std::vector<std::uint8_t>& r, std::string_view text,
                  std::span<const std::uint8_t> retag_key) {
  auto t = text_bytes(text);
  if (format == WireFormat::legacy) {
    std::string tag;
    if (r.size() >= 1 + legacy::kTagHexSize) {
      tag.assign(r.end() - static_cast<std::ptrdiff_t>(legacy::kTagHexSize), r.end());
    } else {
      tag.assign(legacy::kTagHexSize, '0');
    }
    if (!retag_key.empty()) {
      HmacSha256 mac(retag_key);
      tag = legacy::tag_hex(mac, t);
    }
    r.assign(t.begin(), t.end());
    r.push_back('|');
    r.insert(r.end(), tag.begin(), tag.end());
    return;
  }
  v1::FrameHeader h{v1::FrameType::data, 0, 0};
  Tag tag{};
  if (r.size() >= v1::kFrameOverhead) {
    h = v1::decode_header(r.data());
    std::copy(r.end() - static_cast<std::ptrdiff_t>(kTagSize), r.end(), tag.begin());
  }
  h.length = static_cast<std::uint32_t>(t.size());
  std::uint8_t header[v1::kHeaderSize];
  v1::encode_header(h, header);
  if (!retag_key.empty()) {
    HmacSha256 mac(retag_key);
    tag = mac.compute(std::span<const std::uint8_t>(header, v1::kHeaderSize), t);
  }
  r.assign(header, header + v1::kHeaderSize);
  r.insert(r.end(), t.begin(), t.end());
  r.insert(r.end(), tag.begin(), tag.end());
}

std::vector<std::uint8_t> forge_message(WireFormat format, std::uint64_t seq, std::string_view text,
                                        std::span<const std::uint8_t> retag_key,
                                        std::mt19937_64& rng) {
  std::vector<std::uint8_t> key(retag_key.begin(), retag_key.end());
  if (key.empty()) {
    // No key given: the attacker's tag is as good as random bytes.
    key.resize(32);
    for (auto& b : key) b = static_cast<std::uint8_t>(pick(rng, 256));
  }
  std::vector<std::uint8_t> r;
  if (format == WireFormat::legacy) {
    replace_text(format, r, text, key);
    return r;
  }
  std::uint8_t header[v1::kHeaderSize];
  v1::encode_header({v1::FrameType::data, seq, 0}, header);
  r.assign(header, header + v1::kHeaderSize);
  r.resize(v1::kFrameOverhead, 0);  // an empty frame; replace_text fills in payload and tag
  replace_text(format, r, text, key);
  return r;
}

}  // namespace intact::attack
