// src/capture/stream_observer.hpp: a passive observer of one intact connection
// who holds the pre-shared key and sees both directions, as a capture does.
//
// Sans-I/O, like the session core it drives: it is fed each direction's bytes
// (already reassembled) and hands back one Observation per frame or message,
// with the core's verdict. V1Observer reads both hellos, derives the keys
// (v1::derive_keys), checks each side's CONFIRM against the transcript and
// then runs one FrameReceiver per direction; LegacyObserver runs one
// LegacySession per direction. Neither re-implements framing or verification,
// neither ever reports unverified bytes as a message: bytes shown for a
// modified or replayed frame travel separately, marked as captured, not trusted.
// Buffers are bounded by one maximal frame plus one fed chunk per direction
// (kMaxObserverHeldPerDirection, when fed at most kMaxFeed bytes at a time and
// polled until nullopt in between, as the capture verifier does): before the
// handshake, a side that has sent its hello and one maximal frame while the other
// side's hello is still missing is stopped as over the limit (Observation::over_limit),
// instead of being buffered. held_bytes() says how much an observer holds.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "intact/direction.hpp"
#include "intact/frame.hpp"
#include "intact/key.hpp"
#include "intact/legacy.hpp"
#include "intact/session.hpp"

namespace intact::capture {

using intact::Direction;

// Bytes of a not-genuine frame shown to the investigator are cut to this many.
inline constexpr std::size_t kMaxShownUnverified = 4096;
// The most a caller should feed at once (the capture verifier's chunk).
inline constexpr std::size_t kMaxFeed = 64 * 1024;
// What an observer holds per direction at most, fed kMaxFeed at a time: v1, a
// hello and one maximal frame (1 MiB payload) plus one chunk; the lab's format
// holds less (two copies of one 64 KiB message).
inline constexpr std::size_t kMaxObserverHeldPerDirection =
    v1::kHelloSize + v1::kFrameOverhead + v1::kMaxPayload + kMaxFeed;

struct Observation {
  Direction direction = Direction::client_to_server;
  // The core's event. v1: `established` means this direction's CONFIRM verified
  // (`sender` is the name it carries); `seq` is the frame's sequence number.
  // Legacy: `seq` is the message's number in its direction, from 1.
  // `payload` and `sender` stay valid until the next feed().
  Event event;
  // v1: the frame's type as sent (CONFIRM, DATA, ...), when a whole frame was read.
  std::optional<v1::FrameType> frame_type;
  // modified or replayed: the payload as captured (at most kMaxShownUnverified
  // bytes). Its tag did not verify, or it was a repeat: never to be trusted.
  std::vector<std::uint8_t> captured_payload;
  // The observer stopped this connection because holding more would pass its
  // bound (kMaxObserverHeldPerDirection): what follows is not verified.
  bool over_limit = false;
};

class StreamObserver {
 public:
  virtual ~StreamObserver() = default;
  virtual WireFormat format() const noexcept = 0;
  // Poll until nullopt before feeding again.
  virtual void feed(Direction d, std::span<const std::uint8_t> bytes) = 0;
  // That direction will carry nothing more (FIN, reset, or the capture ended).
  virtual void feed_eof(Direction d) = 0;
  virtual std::optional<Observation> poll() = 0;
  // Bytes the observer holds in its buffers (their high-water mark, which is
  // what they keep allocated), at most kMaxObserverHeldPerDirection per direction.
  virtual std::size_t held_bytes() const noexcept { return 0; }
};

class V1Observer final : public StreamObserver {
 public:
  // `psk` is held by reference: it must outlive the observer.
  explicit V1Observer(const Key& psk);
  explicit V1Observer(Key&& psk) = delete;
  WireFormat format() const noexcept override { return WireFormat::v1; }
  void feed(Direction d, std::span<const std::uint8_t> bytes) override;
  void feed_eof(Direction d) override;
  std::optional<Observation> poll() override;
  std::size_t held_bytes() const noexcept override;

 private:
  enum class Stage { hello, confirm, frames, stopped };
  struct Side {
    InputBuffer in;
    std::size_t high_water = 0;  // the most `in` held: what its buffer keeps allocated
    bool eof = false;
    Stage stage = Stage::hello;
    std::optional<FrameReceiver> rx;
    std::string name;  // from its CONFIRM
  };
  std::optional<Observation> poll_hellos();
  std::optional<Observation> poll_confirm(Direction d);
  std::optional<Observation> poll_frames(Direction d);
  Side& side(Direction d) noexcept { return sides_[static_cast<std::size_t>(d)]; }
  Observation stop_both(Direction d, EventKind kind, std::string detail);

  const Key& psk_;
  std::array<Side, 2> sides_;
  std::vector<std::uint8_t> client_hello_;
  std::vector<std::uint8_t> server_hello_;
};

class LegacyObserver final : public StreamObserver {
 public:
  explicit LegacyObserver(const Key& psk);
  WireFormat format() const noexcept override { return WireFormat::legacy; }
  void feed(Direction d, std::span<const std::uint8_t> bytes) override;
  void feed_eof(Direction d) override;
  std::optional<Observation> poll() override;
  std::size_t held_bytes() const noexcept override;

 private:
  struct Side {
    explicit Side(const Key& psk) : session(psk) {}
    LegacySession session;
    std::size_t high_water = 0;  // the most `shadow` held (the session's buffer holds as much)
    // The same bytes again, cut with the same legacy::find_boundary, so that a
    // message that fails its check can be shown as captured.
    InputBuffer shadow;
    std::size_t shadow_scan = 0;
    std::uint64_t count = 0;
    bool done = false;
  };
  std::optional<Observation> poll_side(Direction d);
  std::array<Side, 2> sides_;
};

}  // namespace intact::capture
