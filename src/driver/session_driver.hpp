// driver/session_driver.hpp: the one lifecycle every tool drives a Session through.
//
// A Session (core) knows the wire: frames, tags, sequence numbers. It does not
// know when to give up on a silent peer, how long to wait for the answer to our
// close, what to do with the CONFIRM we queued when the peer's turned out wrong,
// or how much may wait for a peer that does not read. SessionDriver is that
// policy, written once. It is sans-I/O too: the transport (an Asio socket in
// net::Connection, a blocking descriptor in FdPump, two in-memory peers in a test
// or the campaign) tells it what happened -- bytes arrived, the read side ended,
// bytes were written, the time is now -- and asks it what to do: write this,
// half-close now, wake me at deadline(), tear down with this Disconnect.
//
// The time is always passed in, so the unit tests drive it with a fake clock.
//
// Order of things, for the transport:
//   received()/received_end()  then  poll() until nullopt (the application sees
//   each event; the driver has already applied what the event means: a peer's
//   close is answered (code normal), a fatal error stops reading and flushes what
//   is queued -- after the handshake with a CLOSE whose code names the failure);
//   take_output() and wrote() as the socket takes bytes; when
//   wants_write_shutdown(), half-close and call write_shut_down(); at deadline(),
//   on_timer(); once ended(), close the transport and report disconnect().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "intact/failure.hpp"
#include "intact/session.hpp"

