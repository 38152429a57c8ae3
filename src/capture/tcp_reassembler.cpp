#include "capture/tcp_reassembler.hpp"

#include <algorithm>

namespace intact::capture {

std::int64_t TcpReassembler::offset_of(std::uint32_t seq) const noexcept {
  auto rel = static_cast<std::uint32_t>(seq - base_);
  auto delta = static_cast<std::int32_t>(rel - static_cast<std::uint32_t>(next_));
  return static_cast<std::int64_t>(next_) + delta;
}

void TcpReassembler::add(std::uint32_t seq, bool syn, bool fin, bool rst,
                         std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out,
                         std::uint32_t cut) {
  if (syn) {
    if (!syn_seq_ && !started_) {
      syn_seq_ = seq;
      base_ = seq + 1;
    }
    ++seq;  // the SYN takes one sequence number; any data (TCP Fast Open) follows it
  }
  if (!started_) {
    started_ = true;
    if (!syn_seq_) base_ = seq;  // capture began mid-connection: start where we came in
  }
  if (reset_ || overflowed_) return;
  if (rst) {
    reset_ = true;
    return;
  }
  std::int64_t at = offset_of(seq);
  auto len = static_cast<std::int64_t>(payload.size());
  std::int64_t end = at + len + cut;
  if (fin && end >= 0 && !fin_at_) {
    fin_at_ = static_cast<std::uint64_t>(end);
    // Bytes recorded past the FIN were never read by the receiver: forget them.
    for (auto it = waiting_.lower_bound(*fin_at_); it != waiting_.end(); it = waiting_.erase(it)) {
      waiting_bytes_ -= it->second.size() + kSegmentOverhead;
      waiting_payload_ -= it->second.size();
    }
  }
  if (fin_at_) {  // the receiver reads nothing past the FIN, so nothing past it is delivered
    auto limit = static_cast<std::int64_t>(*fin_at_);
    len = std::clamp<std::int64_t>(limit - at, 0, len);
    payload = payload.first(static_cast<std::size_t>(len));
    end = std::min(end, limit);
  }
  if (end > 0) highest_seen_ = std::max(highest_seen_, static_cast<std::uint64_t>(end));
  if (len > 0) {
    auto next = static_cast<std::int64_t>(next_);
    if (at + len <= next) {
      duplicate_bytes_ += payload.size();
    } else {
      if (at < next) {  // overlaps what was delivered: keep only the new part
        duplicate_bytes_ += static_cast<std::uint64_t>(next - at);
        payload = payload.subspan(static_cast<std::size_t>(next - at));
        at = next;
      }
      if (at == next) {
        out.insert(out.end(), payload.begin(), payload.end());
        next_ += payload.size();
      } else {
        auto key = static_cast<std::uint64_t>(at);
        auto found = waiting_.find(key);
        std::size_t have = found == waiting_.end() ? 0 : found->second.size();
        if (have < payload.size()) {  // keep the longest copy of a retransmission
          std::size_t grow = payload.size() - have + (found == waiting_.end() ? kSegmentOverhead : 0);
          if (waiting_bytes_ + grow > max_out_of_order_) {
            // Give up on this direction rather than grow past the bound (this segment is
            // not kept); remember only where it stopped.
            overflowed_ = true;
            std::uint64_t first = waiting_.empty() ? key : std::min(key, waiting_.begin()->first);
            overflow_hole_ = Hole{next_, first - next_, waiting_payload_ + payload.size() - have};
            waiting_.clear();
            waiting_bytes_ = 0;
            waiting_payload_ = 0;
            return;
          }
          waiting_bytes_ += grow;
          waiting_payload_ += payload.size() - have;
          waiting_[key].assign(payload.begin(), payload.end());
        }
      }
    }
  }
  deliver_waiting(out);
}

void TcpReassembler::deliver_waiting(std::vector<std::uint8_t>& out) {
  while (!waiting_.empty()) {
    auto it = waiting_.begin();
    if (it->first > next_) break;
    auto& bytes = it->second;
    std::uint64_t end = it->first + bytes.size();
    if (fin_at_) end = std::min(end, std::max(*fin_at_, it->first));  // nothing past the FIN
    if (end > next_) {
      auto skip = static_cast<std::ptrdiff_t>(next_ - it->first);
      duplicate_bytes_ += static_cast<std::uint64_t>(skip);
      out.insert(out.end(), bytes.begin() + skip,
                 bytes.begin() + static_cast<std::ptrdiff_t>(end - it->first));
      next_ = end;
    } else {
      duplicate_bytes_ += end - it->first;
    }
    waiting_bytes_ -= bytes.size() + kSegmentOverhead;
    waiting_payload_ -= bytes.size();
    waiting_.erase(it);
  }
}

std::optional<TcpReassembler::Hole> TcpReassembler::hole() const {
  if (overflow_hole_) return overflow_hole_;
  if (!waiting_.empty()) {
    return Hole{next_, waiting_.begin()->first - next_, waiting_payload_};
  }
  if (fin_at_ && next_ < *fin_at_) return Hole{next_, *fin_at_ - next_, 0};
  // Bytes seen past a FIN learnt later do not count: the receiver never read them.
  std::uint64_t highest = fin_at_ ? std::min(highest_seen_, *fin_at_) : highest_seen_;
  if (highest > next_) return Hole{next_, highest - next_, 0};
  return std::nullopt;
}

}  // namespace intact::capture
