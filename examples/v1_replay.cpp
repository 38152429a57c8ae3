// Protocol v1 between two in-memory peers: the handshake, one message each way, then a
// recorded frame sent again, which the receiver reports as a replay and drops.
#include <optional>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "intact/crypto.hpp"
#include "intact/key.hpp"
#include "intact/v1_session.hpp"

using namespace intact;

// Moves what `from` has to send into `to`, and returns those bytes (as an attacker records them).
std::vector<std::uint8_t> shuttle(Session& from, Session& to) {
  auto pending = from.pending_output();
  std::vector<std::uint8_t> bytes(pending.begin(), pending.end());
  from.consume_output(bytes.size());
  to.feed(bytes);
  return bytes;
}

// The events `session` has after its last feed.
std::vector<Event> events(Session& session) {
  std::vector<Event> out;
  while (auto event = session.poll()) out.push_back(*event);
  return out;
}

bool has(const std::vector<Event>& list, EventKind kind) {
  for (const auto& e : list) if (e.kind == kind) return true;
  return false;
}

int main() {
  const Key key = Key::from_hex("00112233445566778899AABBCCDDEEFF");
  V1Session client(key, {.role = v1::Role::client, .name = "alice"});
  V1Session server(key, {.role = v1::Role::server, .name = "room"});

  // The handshake: hellos, then each side's CONFIRM, until both are established.
  for (int round = 0; round < 4 && !(client.established() && server.established()); ++round) {
    shuttle(client, server);
    events(server);
    shuttle(server, client);
    events(client);
  }
  example::check(client.established() && server.established(), "handshake done, keys confirmed");

  client.send_data(text_bytes("hello"));
  const auto recorded = shuttle(client, server);
  auto got = events(server);
  example::check(got.size() == 1 && got[0].kind == EventKind::message &&
                     as_text(got[0].payload) == "hello",
                 "the server receives the client's message");

  server.feed(recorded);  // an attacker on the path sends the recorded frame again
  got = events(server);
  example::check(has(got, EventKind::replay) && !has(got, EventKind::message),
                 "the replayed frame is reported as a replay and not delivered");

  client.send_data(text_bytes("still here"));
  shuttle(client, server);
  got = events(server);
  example::check(got.size() == 1 && got[0].kind == EventKind::message &&
                     as_text(got[0].payload) == "still here",
                 "the session goes on after the replay");
  return example::exit_code();
}
