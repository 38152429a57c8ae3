#include "driver/memory_pump.hpp"

#include <algorithm>

namespace intact::driver {

std::vector<std::uint8_t> take_written(SessionDriver& from, TimePoint now) {
  std::vector<std::uint8_t> bytes;
  from.take_output(bytes);
  from.wrote(bytes.size(), now);
  if (from.wants_write_shutdown()) from.write_shut_down(now);
  return bytes;
}

void drain(SessionDriver& driver, const EventSink& sink) {
  while (auto e = driver.poll()) {
    if (sink) sink(*e);
  }
}

void deliver(SessionDriver& to, std::span<const std::uint8_t> bytes, TimePoint now, const EventSink& sink,
             const PieceSize& piece) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    std::size_t left = bytes.size() - at;
    std::size_t n = piece ? std::clamp<std::size_t>(piece(left), 1, left) : left;
    to.received(bytes.subspan(at, n), now);
    at += n;
    drain(to, sink);
  }
}

void exchange(SessionDriver& a, SessionDriver& b, TimePoint now, const EventSink& a_sink, const EventSink& b_sink) {
  drain(a, a_sink);
  drain(b, b_sink);
  while (a.has_output() || b.has_output()) {
    deliver(b, take_written(a, now), now, b_sink);
    deliver(a, take_written(b, now), now, a_sink);
  }
}

}  // namespace intact::driver
