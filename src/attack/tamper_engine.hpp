// src/attack/tamper_engine.hpp: the tamper proxy's attack engine for one
// connection, sans-I/O: fed the bytes each side sent, it hands back the bytes
// to deliver in each direction after applying the attacks.
//
// Both directions are cut into records without the key (RecordSplitter); each
// application message is numbered and every AttackSpec that targets it acts
// on it. Everything the engine does is logged (LogEntry). It never touches a
// socket, a clock or a terminal, so each attack is tested with byte strings.
// Memory is bounded: one partial record per direction, at most 64 held-back
// messages per direction, kMaxRecorded recorded messages per direction for splicing;
// the caller bounds the output it has not written yet (output_size()).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "attack/action_log.hpp"
#include "attack/attack_spec.hpp"
#include "attack/record_splitter.hpp"
#include "intact/wire_sniff.hpp"

namespace intact::attack {

using intact::FormatChoice;  // detect (from the first bytes, intact/wire_sniff.hpp), v1, legacy

// The messages of the most recent finished connection, kept so `splice` can
// insert one into a later connection. Shared by all connections of a proxy.
class SpliceStore {
 public:
  static constexpr std::size_t kMaxRecorded = 64;
  void commit(WireFormat format, std::array<std::vector<std::vector<std::uint8_t>>, 2> recorded);
  // Message `number` of direction d (or the last one recorded, when fewer were).
  const std::vector<std::uint8_t>* find(WireFormat format, Direction d, std::uint64_t number) const;

 private:
  std::optional<WireFormat> format_;
  std::array<std::vector<std::vector<std::uint8_t>>, 2> recorded_;
};

// Lines typed by the proxy's operator (--interactive): each replaces the text
// of the next message in one direction. Bounded: lines beyond kMaxLines wait
// in the terminal, not in memory.
class ReplacementQueue {
 public:
  static constexpr std::size_t kMaxLines = 32;
  explicit ReplacementQueue(Direction d) : direction_(d) {}
  bool push(std::string line);  // false when full
  std::optional<std::string> pop(Direction d);
  Direction direction() const noexcept { return direction_; }
  std::size_t size() const noexcept { return lines_.size(); }

 private:
  Direction direction_;
  std::deque<std::string> lines_;
};

class TamperEngine {
 public:
  struct Options {
    FormatChoice format = FormatChoice::detect;
    std::vector<AttackSpec> attacks;
    SpliceStore* splice_store = nullptr;          // shared across connections; may be null
    ReplacementQueue* replacements = nullptr;     // interactive mode; may be null
    std::vector<std::uint8_t> interactive_retag;  // legacy replacements: retag under this key
    std::uint64_t connection = 1;                 // for the log
  };

  explicit TamperEngine(Options options);

  // Bytes that arrived from the sender of direction d.
  void feed(Direction d, std::span<const std::uint8_t> bytes);
  // The sender of direction d will send nothing more.
  void feed_eof(Direction d);

  // Bytes to deliver in direction d (to the server for c2s). Take them with
  // take_output, write them, and call again.
  void take_output(Direction d, std::vector<std::uint8_t>& into);
  std::size_t output_size(Direction d) const noexcept { return lanes_[index(d)].out.size(); }
  // Direction d's sender ended and everything it sent is in the output:
  // shut down the write side towards d's receiver once the output is written.
  bool ended(Direction d) const noexcept { return lanes_[index(d)].eof_done; }
  // A `cut` fired: write what is queued, then close both sides.
  bool cut() const noexcept { return cut_; }

  std::vector<LogEntry> take_log();
  std::optional<WireFormat> format() const noexcept { return format_; }

  // The connection is over: its messages become the splice store's recording.
  void finish();

 private:
  struct Held {
    std::uint64_t release_after;  // deliver once message release_after has been handled
    std::vector<std::uint8_t> bytes;
    std::string what;
  };
  struct Lane {
    std::optional<RecordSplitter> splitter;
    std::vector<std::uint8_t> out;
    std::vector<Held> held;
    std::vector<std::vector<std::uint8_t>> recorded;
    std::vector<std::uint8_t> undetected;  // first bytes, until the format is known (< 6)
    bool eof = false;
    bool eof_done = false;
  };
  static std::size_t index(Direction d) noexcept { return d == Direction::client_to_server ? 0 : 1; }

  void detect(Direction d, std::span<const std::uint8_t> bytes);
  void start(WireFormat format, std::string_view how);
  void drain(Direction d);
  void handle(Direction d, Record record);
  void handle_message(Direction d, Record record);
  void release(Direction d, std::uint64_t handled, bool all);
  struct Disposition;
  void apply(Direction d, ActionKind kind, const AttackSpec& spec, std::mt19937_64& rng,
             std::uint64_t number, Disposition& disp);
  // One function per class of attack; `Hit` is the message and the spec that hit it.
  struct Hit;
  void alter(Hit& h, ActionKind kind);  // flip, replace
  void forge(Hit& h);                   // inject
  void splice(Hit& h);                  // splice
  void delay(Hit& h, ActionKind kind);  // replay, swap
  bool hold(Hit& h, std::uint64_t after, std::string what);
  void reroute(Hit& h, ActionKind kind);  // drop, dup, reflect, cut
  void log(std::optional<Direction> d, std::uint64_t message, LogAction action,
           std::string detail);

  Options opts_;
  std::optional<WireFormat> format_;
  std::array<Lane, 2> lanes_;
  std::vector<std::mt19937_64> rngs_;  // one per attack spec, seeded by its seed=
  std::vector<LogEntry> log_;
  bool cut_ = false;
  bool finished_ = false;
};

}  // namespace intact::attack
