// One byte of a protocol v1 frame changed in transit: the receiver reports an integrity
// failure and never hands the changed bytes to its caller.
#include <vector>

#include "check.hpp"
#include "intact/crypto.hpp"
#include "intact/key.hpp"
#include "intact/v1_session.hpp"

using namespace intact;

std::vector<std::uint8_t> take(Session& from) {
  auto pending = from.pending_output();
  std::vector<std::uint8_t> bytes(pending.begin(), pending.end());
  from.consume_output(bytes.size());
  return bytes;
}

std::vector<Event> events(Session& session) {
  std::vector<Event> out;
  while (auto event = session.poll()) out.push_back(*event);
  return out;
}

int main() {
  const Key key = Key::from_hex("00112233445566778899AABBCCDDEEFF");
  V1Session client(key, {.role = v1::Role::client, .name = "alice"});
  V1Session server(key, {.role = v1::Role::server, .name = "room"});
  for (int round = 0; round < 4 && !(client.established() && server.established()); ++round) {
    server.feed(take(client));
    events(server);
    client.feed(take(server));
    events(client);
  }
  example::check(client.established() && server.established(), "handshake done, keys confirmed");

  client.send_data(text_bytes("pay 10 EUR"));
  auto frame = take(client);
  frame[v1::kHeaderSize + 2] ^= 0x01;  // one bit of the payload: "pay" becomes "pax"
  server.feed(frame);
  auto got = events(server);
  bool caught = false, delivered = false;
  for (const auto& e : got) {
    caught |= e.kind == EventKind::integrity_failure;
    delivered |= e.kind == EventKind::message;
  }
  example::check(caught, "the changed frame is reported as an integrity failure");
  example::check(!delivered, "and its bytes are not delivered");
  return example::exit_code();
}
