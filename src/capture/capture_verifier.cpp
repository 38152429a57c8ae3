#include "capture/capture_verifier.hpp"

#include <algorithm>
#include <array>

#include "capture/pcap_file.hpp"
#include "intact/failure.hpp"

namespace intact::capture {

namespace {

Direction direction_of(std::size_t dir) {
  return dir == 0 ? Direction::client_to_server : Direction::server_to_client;
}

}  // namespace

std::string_view verdict_name(Verdict v) noexcept {
  switch (v) {
    case Verdict::confirmed:
      return "confirmed";
    case Verdict::genuine:
      return "genuine";
    case Verdict::closed:
      return "closed";
    case Verdict::ended:
      return "ended";
    case Verdict::modified:
      return "modified";
    case Verdict::replayed:
      return "replayed";
    case Verdict::missing:
      return "missing";
    case Verdict::truncated:
      return "truncated";
    case Verdict::malformed:
      return "malformed";
    case Verdict::incomplete:
      return "incomplete";
    case Verdict::over_limit:
      return "over_limit";
  }
  return "unknown";
}

bool is_good(Verdict v) noexcept {
  return v == Verdict::confirmed || v == Verdict::genuine || v == Verdict::closed ||
         v == Verdict::ended;
}

struct CaptureVerifier::Connection {
  explicit Connection(std::size_t max_out_of_order)
      : dirs{TcpReassembler(max_out_of_order), TcpReassembler(max_out_of_order)} {}
  ConnectionInfo info;
  bool announced = false;
  bool reset = false;
  bool carried_bytes = false;  // a segment with payload was seen
  std::array<TcpReassembler, 2> dirs;
  // Bytes that arrived before the format was known: at most the first segment or two.
  std::array<std::vector<std::uint8_t>, 2> undecided;
  std::array<bool, 2> eof_fed{};
  std::array<bool, 2> stopped{};
  std::array<std::string, 2> end_note;
  std::unique_ptr<StreamObserver> observer;
  std::list<Connection*>::iterator idle_at;  // its place in idle_order_
  std::size_t counted = 0;                   // what held_connections_ counts for it
};

namespace {

// The fixed costs counted besides the bytes buffered (estimates on the generous
// side for a 64-bit libstdc++ build; the bench's resident-memory figure checks them):
// a tracked connection (its state, its nodes in the table and in the idle order,
// allocator headers); an observer (its state and the heap of its two OpenSSL MAC
// contexts); the address pair of a judged connection, remembered for a while
// (map node and queue entry).
constexpr std::size_t kConnectionCost = 2048;
constexpr std::size_t kObserverCost =
    std::max(sizeof(V1Observer), sizeof(LegacyObserver)) + 2 * 2048;
constexpr std::size_t kClosedEntryCost = 192;
// What the first bytes of a direction can need before the format is known
// (sniff_wire_format looks at 7 at most), with room to spare.
constexpr std::size_t kUndecidedMax = 16;
constexpr std::size_t kSniffBytes = 7;
// Above this, the delivery buffer is given back after each segment.
constexpr std::size_t kScratchKept = 4 * kMaxFeed;
// The largest segment payload a capture holds (libpcap's largest snap length).
constexpr std::size_t kMaxSegmentPayload = 262144;

// The most one connection holds: its fixed costs, both reassemblers and observer buffers full.
std::size_t connection_max(std::size_t max_out_of_order) noexcept {
  return kConnectionCost + kObserverCost + 2 * max_out_of_order +
         2 * kMaxObserverHeldPerDirection + 2 * kUndecidedMax;
}

// What the delivery buffer can hold for one segment: everything waiting behind a
// hole it fills, and its own payload, with a vector's doubling.
std::size_t scratch_max(std::size_t max_out_of_order, std::size_t payload) noexcept {
  return 2 * (max_out_of_order + payload);
}

}  // namespace

std::size_t min_held_bytes(std::size_t max_out_of_order) noexcept {
  return connection_max(max_out_of_order) + scratch_max(max_out_of_order, kMaxSegmentPayload) +
         CaptureVerifier::kRememberedClosed * kClosedEntryCost;
}

CaptureVerifier::CaptureVerifier(const Key& psk, VerifyOptions options, VerdictSink& sink)
    : psk_(psk), options_(options), sink_(sink) {
  static_assert(sizeof(Connection) + 512 <= kConnectionCost,
                "kConnectionCost must cover a connection and its table entries");
  options_.max_connections = std::max<std::size_t>(options_.max_connections, 1);
  options_.max_held_bytes =
      std::max(options_.max_held_bytes, min_held_bytes(options_.max_out_of_order));
  connection_max_ = connection_max(options_.max_out_of_order);
  stats_.max_held_bytes = options_.max_held_bytes;
  stats_.max_connections = options_.max_connections;
}

CaptureVerifier::~CaptureVerifier() = default;

CaptureVerifier::Connection& CaptureVerifier::open_connection(std::uint64_t packet,
                                                              const TcpSegment& seg) {
  auto c = std::make_unique<Connection>(options_.max_out_of_order);
  c->info.id = next_id_++;
  // The SYN's sender is the client; a SYN-ACK's sender is the server. Without
  // either, the first packet's sender is taken as the client.
  bool sender_is_server = seg.syn && seg.ack;
  c->info.client = sender_is_server ? seg.dst : seg.src;
  c->info.server = sender_is_server ? seg.src : seg.dst;
  c->info.began_mid_connection = !seg.syn;
  c->info.first_packet = packet;
  ++stats_.connections;
  Key4 key = std::minmax(seg.src, seg.dst);
  auto& slot = connections_[key];
  slot = std::move(c);
  slot->idle_at = idle_order_.insert(idle_order_.end(), slot.get());
  account(slot.get());
  return *slot;
}

std::size_t CaptureVerifier::held_of(const Connection& c) const noexcept {
  std::size_t held = kConnectionCost + c.dirs[0].held_bytes() + c.dirs[1].held_bytes() +
                     c.undecided[0].capacity() + c.undecided[1].capacity();
  if (c.observer) held += kObserverCost + c.observer->held_bytes();
  return held;
}

std::size_t CaptureVerifier::held_total() const noexcept {
  return held_connections_ + closed_order_.size() * kClosedEntryCost + scratch_.capacity();
}

void CaptureVerifier::account(Connection* c) {
  if (c != nullptr) {
    std::size_t now = held_of(*c);
    held_connections_ = held_connections_ - c->counted + now;
    c->counted = now;
  }
  stats_.held_bytes = held_total();
  stats_.peak_held_bytes = std::max(stats_.peak_held_bytes, stats_.held_bytes);
  stats_.open_connections = connections_.size();
  stats_.peak_open_connections = std::max(stats_.peak_open_connections, stats_.open_connections);
}

bool CaptureVerifier::make_room(Connection& c, std::size_t dir, std::size_t payload,
                                std::uint64_t packet) {
  // Room for the most this segment can add: `c` at its largest, and the delivery buffer.
  const std::size_t reserve = connection_max_ + scratch_max(options_.max_out_of_order, payload);
  account(&c);
  auto others = [&] { return held_total() - c.counted; };
  while (others() + reserve > options_.max_held_bytes && idle_order_.front() != &c) {
    give_up(*idle_order_.front(), packet,
            "the verifier held " + std::to_string(held_total()) +
                " bytes, and the next segment could take it past its bound of " +
                std::to_string(options_.max_held_bytes) +
                "; this connection, idle the longest, was given up to make room");
  }
  if (others() + reserve <= options_.max_held_bytes) return true;
  // Only a segment larger than any capture should hold comes here.
  report_over_limit(c, dir, packet,
                    "a segment of " + std::to_string(payload) +
                        " bytes does not fit within the verifier's bound of " +
                        std::to_string(options_.max_held_bytes) + " bytes");
  return false;
}

void CaptureVerifier::give_up(Connection& c, std::uint64_t packet, const std::string& why) {
  ++stats_.connections_over_limit;
  // A connection that never carried a byte had nothing to verify: it is only counted.
  if (c.carried_bytes) {
    for (std::size_t d = 0; d < 2; ++d) {
      if (!c.eof_fed[d]) report_over_limit(c, d, packet, why);
    }
  }
  release(c, /*over_limit=*/true);
}

void CaptureVerifier::report_over_limit(Connection& c, std::size_t dir, std::uint64_t packet,
                                        const std::string& why) {
  if (c.stopped[dir]) return;
  stop_direction(c, dir, packet, Verdict::over_limit,
                 "not verified: over the limit: " + why + "; this direction is not verified from byte " +
                     std::to_string(c.dirs[dir].delivered()) + " of its stream on");
}

void CaptureVerifier::stop_direction(Connection& c, std::size_t dir, std::uint64_t packet,
                                     Verdict verdict, std::string detail) {
  c.stopped[dir] = true;
  announce(c);
  VerdictRecord r;
  r.connection = c.info.id;
  r.format = c.info.format.value_or(WireFormat::v1);
  r.direction = direction_of(dir);
  r.packet = packet;
  r.verdict = verdict;
  r.detail = std::move(detail);
  sink_.verdict(r);
}

void CaptureVerifier::segment(std::uint64_t packet, const TcpSegment& seg) {
  if (options_.port && seg.src.port != *options_.port && seg.dst.port != *options_.port) return;
  Key4 key = std::minmax(seg.src, seg.dst);
  const bool fresh_syn = seg.syn && !seg.ack;
  if (auto gone = closed_.find(key); gone != closed_.end()) {
    if (!fresh_syn) {
      // A late ACK or retransmission of a connection already judged, or more of one
      // given up past a bound (counted: its bytes are not verified).
      if (gone->second.over_limit && (!seg.payload.empty() || seg.payload_cut > 0))
        ++stats_.segments_over_limit;
      return;
    }
    closed_.erase(gone);  // the ports were reused: a new connection
  }
  auto it = connections_.find(key);
  Connection* c = it == connections_.end() ? nullptr : it->second.get();
  if (c != nullptr && fresh_syn) {
    // A SYN that is not a retransmission of this connection's: the ports were reused.
    auto& client_dir = c->dirs[seg.src == c->info.client ? 0 : 1];
    if (!(client_dir.syn_seq() && *client_dir.syn_seq() == seg.seq)) {
      finish_connection(*c, packet, false);  // releases it
      closed_.erase(key);
      c = nullptr;
    }
  }
  if (c == nullptr) {
    // Nothing to judge in a bare ACK, FIN or reset of a connection never seen.
    if (!seg.syn && seg.payload.empty() && seg.payload_cut == 0) return;
    while (connections_.size() >= options_.max_connections) {
      give_up(*idle_order_.front(), packet,
              "more than " + std::to_string(options_.max_connections) +
                  " connections were open at once; this one, idle the longest, was given up "
                  "to make room for a new one");
    }
    c = &open_connection(packet, seg);
  } else {
    idle_order_.splice(idle_order_.end(), idle_order_, c->idle_at);  // now the most recent
  }
  std::size_t dir = seg.src == c->info.client ? 0 : 1;
  if (!seg.payload.empty() || seg.payload_cut > 0) c->carried_bytes = true;
  if (!make_room(*c, dir, seg.payload.size(), packet)) {
    if ((c->eof_fed[0] || c->stopped[0]) && (c->eof_fed[1] || c->stopped[1])) {
      release(*c);
    } else {
      account(c);
    }
    return;
  }
  scratch_.clear();
  c->dirs[dir].add(seg.seq, seg.syn, seg.fin, seg.rst, seg.payload, scratch_, seg.payload_cut);
  account(c);
  if (!scratch_.empty()) deliver(*c, dir, packet);
  if (scratch_.capacity() > kScratchKept) std::vector<std::uint8_t>().swap(scratch_);
  if (c->dirs[dir].overflowed()) report_hole(*c, dir, packet);
  if (seg.rst) {
    c->reset = true;  // a reset ends both directions at once
    end_direction(*c, 0, packet, false);
    end_direction(*c, 1, packet, false);
  } else if (c->dirs[dir].ended()) {
    end_direction(*c, dir, packet, false);
  }
  if ((c->eof_fed[0] || c->stopped[0]) && (c->eof_fed[1] || c->stopped[1])) {
    release(*c);
  } else {
    account(c);
  }
}

void CaptureVerifier::announce(Connection& c) {
  if (c.announced) return;
  c.announced = true;
  ++stats_.connections_with_data;
  sink_.connection(c.info);
}

bool CaptureVerifier::choose_format(Connection& c, bool force, std::uint64_t packet) {
  if (c.observer) return true;
  WireFormat format = WireFormat::v1;
  if (options_.format == FormatChoice::v1) {
    format = WireFormat::v1;
  } else if (options_.format == FormatChoice::legacy) {
    format = WireFormat::legacy;
  } else {
    // The first direction whose first bytes tell is believed (the client's, when both do).
    std::optional<WireFormat> sniffed;
    for (const auto& bytes : c.undecided) {
      if (bytes.empty()) continue;
      sniffed = sniffed_format(sniff_wire_format(bytes));
      if (!sniffed && force) sniffed = WireFormat::v1;  // a cut-off hello: v1 reports the truncation
      if (sniffed) break;
    }
    if (!sniffed) return false;
    format = *sniffed;
  }
  if (format == WireFormat::v1) {
    c.observer = std::make_unique<V1Observer>(psk_);
  } else {
    c.observer = std::make_unique<LegacyObserver>(psk_);
  }
  c.info.format = format;
  announce(c);
  for (std::size_t d = 0; d < 2; ++d) {
    if (c.undecided[d].empty()) continue;
    c.observer->feed(direction_of(d), c.undecided[d]);
    drain(c, packet);
    c.undecided[d] = {};
  }
  for (std::size_t d = 0; d < 2; ++d) {
    if (c.eof_fed[d]) c.observer->feed_eof(direction_of(d));
  }
  drain(c, packet);
  return true;
}

void CaptureVerifier::deliver(Connection& c, std::size_t dir, std::uint64_t packet) {
  if (c.stopped[dir] || c.eof_fed[dir]) return;
  std::span<const std::uint8_t> bytes = scratch_;
  if (!c.observer) {
    // Only the first bytes tell the format: keep no more of them than that.
    auto& first = c.undecided[dir];
    std::size_t take = std::min(bytes.size(), first.size() < kSniffBytes ? kSniffBytes - first.size() : 0);
    first.insert(first.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (!choose_format(c, !bytes.empty(), packet)) return;
  }
  feed_chunks(c, dir, bytes, packet);
}

void CaptureVerifier::feed_chunks(Connection& c, std::size_t dir,
                                  std::span<const std::uint8_t> bytes, std::uint64_t packet) {
  // A chunk at a time, polled in between, so the observer holds one frame and one chunk.
  while (!bytes.empty() && c.observer) {
    std::size_t n = std::min(bytes.size(), kMaxFeed);
    c.observer->feed(direction_of(dir), bytes.first(n));
    drain(c, packet);
    account(&c);
    bytes = bytes.subspan(n);
  }
}

void CaptureVerifier::end_direction(Connection& c, std::size_t dir, std::uint64_t packet,
                                    bool capture_end) {
  if (c.eof_fed[dir] || c.stopped[dir]) return;
  if (c.dirs[dir].hole()) {
    report_hole(c, dir, packet);
    return;
  }
  if (capture_end) {
    c.end_note[dir] = " (the capture ends while this direction was still open)";
  } else if (c.reset) {
    c.end_note[dir] = " (the connection was reset)";
  }
  c.eof_fed[dir] = true;
  if (!c.observer && !c.undecided[dir].empty()) choose_format(c, true, packet);
  if (!c.observer) return;  // no bytes yet: told at choose_format, if any ever come
  c.observer->feed_eof(direction_of(dir));
  drain(c, packet);
}

void CaptureVerifier::finish_connection(Connection& c, std::uint64_t packet, bool capture_end) {
  if (!c.observer && (!c.undecided[0].empty() || !c.undecided[1].empty()))
    choose_format(c, true, packet);
  for (std::size_t d = 0; d < 2; ++d) {
    // A hole found here means bytes the capture lacks, whether or not a FIN was seen.
    end_direction(c, d, packet, capture_end && !c.dirs[d].ended());
  }
  release(c);
}

void CaptureVerifier::release(Connection& c, bool over_limit) {
  // Forget the connection (this destroys `c`); remember only its address pair, so
  // that its last ACKs and late retransmissions are not taken for a new one.
  Key4 key = std::minmax(c.info.client, c.info.server);
  held_connections_ -= c.counted;
  idle_order_.erase(c.idle_at);
  connections_.erase(key);
  std::uint64_t generation = ++closed_generation_;
  closed_[key] = Closed{generation, over_limit};
  closed_order_.emplace_back(key, generation);
  while (closed_order_.size() > kRememberedClosed) {
    auto& [oldest, gen] = closed_order_.front();
    if (auto f = closed_.find(oldest); f != closed_.end() && f->second.generation == gen)
      closed_.erase(f);
    closed_order_.pop_front();
  }
  account(nullptr);
}

void CaptureVerifier::finish() {
  std::vector<Connection*> open;
  for (auto& [key, c] : connections_) open.push_back(c.get());
  std::sort(open.begin(), open.end(),
            [](const Connection* a, const Connection* b) { return a->info.id < b->info.id; });
  for (Connection* c : open) finish_connection(*c, 0, true);
}

void CaptureVerifier::drain(Connection& c, std::uint64_t packet) {
  while (c.observer) {
    auto o = c.observer->poll();
    if (!o) break;
    report(c, *o, packet);
  }
}

void CaptureVerifier::report_hole(Connection& c, std::size_t dir, std::uint64_t packet) {
  if (c.stopped[dir]) return;
  auto hole = c.dirs[dir].hole();
  if (c.dirs[dir].overflowed()) {
    std::string at = hole ? " behind a hole at byte " + std::to_string(hole->offset) +
                                " of the stream (the capture lacks " +
                                std::to_string(hole->missing) + " bytes there)"
                          : std::string();
    report_over_limit(c, dir, packet,
                      "more than " + std::to_string(options_.max_out_of_order) +
                          " bytes of segments (each counted with " +
                          std::to_string(kSegmentOverhead) + " bytes of overhead) waited" + at +
                          ", so they were freed and this direction abandoned");
    return;
  }
  std::string where = hole ? " at byte " + std::to_string(hole->offset) + " of the stream" : "";
  std::string lacks =
      hole && hole->missing > 0 ? std::to_string(hole->missing) + " bytes" : "bytes";
  std::string detail = "the capture lacks " + lacks + " of this direction" + where +
                       " (packets it did not record, or cut by its snap length)";
  if (hole && hole->waiting > 0) {
    detail += "; " + std::to_string(hole->waiting) + " bytes after them cannot be placed";
  }
  detail += ": verification of this direction stops here";
  stop_direction(c, dir, packet, Verdict::incomplete, std::move(detail));
}

namespace {

// A v1 CLOSE verified: its reason is verified text. The lab's format has none:
// the connection just ended.
void fill_close(VerdictRecord& r, const Event& e, bool v1, const std::string& end_note) {
  if (v1) {
    r.verdict = Verdict::closed;
    r.seq = e.seq;
    r.text.assign(e.detail.begin(), e.detail.end());  // the close reason, verified
    r.text_verified = true;
    r.detail.clear();
  } else {
    r.verdict = Verdict::ended;
    r.detail =
        "the connection ended; the lab's format has no authenticated close, so a "
        "cut connection would look the same" +
        end_note;
  }
}

// The core's event in an investigator's words: the verdict and what goes with it.
// `end_note` says how the direction ended (reset, end of capture), if it did.
void fill_verdict(VerdictRecord& r, Observation& o, bool v1, const std::string& end_note) {
  const Event& e = o.event;
  switch (e.kind) {
    case EventKind::established:
      r.verdict = Verdict::confirmed;
      r.seq = 0;
      r.sender.assign(e.sender);
      break;
    case EventKind::message:
      r.verdict = Verdict::genuine;
      r.seq = e.seq;
      r.sender.assign(e.sender);
      r.text.assign(e.payload.begin(), e.payload.end());
      r.text_verified = true;
      break;
    case EventKind::integrity_failure:
    case EventKind::replay:
      r.verdict = e.kind == EventKind::replay ? Verdict::replayed : Verdict::modified;
      r.seq = e.seq;
      r.text = std::move(o.captured_payload);
      break;
    case EventKind::gap:
      r.verdict = Verdict::missing;
      r.seq = e.seq;
      r.missing = e.missing;
      break;
    case EventKind::closed:
      fill_close(r, e, v1, end_note);
      break;
    case EventKind::truncated:
      r.verdict = Verdict::truncated;
      r.detail += end_note;
      break;
    case EventKind::protocol_error:
      r.verdict = Verdict::malformed;
      break;
  }
}

}  // namespace

void CaptureVerifier::report(Connection& c, Observation& o, std::uint64_t packet) {
  VerdictRecord r;
  r.connection = c.info.id;
  r.format = c.observer->format();
  r.direction = o.direction;
  r.packet = packet;
  r.frame_type = o.frame_type;
  r.detail = o.event.detail;
  const auto dir = static_cast<std::size_t>(o.direction);
  fill_verdict(r, o, r.format == WireFormat::v1, c.end_note[dir]);
  if (o.over_limit) r.verdict = Verdict::over_limit;
  sink_.verdict(r);
}

CaptureStats verify_capture_file(const std::string& path, const Key& psk,
                                 const VerifyOptions& options, VerdictSink& sink) {
  PcapFile file(path);
  return verify_capture(file, psk, options, sink);
}

CaptureStats verify_capture(PcapFile& file, const Key& psk, const VerifyOptions& options,
                            VerdictSink& sink) {
  CaptureVerifier verifier(psk, options, sink);
  CaptureStats& stats = verifier.stats();
  stats.link_type = file.link_type_name();
  CapturedPacket packet;
  std::string damage;
  try {
    while (file.next(packet)) {
      ++stats.packets;
      DecodedPacket d = decode_packet(file.link_type(), packet.bytes);
      switch (d.kind) {
        case PacketKind::tcp:
          ++stats.tcp_segments;
          verifier.segment(packet.number, d.segment);
          break;
        case PacketKind::fragment:
          ++stats.fragments;
          break;
        case PacketKind::malformed:
          ++stats.malformed_packets;
          break;
        case PacketKind::not_tcp:
          break;
      }
    }
  } catch (const Error& e) {
    damage = e.what();  // judge what was read before the damage, then report it
  }
  verifier.finish();
  if (!damage.empty()) {
    throw Error(Failure::io, damage + "; the verdicts above cover the packets before the damage");
  }
  return verifier.stats();
}

}  // namespace intact::capture
