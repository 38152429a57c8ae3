// src/capture/capture_verifier.hpp: every TCP connection in a capture, put back
// together and judged message by message by the protocol core.
//
// CaptureVerifier is sans-I/O: it is given decoded TCP segments in capture
// order (packet_decoder.hpp) and reports, through a VerdictSink, one verdict per
// frame or message. It tracks connections by their address pair, reassembles
// both directions (tcp_reassembler.hpp), detects the wire format from the first
// bytes with sniff_wire_format (intact/wire_sniff.hpp: a v1 hello or a v1 frame
// type opens protocol v1, anything else is the lab's format) and hands the
// bytes to a StreamObserver. It never decides a verdict itself: the
// core does; it only maps the core's events to the words an investigator
// reads. A finished connection keeps none of its bytes (only its address pair,
// for a bounded while). verify_capture_file() runs it over a pcap or pcapng file.
//
// Memory is bounded by stated figures, whatever the capture's size or shape, and
// the verifier counts what it holds (CaptureStats::held_bytes, peak_held_bytes):
// - per direction: segments waiting behind a hole, at most max_out_of_order
//   (4 MiB) counting kSegmentOverhead (128) bytes per segment besides its payload
//   (tcp_reassembler.hpp); the observer's buffer, at most a hello, one maximal
//   frame and one 64 KiB chunk (kMaxObserverHeldPerDirection, stream_observer.hpp);
// - connections: at most max_connections (4,096) tracked at once, each counted at
//   a fixed cost (its state, table entries, MAC contexts) plus the bytes it holds;
// - in all: at most max_held_bytes (32 MiB), the bound held_bytes never passes:
//   before each segment the verifier makes room for the largest growth one segment
//   can cause (one connection's maximum plus the delivery buffer).
// Past a bound, the connection idle the longest is given up (or, for the first
// two, the direction): what it had not yet verified is reported as the verdict
// `over_limit` ("not verified: over the limit"), counted in connections_over_limit
// and segments_over_limit; nothing is dropped silently.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "capture/packet_decoder.hpp"
#include "capture/stream_observer.hpp"
#include "capture/tcp_reassembler.hpp"
#include "intact/key.hpp"
#include "intact/wire_sniff.hpp"

namespace intact::capture {

enum class Verdict : std::uint8_t {
  confirmed,   // v1: this side's CONFIRM verified: keys and hellos check out
  genuine,     // the message verified and is in its place
  closed,      // v1: the authenticated close
  ended,       // legacy: the connection ended (the format has no authenticated close)
  modified,    // the tag did not verify: the bytes were changed (or another key was used)
  replayed,    // a valid frame seen before, or out of order
  missing,     // messages before this one never arrived (deleted)
  truncated,   // the stream ended without an authenticated close, or inside a message
  malformed,   // the bytes are not the protocol: verification of that side stops
  incomplete,  // the capture lacks bytes of the stream (lost packets): verification stops
  over_limit,  // not verified: over the limit (a memory bound): verification of it stops
};

std::string_view verdict_name(Verdict v) noexcept;
// The verdicts that say nothing was wrong.
bool is_good(Verdict v) noexcept;

struct ConnectionInfo {
  std::uint64_t id = 0;  // 1-based, in order of first packet
  TcpEndpoint client;    // the side that sent the SYN (or the first packet, if none was captured)
  TcpEndpoint server;
  std::optional<WireFormat> format;   // unknown only when the capture lacks the first bytes
  bool began_mid_connection = false;  // no SYN in the capture
  std::uint64_t first_packet = 0;
};

struct VerdictRecord {
  std::uint64_t connection = 0;
  WireFormat format = WireFormat::v1;
  Direction direction = Direction::client_to_server;
  std::uint64_t packet = 0;  // the capture frame that completed it; 0 for the end of the capture
  Verdict verdict = Verdict::genuine;
  std::optional<std::uint64_t> seq;  // v1: sequence number; legacy: message number in its direction
  std::optional<v1::FrameType> frame_type;
  std::string sender;  // CONFIRM: the name the side gave; CHAT: the relayed user
  // genuine: the verified payload. modified, replayed: the payload as captured
  // (text_verified false; never to be trusted).
  std::vector<std::uint8_t> text;
  bool text_verified = false;
  std::uint64_t missing = 0;  // `missing`: how many
  std::string detail;
};

class VerdictSink {
 public:
  virtual ~VerdictSink() = default;
  virtual void connection(const ConnectionInfo& info) = 0;
  virtual void verdict(const VerdictRecord& record) = 0;
};

using intact::FormatChoice;  // detect (intact/wire_sniff.hpp), v1, legacy

inline constexpr std::size_t kDefaultMaxConnections = 4096;
inline constexpr std::size_t kDefaultMaxHeldBytes = 32u << 20;  // 32 MiB

struct VerifyOptions {
  FormatChoice format = FormatChoice::detect;
  std::optional<std::uint16_t> port;  // only connections with this port at either end
  std::size_t max_out_of_order = kDefaultMaxOutOfOrder;  // per direction
  std::size_t max_connections = kDefaultMaxConnections;  // tracked at once (at least 1)
  // In all; raised to min_held_bytes(max_out_of_order) if below it, so that one
  // connection at its largest always fits.
  std::size_t max_held_bytes = kDefaultMaxHeldBytes;
};

// The smallest total bound the verifier accepts with that per-direction bound.
std::size_t min_held_bytes(std::size_t max_out_of_order) noexcept;

struct CaptureStats {
  std::uint64_t packets = 0;
  std::uint64_t tcp_segments = 0;
  std::uint64_t fragments = 0;
  std::uint64_t malformed_packets = 0;
  std::uint64_t connections = 0;            // TCP connections seen (after the port filter)
  std::uint64_t connections_with_data = 0;  // ... that carried bytes, and were verified
  std::string link_type;
  // The verifier's own accounting of the memory it holds (bytes buffered, plus the
  // fixed costs stated in the header comment); never above max_held_bytes.
  std::uint64_t held_bytes = 0;
  std::uint64_t peak_held_bytes = 0;
  std::uint64_t max_held_bytes = 0;      // the bound in force
  std::uint64_t open_connections = 0;    // tracked now
  std::uint64_t peak_open_connections = 0;
  std::uint64_t max_connections = 0;     // the bound in force
  // Connections given up past a bound (with or without data), and their segments
  // that carried bytes afterwards: not verified, over the limit.
  std::uint64_t connections_over_limit = 0;
  std::uint64_t segments_over_limit = 0;
};

class CaptureVerifier {
 public:
  // `psk` is held by reference: it must outlive the verifier.
  CaptureVerifier(const Key& psk, VerifyOptions options, VerdictSink& sink);
  CaptureVerifier(Key&& psk, VerifyOptions options, VerdictSink& sink) = delete;
  ~CaptureVerifier();

