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
// reads. Memory is bounded per connection, and a finished connection keeps
// none of its bytes (only its address pair, for a bounded while). verify_capture_file() runs it
// over a pcap or pcapng file.
#pragma once

#include <cstdint>
#include <deque>
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

struct VerifyOptions {
  FormatChoice format = FormatChoice::detect;
  std::optional<std::uint16_t> port;  // only connections with this port at either end
  std::size_t max_out_of_order = kDefaultMaxOutOfOrder;
};

struct CaptureStats {
  std::uint64_t packets = 0;
  std::uint64_t tcp_segments = 0;
  std::uint64_t fragments = 0;
  std::uint64_t malformed_packets = 0;
  std::uint64_t connections = 0;            // TCP connections seen (after the port filter)
  std::uint64_t connections_with_data = 0;  // ... that carried bytes, and were verified
  std::string link_type;
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
  void announce(Connection& c);
  void release(Connection& c);

  const Key& psk_;
  VerifyOptions options_;
  VerdictSink& sink_;
  CaptureStats stats_;
  std::map<Key4, std::unique_ptr<Connection>> connections_;  // open ones only
  // Address pairs of connections already judged, oldest first, at most kRememberedClosed.
  static constexpr std::size_t kRememberedClosed = 65536;
  std::map<Key4, std::uint64_t> closed_;  // -> when it closed (a generation number)
  std::deque<std::pair<Key4, std::uint64_t>> closed_order_;
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
