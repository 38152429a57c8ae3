#include "driver/session_driver.hpp"

#include "intact/text.hpp"

#include <algorithm>

namespace intact::driver {

SessionDriver::SessionDriver(Session& session, Limits limits, TimePoint now)
    : session_(session),
      limits_(limits),
      started_(now),
      last_activity_(now),
      closing_since_(now),
      last_write_(now),
      now_(now) {
  // The lab's format has no handshake: its session is established from the start.
  established_ = session_.established();
}

void SessionDriver::received(std::span<const std::uint8_t> bytes, TimePoint now) {
  now_ = now;
  last_activity_ = now;
  idle_reported_ = false;
  if (ended_) return;
  session_.feed(bytes);
  held_after_feed_ = session_.buffered_input();
}

void SessionDriver::received_end(TimePoint now, std::string lost) {
  now_ = now;
  last_activity_ = now;
  if (ended_ || read_ended_) return;
  read_ended_ = true;
  lost_ = std::move(lost);
  session_.feed_eof();  // what the session makes of it (a truncation, the lab's end) comes out of poll()
}

bool SessionDriver::wants_input() const noexcept {
  return !ended_ && !failing_ && !read_ended_ && !session_.finished();
}

std::optional<Event> SessionDriver::poll() {
  // What the previous event means for the connection is applied now, after the
  // application has seen it: it may still send a last line in answer to a close,
  // and the driver never ends while the application is inside its handler.
  if (applying_) {
    applying_ = false;
    apply(pending_, now_);
  }
  if (ended_) return std::nullopt;
  auto e = session_.poll();
  if (e) {
    applying_ = true;
    pending_ = Pending{e->kind, e->failure, e->detail};
    if (e->kind == EventKind::established) established_ = true;
  } else if (!read_ended_ && !failing_) {
    note_input();
  } else if (read_ended_ && !peer_done_ && !failing_) {
    // The stream ended and the session reported nothing that ends it.
    fail(Failure::io, lost_.empty() ? std::string("the peer closed the connection") : "connection lost: " + lost_,
         now_);
  }
  if (!established_ && session_.established()) established_ = true;
  return e;
}

void SessionDriver::apply(const Pending& e, TimePoint now) {
  switch (e.kind) {
    case EventKind::closed:
      peer_done_ = true;
      // Answer the peer's close with ours; once it is written, we are done.
      if (!closing_) close(CloseCode::normal, {}, now);
      if (write_shut_) end(Failure::none, "closed");
      break;
    case EventKind::truncated:
    case EventKind::protocol_error: {
      Failure f = e.failure == Failure::none ? Failure::protocol : e.failure;
      std::string detail = e.detail;
      // The socket failed, rather than the peer closing: say so. Before any byte of the
      // handshake came back that is how a refusing server's close often arrives (a reset:
      // it closed with our hello unread), so it stays a refusal; later it is an I/O failure.
      if (!lost_.empty() && f == Failure::refused) {
        if (established_ || session_.established()) f = Failure::io;
        detail += " (connection lost: " + lost_ + ")";
      }
      // After the handshake the peer is told why, with an authenticated CLOSE whose
      // code names the failure (a no-op in the lab's format, or once our close is sent).
      if (e.kind == EventKind::protocol_error && established_)
        session_.close(close_code_for(f), detail);
      fail(f, std::move(detail), now);
      break;
    }
    default:
      break;
  }
}

void SessionDriver::take_output(std::vector<std::uint8_t>& into) {
  if (ended_) {  // nothing more is written after the end
    into.clear();
    return;
  }
  session_.take_output(into);  // the previous batch was written (wrote()) before this one is taken
  in_flight_ = into.size();
}

void SessionDriver::wrote(std::size_t n, TimePoint now) {
  now_ = now;
  in_flight_ -= std::min(n, in_flight_);
  if (n > 0) last_write_ = now;
  end_if_flushed_failure();
}

bool SessionDriver::wants_write_shutdown() const noexcept {
  return closing_ && !failing_ && !write_shut_ && !ended_ && queued_bytes() == 0;
}

void SessionDriver::write_shut_down(TimePoint now) {
  now_ = now;
  write_shut_ = true;
  last_write_ = now;  // the linger starts now
  if (peer_done_) end(Failure::none, "closed");
}

bool SessionDriver::can_send() const noexcept { return !ended_ && !closing_ && session_.established(); }

bool SessionDriver::within_bound() {
  if (held_bytes() <= limits_.max_queued_bytes) return true;
  std::string partial = session_.buffered_input() == 0
                            ? std::string()
                            : " (and " + std::to_string(session_.buffered_input()) + " received of a message not yet complete)";
  end(Failure::over_limit, "too slow: " + std::to_string(queued_bytes()) +
                               " bytes were waiting for it to read" + partial + ", over the bound of " +
                               std::to_string(limits_.max_queued_bytes));
  return false;
}

// After the session handed out every complete message: what is left is a message still arriving.
void SessionDriver::note_input() {
  std::size_t held = session_.buffered_input();
  if (held == 0) {
    partial_ = false;
  } else if (!partial_ || held < held_after_feed_) {
    // Held bytes that shrank since the feed: a message completed and the rest began a new one, now.
    partial_ = true;
    partial_since_ = now_;
  }
  held_after_feed_ = held;
  if (held_bytes() <= limits_.max_queued_bytes || ended_ || closing_) return;
  std::string detail = "over the memory bound of " + std::to_string(limits_.max_queued_bytes) + " bytes: " +
                       std::to_string(held) + " received of a message not yet complete, " +
                       std::to_string(queued_bytes()) + " waiting for it to read";
  if (established_) session_.close(close_code_for(Failure::over_limit), detail);
  fail(Failure::over_limit, std::move(detail), now_);
}

bool SessionDriver::send_data(std::span<const std::uint8_t> payload) {
  if (!can_send()) return false;
  session_.send_data(payload);
  return within_bound();
}

bool SessionDriver::send_chat(std::string_view sender, std::string_view text, ChatOrigin origin) {
  if (!can_send()) return false;
  session_.send_chat(sender, text, origin);
  return within_bound();
}

bool SessionDriver::send_notice(std::string_view text) {
  if (!can_send()) return false;
  session_.send_notice(text);
  return within_bound();
}

void SessionDriver::close(std::string_view reason, TimePoint now) { close(CloseCode::normal, reason, now); }

void SessionDriver::close(CloseCode code, std::string_view reason, TimePoint now) {
  now_ = now;
  if (ended_ || closing_) return;
  closing_ = true;
  closing_since_ = now;
  session_.close(code, reason);  // a no-op before the handshake and in the lab's format
}

void SessionDriver::abort(Failure failure, std::string detail) {
  // A failure being flushed stays the reason (a wrong key is still a wrong key
  // when the peer has gone before our CONFIRM reached it).
  if (failing_) {
    end(failing_with_.failure, failing_with_.detail + " (then: " + detail + ")");
    return;
  }
  end(failure, std::move(detail));
}

void SessionDriver::fail(Failure failure, std::string detail, TimePoint now) {
  // Stop reading, but let what is already queued (an answering CONFIRM that
  // tells the peer its key is wrong, say) reach the peer first; linger bounds it.
  if (ended_ || failing_) return;
  failing_ = true;
  failing_with_ = Disconnect{failure, std::move(detail)};
  if (!closing_) {
    closing_ = true;
    closing_since_ = now;
  }
  end_if_flushed_failure();
}

void SessionDriver::end_if_flushed_failure() {
  if (failing_ && !ended_ && queued_bytes() == 0) end(failing_with_.failure, failing_with_.detail);
}

void SessionDriver::end(Failure failure, std::string detail) {
  if (ended_) return;
  ended_ = true;
  disconnect_ = Disconnect{failure, std::move(detail)};
}

TimePoint SessionDriver::deadline() const noexcept {
  if (ended_) return TimePoint::max();
  auto d = TimePoint::max();
  if (!established_ && !failing_) d = std::min(d, started_ + limits_.handshake_timeout);
  if (failing_) {
    d = std::min(d, closing_since_ + limits_.linger);
  } else if (closing_ && !write_shut_) {
    d = std::min(d, std::max(closing_since_, last_write_) + limits_.flush_timeout);
  } else if (closing_) {
    d = std::min(d, std::max(closing_since_, last_write_) + limits_.linger);
  } else {
    if (limits_.idle_timeout.count() > 0 && established_ && !idle_reported_)
      d = std::min(d, last_activity_ + limits_.idle_timeout);
    if (frame_due_at() != TimePoint::max()) d = std::min(d, frame_due_at());
  }
  return d;
}


void SessionDriver::on_timer(TimePoint now) {
  now_ = now;
  if (ended_) return;
  if (failing_) {
    // The peer does not take what we flush after a failure: end with the failure itself.
    if (now >= closing_since_ + limits_.linger) end(failing_with_.failure, failing_with_.detail);
    return;
  }
  if (!established_ && now >= started_ + limits_.handshake_timeout) {
    // What the session answers (a server's hello opening) is flushed, linger-bound.
    session_.handshake_timed_out();
    fail(Failure::timeout,
         "no handshake within " + duration_text(limits_.handshake_timeout) +
             " (a peer that connects and never speaks, or not an intact peer)",
         now);
    return;
  }
  if (!closing_ && now >= frame_due_at()) {
    std::string detail = "sending too slowly: " + std::to_string(session_.buffered_input()) +
                         " bytes of a message had arrived, and it was not complete within " +
                         duration_text(limits_.frame_timeout);
    session_.close(CloseCode::idle, detail);  // the peer is told why (nothing in the lab's format)
    fail(Failure::timeout, std::move(detail), now);
    return;
  }
  if (closing_ && !write_shut_) {
    if (now >= std::max(closing_since_, last_write_) + limits_.flush_timeout) {
      end(Failure::io, "the peer read nothing for " + duration_text(limits_.flush_timeout) + "; " +
                           std::to_string(queued_bytes()) + " bytes were never sent");
    }
    return;
  }
  if (closing_ && now >= std::max(closing_since_, last_write_) + limits_.linger)
    end(Failure::io, "closed (the peer did not answer our close within " + duration_text(limits_.linger) + ")");
}

TimePoint SessionDriver::frame_due_at() const noexcept {
  if (limits_.frame_timeout.count() <= 0 || !partial_ || !established_ || failing_ || read_ended_)
    return TimePoint::max();
  return partial_since_ + limits_.frame_timeout;
}

bool SessionDriver::idle_due(TimePoint now) {
  if (ended_ || closing_ || idle_reported_ || !established_ || limits_.idle_timeout.count() <= 0) return false;
  if (now < last_activity_ + limits_.idle_timeout) return false;
  idle_reported_ = true;
  return true;
}

}  // namespace intact::driver
