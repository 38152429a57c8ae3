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
  std::array<TcpReassembler, 2> dirs;
  // Bytes that arrived before the format was known: at most the first segment or two.
  std::array<std::vector<std::uint8_t>, 2> undecided;
  std::array<bool, 2> eof_fed{};
  std::array<bool, 2> stopped{};
  std::array<std::string, 2> end_note;
  std::unique_ptr<StreamObserver> observer;
};

CaptureVerifier::CaptureVerifier(const Key& psk, VerifyOptions options, VerdictSink& sink)
    : psk_(psk), options_(options), sink_(sink) {}

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
  return *slot;
}

void CaptureVerifier::segment(std::uint64_t packet, const TcpSegment& seg) {
  if (options_.port && seg.src.port != *options_.port && seg.dst.port != *options_.port) return;
  Key4 key = std::minmax(seg.src, seg.dst);
  const bool fresh_syn = seg.syn && !seg.ack;
  if (auto gone = closed_.find(key); gone != closed_.end()) {
    if (!fresh_syn) return;  // a late ACK or retransmission of a connection already judged
    closed_.erase(gone);     // the ports were reused: a new connection
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
    c = &open_connection(packet, seg);
  }
  std::size_t dir = seg.src == c->info.client ? 0 : 1;
  scratch_.clear();
  c->dirs[dir].add(seg.seq, seg.syn, seg.fin, seg.rst, seg.payload, scratch_, seg.payload_cut);
  if (!scratch_.empty()) deliver(*c, dir, packet);
  if (c->dirs[dir].overflowed()) report_hole(*c, dir, packet);
  if (seg.rst) {
    c->reset = true;  // a reset ends both directions at once
    end_direction(*c, 0, packet, false);
    end_direction(*c, 1, packet, false);
  } else if (c->dirs[dir].ended()) {
    end_direction(*c, dir, packet, false);
  }
  if ((c->eof_fed[0] || c->stopped[0]) && (c->eof_fed[1] || c->stopped[1])) release(*c);
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
  if (!c.observer) {
    c.undecided[dir].insert(c.undecided[dir].end(), scratch_.begin(), scratch_.end());
    choose_format(c, false, packet);
    return;
  }
  c.observer->feed(direction_of(dir), scratch_);
  drain(c, packet);
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

void CaptureVerifier::release(Connection& c) {
  // Forget the connection (this destroys `c`); remember only its address pair, so
  // that its last ACKs and late retransmissions are not taken for a new one.
  Key4 key = std::minmax(c.info.client, c.info.server);
  connections_.erase(key);
  std::uint64_t generation = ++closed_generation_;
  closed_[key] = generation;
  closed_order_.emplace_back(key, generation);
  while (closed_order_.size() > kRememberedClosed) {
    auto& [oldest, gen] = closed_order_.front();
    if (auto f = closed_.find(oldest); f != closed_.end() && f->second == gen) closed_.erase(f);
    closed_order_.pop_front();
  }
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
  c.stopped[dir] = true;
  announce(c);
  auto hole = c.dirs[dir].hole();
  VerdictRecord r;
  r.connection = c.info.id;
  r.format = c.info.format.value_or(WireFormat::v1);
  r.direction = direction_of(dir);
  r.packet = packet;
  r.verdict = Verdict::incomplete;
  std::string where = hole ? " at byte " + std::to_string(hole->offset) + " of the stream" : "";
  std::string lacks =
      hole && hole->missing > 0 ? std::to_string(hole->missing) + " bytes" : "bytes";
  r.detail = "the capture lacks " + lacks + " of this direction" + where +
             " (packets it did not record, or cut by its snap length)";
  if (c.dirs[dir].overflowed()) {
    r.detail += "; more than " + std::to_string(options_.max_out_of_order) +
                " bytes waited behind them, so this direction was abandoned";
  } else if (hole && hole->waiting > 0) {
    r.detail += "; " + std::to_string(hole->waiting) + " bytes after them cannot be placed";
  }
  r.detail += ": verification of this direction stops here";
  sink_.verdict(r);
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
