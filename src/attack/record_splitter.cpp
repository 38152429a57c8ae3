#include "attack/record_splitter.hpp"

#include <algorithm>

#include "intact/legacy.hpp"
#include "intact/text.hpp"

namespace intact::attack {

RecordSplitter::RecordSplitter(WireFormat format) : format_(format) {}

void RecordSplitter::feed(std::span<const std::uint8_t> bytes) {
  if (format_ == WireFormat::v1) {
    frames_.feed(bytes);
    v1_unsplit_.append(bytes);
  } else {
    legacy_in_.append(bytes);
  }
}

std::size_t RecordSplitter::buffered() const noexcept {
  return format_ == WireFormat::v1 ? frames_.buffered() : legacy_in_.size();
}

Record RecordSplitter::numbered(Record r) {
  r.number = ++messages_;
  return r;
}

std::optional<Record> RecordSplitter::next() {
  if (format_ == WireFormat::v1) {
    auto r = frames_.next();
    if (!r) return std::nullopt;
    v1_unsplit_.consume(r->bytes.size());
    switch (r->kind) {
      case FrameSplitter::Kind::hello:
        return Record{Record::Kind::handshake, std::move(r->bytes), 0};
      case FrameSplitter::Kind::malformed:
        return Record{Record::Kind::raw, std::move(r->bytes), 0};
      case FrameSplitter::Kind::frame:
        if (r->header.type == v1::FrameType::confirm)
          return Record{Record::Kind::handshake, std::move(r->bytes), 0};
        if (r->header.type == v1::FrameType::close)
          return Record{Record::Kind::close, std::move(r->bytes), 0};
        return numbered(Record{Record::Kind::message, std::move(r->bytes), 0});
    }
    return std::nullopt;
  }
  auto bytes = legacy_in_.data();
  if (bytes.empty()) return std::nullopt;
  std::size_t bar = 0;
  if (legacy::find_boundary(bytes, &bar, &scan_from_) == legacy::Boundary::found) {
    std::size_t total = bar + 1 + legacy::kTagHexSize;
    Record r{Record::Kind::message,
             std::vector<std::uint8_t>(bytes.begin(),
                                       bytes.begin() + static_cast<std::ptrdiff_t>(total)),
             0};
    legacy_in_.consume(total);
    return numbered(std::move(r));
  }
  // No tag within one maximal message: not the lab's format; pass it on as it is
  // rather than buffer without bound.
  if (bytes.size() > legacy::kMaxMessage + 1 + legacy::kTagHexSize) {
    Record r{Record::Kind::raw, std::vector<std::uint8_t>(bytes.begin(), bytes.end()), 0};
    legacy_in_.consume(bytes.size());
    scan_from_ = 0;
    return r;
  }
  return std::nullopt;
}

std::optional<Record> RecordSplitter::finish() {
  std::vector<std::uint8_t> rest;
  if (format_ == WireFormat::v1) {
    // FrameSplitter has no way to hand back an incomplete frame, so the bytes
    // it has not returned yet are mirrored here: a sender cut off mid-frame is
    // forwarded exactly as far as it got.
    auto bytes = v1_unsplit_.data();
    rest.assign(bytes.begin(), bytes.end());
    v1_unsplit_.consume(bytes.size());
    frames_ = FrameSplitter();
  } else {
    auto bytes = legacy_in_.data();
    rest.assign(bytes.begin(), bytes.end());
    legacy_in_.consume(bytes.size());
  }
  if (rest.empty()) return std::nullopt;
  return Record{Record::Kind::raw, std::move(rest), 0};
}

std::string RecordSplitter::display_text(WireFormat format, const Record& record) {
  std::span<const std::uint8_t> text;
  std::string prefix;
  if (format == WireFormat::v1) {
    if (record.bytes.size() < v1::kFrameOverhead) return {};
    auto h = v1::decode_header(record.bytes.data());
    if (record.bytes.size() < v1::kFrameOverhead + h.length) return {};
    auto payload = std::span<const std::uint8_t>(record.bytes).subspan(v1::kHeaderSize, h.length);
    text = payload;
    if (h.type == v1::FrameType::chat) {
      std::string_view sender;
      if (v1::decode_chat(payload, &sender, &text)) prefix = printable(sender) + ": ";
    } else if (h.type == v1::FrameType::notice) {
      prefix = "*** ";
    }
  } else {
    if (record.bytes.size() < 1 + legacy::kTagHexSize) return {};
    text = std::span<const std::uint8_t>(record.bytes)
               .first(record.bytes.size() - 1 - legacy::kTagHexSize);
  }
  // A message must not drive the operator's terminal: printable() neutralises it.
  constexpr std::size_t kShown = 200;
  std::string out = prefix + printable(as_text(text.first(std::min(text.size(), kShown))));
  if (text.size() > kShown) out += "...";
  return out;
}

}  // namespace intact::attack
