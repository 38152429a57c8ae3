// driver/memory_pump.hpp: SessionDrivers joined through memory, no socket.
//
// For the mutation campaign (which edits the bytes on their way), the unit
// tests and anything else that runs two peers in one thread: the same driver
// as a socket gets, with the bytes handed over by these helpers.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "driver/session_driver.hpp"

namespace intact::driver {

using EventSink = std::function<void(const Event&)>;
// How many of the `left` bytes the next piece holds (1..left).
using PieceSize = std::function<std::size_t(std::size_t left)>;

// Everything `from` queued, counted as written.
std::vector<std::uint8_t> take_written(SessionDriver& from, TimePoint now);

// Every event `driver` has now, to `sink`.
void drain(SessionDriver& driver, const EventSink& sink);

// Feeds `bytes` to `to` in pieces (all at once without `piece`), draining its
// events into `sink` after each piece, as a socket's reads would.
void deliver(SessionDriver& to, std::span<const std::uint8_t> bytes, TimePoint now, const EventSink& sink,
             const PieceSize& piece = {});

// Carries bytes both ways until neither side has anything to send (two peers'
// handshake, or a conversation queued in advance).
void exchange(SessionDriver& a, SessionDriver& b, TimePoint now, const EventSink& a_sink, const EventSink& b_sink);

}  // namespace intact::driver
