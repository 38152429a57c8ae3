// The lab's tag: HMAC-SHA256 of a message under the lab's key, as 64 upper-case hex digits,
// and the lab's wire format message|TAG decoded back (legacy.hpp).
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "intact/crypto.hpp"
#include "intact/key.hpp"
#include "intact/legacy.hpp"
#include "intact/version.hpp"

int main() {
  using namespace intact;
  std::printf("intact %.*s\n", static_cast<int>(version.size()), version.data());
  const Key key = Key::from_hex("5D2E44719232EA78CD2B32");
  const std::string_view message = "NMP-B19DCAT141 server send";
  const std::string expected = "3F9A2961157A24D60475383AC498ADB92D2519844317F2BC1A746CBB59C7DD60";

  HmacSha256 mac(key.bytes());
  example::check(legacy::tag_hex(mac, text_bytes(message)) == expected,
                 "the lab's message has the lab's tag");

  std::vector<std::uint8_t> wire;
  legacy::encode(mac, text_bytes(message), wire);
  example::check(as_text(wire) == std::string(message) + "|" + expected,
                 "on the wire it is message|TAG, nothing else");

  LegacySession receiver(key);
  receiver.feed(wire);
  auto event = receiver.poll();
  example::check(event && event->kind == EventKind::message && as_text(event->payload) == message,
                 "a receiver holding the key verifies it and hands back the message");
  return example::exit_code();
}