namespace intact::driver {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct Limits {
  // The one memory bound of a connection: bytes waiting for a peer that does not read, plus
  // the part of a message still arriving from it (at most one frame, 1 MiB + 45, plus a read).
  std::size_t max_queued_bytes = 4u << 20;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds idle_timeout{0};  // 0: none
  std::chrono::milliseconds linger{2'000};    // after our close is sent, how long we wait for the peer's
  // Until our close is sent, what we queued before it is still being flushed: that may take
  // long (a slow peer), and is given up only when no byte could be written for this long.
  std::chrono::milliseconds flush_timeout{30'000};
  // After the handshake, a message whose first byte arrived must be complete within this, or
  // the connection is closed (code idle): a peer dribbling a frame a byte a second would
  // otherwise hold its buffer forever and never be idle. 0: no limit.
  std::chrono::milliseconds frame_timeout{0};
};

// Why a driven session ended: decide on `failure`, show `detail`.
struct Disconnect {
  Failure failure = Failure::none;  // none: both authenticated closes exchanged (or the lab's clean end)
  std::string detail;               // a one-line reason, for a log
  bool clean() const noexcept { return failure == Failure::none; }
};

class SessionDriver {
 public:
  // The session must outlive the driver. A client session's hello (or a lab
  // session's readiness) is visible at once through poll() and take_output().
  SessionDriver(Session& session, Limits limits, TimePoint now);

  Session& session() noexcept { return session_; }
  const Session& session() const noexcept { return session_; }
  const Limits& limits() const noexcept { return limits_; }

  // ---- what the transport saw
  void received(std::span<const std::uint8_t> bytes, TimePoint now);
  // The read side ended: an orderly end of stream (`lost` empty), or a failed
  // read (`lost` says how). What the session makes of it (a truncation, the
  // lab's end) comes out of poll().
  void received_end(TimePoint now, std::string lost = {});
  // False once nothing more should be read: the session finished, a fatal
  // event, or the driver ended.
  bool wants_input() const noexcept;

  // The next event for the application, or nullopt. Call until nullopt after
  // every received*(). A message's payload is valid until the next received().
  // What an event means for the connection (a close answered, a fatal error's
  // end) is applied at the next call, after the application has seen it.
  std::optional<Event> poll();
  // Saw the established event (or the lab's session, established at once).
  bool established() const noexcept { return established_; }

  // ---- output
  // Moves every queued byte into `into` (whose old contents are dropped): the
  // caller writes it and reports progress with wrote(). Nothing is lost if the
  // session queues more meanwhile.
  void take_output(std::vector<std::uint8_t>& into);
  void wrote(std::size_t n, TimePoint now);
  bool has_output() const noexcept { return session_.pending_output_size() > 0; }
  // Queued and not yet written: what the session holds plus what was taken and is in flight.
  std::size_t queued_bytes() const noexcept { return session_.pending_output_size() + in_flight_; }
  // What counts against max_queued_bytes: queued_bytes() and the received bytes the session holds.
  std::size_t held_bytes() const noexcept { return queued_bytes() + session_.buffered_input(); }
  // Our close is queued, everything before it was written: send the FIN now.
  bool wants_write_shutdown() const noexcept;
  void write_shut_down(TimePoint now);

  // ---- what the application asks for
  // False when the message cannot be queued: not established yet, closing, or
  // ended; or when the queue passed max_queued_bytes (the driver then ends with
  // Failure::over_limit). Throws what the session throws for a payload its
  // format cannot carry (Failure::not_sent).
  bool send_data(std::span<const std::uint8_t> payload);
  bool send_chat(std::string_view sender, std::string_view text, ChatOrigin origin = ChatOrigin::v1);
  bool send_notice(std::string_view text);
  // Authenticated close with its typed code (normal when none is given):
  // queued, flushed, half-closed, then the peer's close awaited for `linger`
  // (the flush itself is bounded by flush_timeout without progress).
  void close(CloseCode code, std::string_view reason, TimePoint now);
  void close(std::string_view reason, TimePoint now);
  // End now, nothing more written.
  void abort(Failure failure, std::string detail);

  // ---- time
  // When on_timer() must be called next (TimePoint::max() when nothing waits).
  TimePoint deadline() const noexcept;
  // Applies every deadline that passed: handshake, flush, linger. After it,
  // deadline() is later than `now`, or ended() (or idle_due(now) is true).
  void on_timer(TimePoint now);
  // True once the session has been silent for idle_timeout (once per silence):
  // the application says so in its own words (a notice, in its format) and
  // closes. Until it does, or the peer speaks, the idle deadline is not due again.
  bool idle_due(TimePoint now);

  // ---- the end
  bool ended() const noexcept { return ended_; }
  // Meaningful once ended().
  const Disconnect& disconnect() const noexcept { return disconnect_; }

 private:
  bool can_send() const noexcept;
  bool within_bound();
  void note_input();
  TimePoint frame_due_at() const noexcept;
  struct Pending {  // what poll() handed out last, applied at the next poll()
    EventKind kind{};
    Failure failure = Failure::none;
    std::string detail;
  };
  void apply(const Pending& e, TimePoint now);
  void fail(Failure failure, std::string detail, TimePoint now);
  void end_if_flushed_failure();
  void end(Failure failure, std::string detail);

  Session& session_;
  Limits limits_;
  std::size_t in_flight_ = 0;
  bool established_ = false;
  bool closing_ = false;     // our close is queued (or a failure is being flushed)
  bool write_shut_ = false;  // FIN sent
  bool peer_done_ = false;   // the peer's close or its end of stream seen
  bool read_ended_ = false;
  std::string lost_;         // how the read side failed, if it did not just end
  bool failing_ = false;     // a fatal event: flush what is queued, then end with it
  Disconnect failing_with_;
  bool ended_ = false;
  Disconnect disconnect_;
  TimePoint started_;
  TimePoint last_activity_;
  TimePoint closing_since_;
  TimePoint last_write_;  // the last time the transport took some of our bytes
  TimePoint now_;         // the latest time we were told, for events that carry none
  bool idle_reported_ = false;  // idle_due() said so for the current silence
  // A message partly arrived (frame_timeout): since when, and how much the session held right
  // after the last received(), to tell a message that grew from one that completed and a new one began.
  bool partial_ = false;
  TimePoint partial_since_;
  std::size_t held_after_feed_ = 0;
  bool applying_ = false;       // pending_ is still to be applied
  Pending pending_;
};

}  // namespace intact::driver
