// src/capture/tcp_reassembler.hpp: one direction of a captured TCP connection,
// put back into the byte stream the receiving application read.
//
// Segments are placed by sequence number (32-bit, wrap-around handled), so
// out-of-order segments wait for the bytes before them, and retransmitted or
// overlapping bytes are delivered once (the first copy captured wins). It never
// guesses across a hole: bytes after missing ones wait, and when the capture
// ends with a hole, hole() says where. The memory of waiting segments is
// bounded (max_out_of_order): each one counts its payload plus kSegmentOverhead
// bytes (its map node, vector and allocator header), so a flood of 1-byte
// segments meets the bound as surely as a few large ones. A segment that would
// take the waiting memory past the bound is not kept: the direction is
// abandoned there (overflowed()), and says so. held_bytes() never exceeds the bound.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace intact::capture {

inline constexpr std::size_t kDefaultMaxOutOfOrder = 4u << 20;  // 4 MiB per direction
// What one waiting segment costs beyond its payload, as counted against the bound.
inline constexpr std::size_t kSegmentOverhead = 128;

class TcpReassembler {
 public:
  explicit TcpReassembler(std::size_t max_out_of_order = kDefaultMaxOutOfOrder)
      : max_out_of_order_(max_out_of_order) {}

  // Adds one captured segment; appends the bytes that became contiguous to `out`.
  // `cut`: bytes of the segment's payload after `payload` that the capture did
  // not record (snap length); they become a hole unless a retransmission fills it.
  void add(std::uint32_t seq, bool syn, bool fin, bool rst, std::span<const std::uint8_t> payload,
           std::vector<std::uint8_t>& out, std::uint32_t cut = 0);

  // The SYN's sequence number, once seen (a retransmitted SYN repeats it).
  std::optional<std::uint32_t> syn_seq() const noexcept { return syn_seq_; }
  // No SYN was seen: the capture began after the connection did.
  bool started_mid_stream() const noexcept { return started_ && !syn_seq_; }
  // The FIN was reached in order, or a reset arrived: nothing more will be delivered.
  bool ended() const noexcept { return reset_ || (fin_at_ && next_ >= *fin_at_); }
  bool fin_reached() const noexcept { return fin_at_ && next_ >= *fin_at_; }
  bool reset() const noexcept { return reset_; }
  // Waiting bytes went over the bound: delivery stopped at hole()->offset.
  bool overflowed() const noexcept { return overflowed_; }
  std::uint64_t delivered() const noexcept { return next_; }
  std::uint64_t duplicate_bytes() const noexcept { return duplicate_bytes_; }
  // The memory of the segments waiting behind a hole, as counted against the
  // bound: their payload plus kSegmentOverhead each. At most max_out_of_order.
  std::size_t held_bytes() const noexcept { return waiting_bytes_; }
  std::size_t waiting_segments() const noexcept { return waiting_.size(); }
  std::size_t max_out_of_order() const noexcept { return max_out_of_order_; }

  struct Hole {
    std::uint64_t offset;   // stream offset of the first byte the capture lacks
    std::uint64_t missing;  // bytes up to the next recorded one (0: unknown, at the end)
    std::uint64_t waiting;  // bytes recorded after the hole, never delivered
  };
  // Bytes the capture lacks before data or a FIN it did record.
  std::optional<Hole> hole() const;

 private:
  // Maps a 32-bit sequence number to the 64-bit stream offset nearest to next_.
  std::int64_t offset_of(std::uint32_t seq) const noexcept;
  void deliver_waiting(std::vector<std::uint8_t>& out);

  std::size_t max_out_of_order_;
  bool started_ = false;
  std::optional<std::uint32_t> syn_seq_;
  std::uint32_t base_ = 0;  // sequence number of stream offset 0
  std::uint64_t next_ = 0;  // next stream offset to deliver
  std::map<std::uint64_t, std::vector<std::uint8_t>> waiting_;
  std::size_t waiting_bytes_ = 0;    // payload + kSegmentOverhead per segment
  std::size_t waiting_payload_ = 0;  // payload only (Hole::waiting)
  std::optional<std::uint64_t> fin_at_;
  std::uint64_t highest_seen_ = 0;  // one past the highest recorded byte or FIN
  bool reset_ = false;
  bool overflowed_ = false;
  std::optional<Hole> overflow_hole_;
  std::uint64_t duplicate_bytes_ = 0;
};

}  // namespace intact::capture