  // One decoded segment, in capture order; `packet` is its frame number.
  void segment(std::uint64_t packet, const TcpSegment& seg);
  // The capture ended: judges whatever is still open.
  void finish();
  const CaptureStats& stats() const noexcept { return stats_; }
  CaptureStats& stats() noexcept { return stats_; }

  // Address pairs of connections already judged are remembered, oldest first, at most this many.
  static constexpr std::size_t kRememberedClosed = 16384;

 private:
  struct Connection;
  using Key4 = std::pair<TcpEndpoint, TcpEndpoint>;
  Connection& open_connection(std::uint64_t packet, const TcpSegment& seg);
  void deliver(Connection& c, std::size_t dir, std::uint64_t packet);
  bool choose_format(Connection& c, bool force, std::uint64_t packet);
  void end_direction(Connection& c, std::size_t dir, std::uint64_t packet, bool capture_end);
  void finish_connection(Connection& c, std::uint64_t packet, bool capture_end);
  void drain(Connection& c, std::uint64_t packet);
  void report(Connection& c, Observation& o, std::uint64_t packet);
  void report_hole(Connection& c, std::size_t dir, std::uint64_t packet);
  // Stops judging direction `dir` of `c` with one verdict record (incomplete, over_limit).
  void stop_direction(Connection& c, std::size_t dir, std::uint64_t packet, Verdict verdict,
                      std::string detail);
  void announce(Connection& c);
  void release(Connection& c, bool over_limit = false);
  void feed_chunks(Connection& c, std::size_t dir, std::span<const std::uint8_t> bytes,
                   std::uint64_t packet);
  bool make_room(Connection& c, std::size_t dir, std::size_t payload, std::uint64_t packet);
  void give_up(Connection& c, std::uint64_t packet, const std::string& why);
  void report_over_limit(Connection& c, std::size_t dir, std::uint64_t packet,
                         const std::string& why);
  std::size_t held_of(const Connection& c) const noexcept;
  void account(Connection* c);  // brings held_bytes up to date (with c's current holding)
  std::size_t held_total() const noexcept;

  const Key& psk_;
  VerifyOptions options_;
  VerdictSink& sink_;
  CaptureStats stats_;
  std::map<Key4, std::unique_ptr<Connection>> connections_;  // open ones only
  std::list<Connection*> idle_order_;  // open ones, the one idle the longest first
  struct Closed {
    std::uint64_t generation = 0;  // when it closed
    bool over_limit = false;       // given up past a bound, not judged to its end
  };
  std::map<Key4, Closed> closed_;
  std::deque<std::pair<Key4, std::uint64_t>> closed_order_;
  std::size_t held_connections_ = 0;  // the sum of what each open connection was last counted at
  std::size_t connection_max_ = 0;    // the most one connection can hold
  std::uint64_t closed_generation_ = 0;
  std::uint64_t next_id_ = 1;
  std::vector<std::uint8_t> scratch_;
};

// Reads `path` (pcap or pcapng) and verifies every TCP connection in it. Throws
// intact::Error (exit code 1) when the file cannot be read.
CaptureStats verify_capture_file(const std::string& path, const Key& psk,
                                 const VerifyOptions& options, VerdictSink& sink);
// The same over a capture already open (a file, or bytes in memory: the fuzz target).
class PcapFile;
CaptureStats verify_capture(PcapFile& file, const Key& psk, const VerifyOptions& options,
                            VerdictSink& sink);

}  // namespace intact::capture
