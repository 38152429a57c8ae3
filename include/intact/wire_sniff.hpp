// intact/wire_sniff.hpp: telling intact's wire formats apart from a stream's
// first bytes, by one rule (docs/protocol.md, "Telling the formats apart").
//
// Every tool that must know which format a stream speaks asks here: the lab
// session's "the peer speaks v1" check, the v1 hello check, the tamper proxy
// and the capture verifier (the Wireshark dissector mirrors the same rule in
// Lua), so no two of them can classify one stream differently. The sniffer
// only looks: it holds no key, judges no tag and never consumes a byte.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "intact/session.hpp"

namespace intact {

enum class WireSniff : std::uint8_t {
  need_more,      // every byte so far is a proper prefix of "INTACT" 0x01 (or there is none)
  v1,             // "INTACT" 0x01: a v1 hello opens the stream
  v1_mid_stream,  // the first byte is a v1 frame type (0x01..0x05): a v1 stream seen after its hellos
  other,          // anything else: the lab's format, another intact version, or not intact at all
};

// `first_bytes` are the first bytes one side sent (any number of them). The
// verdict depends only on the first 7, and never changes once it is not need_more.
WireSniff sniff_wire_format(std::span<const std::uint8_t> first_bytes) noexcept;

std::string_view wire_sniff_name(WireSniff sniff) noexcept;

// The format a stream with that verdict is read as: both v1 verdicts are v1,
// `other` is the lab's format; nullopt while need_more.
std::optional<WireFormat> sniffed_format(WireSniff sniff) noexcept;

// What a user asked for: detect the format (with sniff_wire_format), or force one.
enum class FormatChoice : std::uint8_t { detect, v1, legacy };

}  // namespace intact
