// src/attack/record_splitter.hpp: cuts one direction of a connection into
// records (hellos, frames, lab messages) without knowing the key.
//
// The proxy aims its attacks at individual messages, so it must know where
// each one begins and ends; it must not verify or judge them (it has no key).
// v1 is cut by intact::FrameSplitter, the lab's format by
// intact::legacy::find_boundary: framing is never re-implemented here. Memory
// is bounded by one maximal record: bytes that cannot be cut into records
// (not the expected format, or a record over the maximum) come back as `raw`
// records to be forwarded untouched.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "intact/frame.hpp"
#include "intact/session.hpp"

namespace intact::attack {

struct Record {
  enum class Kind : std::uint8_t {
    handshake,  // a v1 hello or CONFIRM frame: passed through, never numbered
    message,    // an application message: numbered from 1 in its direction
    close,      // a v1 CLOSE frame: the sender's authenticated end
    raw,        // bytes that could not be cut into records: forwarded as they are
  };
  Kind kind = Kind::raw;
  std::vector<std::uint8_t> bytes;  // exactly as on the wire
  std::uint64_t number = 0;         // message: 1, 2, ... in its direction
};

class RecordSplitter {
 public:
  explicit RecordSplitter(WireFormat format);
  void feed(std::span<const std::uint8_t> bytes);
  // The next whole record, or nullopt until more bytes arrive.
  std::optional<Record> next();
  // The stream ended: whatever is left (an incomplete record) as one raw record.
  std::optional<Record> finish();
  std::size_t buffered() const noexcept;
  WireFormat format() const noexcept { return format_; }

  // The text a person would read in a message record: a v1 DATA/NOTICE payload,
  // a CHAT line as "name: text", or a lab message's text before its tag.
  static std::string display_text(WireFormat format, const Record& record);

 private:
  Record numbered(Record r);
  WireFormat format_;
  FrameSplitter frames_;
  InputBuffer v1_unsplit_;  // bytes fed to frames_ that it has not returned yet
  InputBuffer legacy_in_;
  std::size_t scan_from_ = 0;
  std::uint64_t messages_ = 0;
};

}  // namespace intact::attack
