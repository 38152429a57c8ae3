// Fuzz target tamper_engine: the tamper proxy's attack engine
// (src/attack/tamper_engine) on one connection whose two directions the input
// describes, under attacks the input picks.
//
// Input: a mode byte (low 2 bits: --v1, --legacy or detect; bit 2: an
// operator's replacement line for c2s), a count byte (0..3 attacks), one byte
// per attack choosing it from kSpecs, then chunks: a header byte (bit 7: s2c,
// bit 6: that sender closes after the chunk, low 6 bits: length) and the bytes.
// Each connection is run twice through one SpliceStore, so `splice` has a
// recording of the first to draw from.
//
// Checks, beyond memory safety: with no attack the engine is the identity in
// both directions, whatever the bytes; a direction no attack watches (and that
// nothing is reflected into) receives a prefix of what its sender sent, all of
// it unless a cut fired; at the end of both senders, both directions are ended
// unless a cut fired; every output is taken whole; every log entry names the
// connection.
#include <string>
#include <vector>

#include "attack/tamper_engine.hpp"
#include "fuzz_target.hpp"

using namespace intact;
using namespace intact::attack;

namespace {

constexpr const char* kSpecs[] = {
    "flip:c2s:1",          "flip:c2s:2:field=tag",      "flip:s2c:1:field=length",
    "flip:c2s:3:field=seq", "flip:c2s:1:field=type",    "flip:c2s:2:field=payload",
    "replace:c2s:1:text=HELLO", "replace:c2s:2:retag=00112233445566778899:text=x:y",
    "replay:c2s:1",        "replay:c2s:1:after=3",      "swap:c2s:1",
    "drop:c2s:2",          "dup:c2s:1",                 "reflect:c2s:1",
    "inject:c2s:2",        "inject:s2c:1:retag=AB:text=forged", "splice:c2s:1",
    "cut:c2s:3",           "cut:s2c:1",                 "random:p=0.5:seed=7",
    "random:p=0.3:dir=both:seed=3", "flip:c2s:p=0.5:seed=9", "swap:s2c:2",
    "random:p=1:do=swap,replay,dup:dir=s2c",
};

const std::vector<AttackSpec>& parsed_specs() {
  static const std::vector<AttackSpec> specs = [] {
    std::vector<AttackSpec> v;
    for (const char* s : kSpecs) v.push_back(parse_attack_spec(s));
    return v;
  }();
  return specs;
}

bool is_prefix(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

void run(const std::uint8_t* data, std::size_t size, SpliceStore& store, std::uint64_t connection) {
  if (size < 2) return;
  const std::uint8_t mode = data[0];
  const FormatChoice formats[] = {FormatChoice::detect, FormatChoice::v1, FormatChoice::legacy,
                                  FormatChoice::detect};
  TamperEngine::Options o;
  o.format = formats[mode & 3];
  o.splice_store = &store;
  o.connection = connection;
  ReplacementQueue queue(Direction::client_to_server);
  if (mode & 4) {
    queue.push("typed by the operator");
    o.replacements = &queue;
  }
  std::size_t at = 2;
  std::array<bool, 2> watched{(mode & 4) != 0, false};
  bool reflected = false;
  for (std::size_t i = 0; i < (data[1] & 3u) && at < size; ++i, ++at) {
    const AttackSpec& spec = parsed_specs()[data[at] % parsed_specs().size()];
    o.attacks.push_back(spec);
    watched[0] = watched[0] || spec.c2s;
    watched[1] = watched[1] || spec.s2c;
    if (spec.kind == ActionKind::reflect || spec.kind == ActionKind::random) reflected = true;
  }
  const bool no_attack = o.attacks.empty() && !(mode & 4);
  TamperEngine engine(o);

  std::array<std::vector<std::uint8_t>, 2> sent, received;
  std::array<bool, 2> closed{};
  std::vector<std::uint8_t> chunk;
  auto collect = [&] {
    for (std::size_t d = 0; d < 2; ++d) {
      engine.take_output(d == 0 ? Direction::client_to_server : Direction::server_to_client, chunk);
      received[d].insert(received[d].end(), chunk.begin(), chunk.end());
      FUZZ_CHECK(engine.output_size(d == 0 ? Direction::client_to_server : Direction::server_to_client) == 0);
    }
    for (const auto& e : engine.take_log()) FUZZ_CHECK(e.connection == connection);
  };
  while (at < size) {
    const std::uint8_t h = data[at++];
    const std::size_t d = h >> 7;
    const Direction dir = d == 0 ? Direction::client_to_server : Direction::server_to_client;
    const std::size_t n = std::min<std::size_t>(h & 63u, size - at);
    std::span<const std::uint8_t> bytes(data + at, n);
    at += n;
    if (!closed[d] && !engine.cut()) sent[d].insert(sent[d].end(), bytes.begin(), bytes.end());
    engine.feed(dir, bytes);
    if (h & 64) {
      engine.feed_eof(dir);
      closed[d] = true;
    }
    collect();
  }
  engine.feed_eof(Direction::client_to_server);
  engine.feed_eof(Direction::server_to_client);
  collect();

  if (no_attack) {
    FUZZ_CHECK(!engine.cut());
    FUZZ_CHECK(received[0] == sent[0] && received[1] == sent[1]);
  }
  for (std::size_t d = 0; d < 2; ++d) {
    if (watched[d] || reflected) continue;
    FUZZ_CHECK(is_prefix(received[d], sent[d]));
    if (!engine.cut()) FUZZ_CHECK(received[d] == sent[d]);
  }
  if (!engine.cut()) {
    FUZZ_CHECK(engine.ended(Direction::client_to_server));
    FUZZ_CHECK(engine.ended(Direction::server_to_client));
  }
  engine.finish();
}

}  // namespace

INTACT_FUZZ_TARGET(tamper_engine) {
  SpliceStore store;
  run(data, size, store, 1);
  run(data, size, store, 2);
}
