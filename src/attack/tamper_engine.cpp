#include "attack/tamper_engine.hpp"

#include "attack/record_edits.hpp"

namespace intact::attack {

namespace {
constexpr std::size_t kMaxHeld = 64;
constexpr std::string_view kInjectedText = "forged by intact proxy";
constexpr std::string_view kReplacedText = "replaced by intact proxy";

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// Whether `spec` hits message n, and with which action (`random` picks one).
std::optional<ActionKind> aim(const AttackSpec& spec, std::mt19937_64& rng, std::uint64_t n) {
  bool hit =
      spec.probability ? std::bernoulli_distribution(*spec.probability)(rng) : spec.nth == n;
  if (!hit) return std::nullopt;
  if (spec.kind != ActionKind::random) return spec.kind;
  if (spec.choices.empty()) return std::nullopt;
  return spec.choices[std::uniform_int_distribution<std::size_t>(0, spec.choices.size() - 1)(rng)];
}
}  // namespace

// ---- SpliceStore ----

void SpliceStore::commit(WireFormat format,
                         std::array<std::vector<std::vector<std::uint8_t>>, 2> recorded) {
  if (recorded[0].empty() && recorded[1].empty()) return;  // keep the last useful recording
  format_ = format;
  recorded_ = std::move(recorded);
}

const std::vector<std::uint8_t>* SpliceStore::find(WireFormat format, Direction d,
                                                   std::uint64_t number) const {
  if (format_ != format) return nullptr;
  const auto& lane = recorded_[d == Direction::client_to_server ? 0 : 1];
  if (lane.empty() || number == 0) return nullptr;
  return &lane[std::min<std::size_t>(number, lane.size()) - 1];
}

// ---- ReplacementQueue ----

bool ReplacementQueue::push(std::string line) {
  if (lines_.size() >= kMaxLines) return false;
  lines_.push_back(std::move(line));
  return true;
}

std::optional<std::string> ReplacementQueue::pop(Direction d) {
  if (d != direction_ || lines_.empty()) return std::nullopt;
  std::string s = std::move(lines_.front());
  lines_.pop_front();
  return s;
}

// ---- TamperEngine ----

struct TamperEngine::Disposition {
  std::vector<std::uint8_t> bytes;
  bool forward = true;
  int copies = 1;
  std::vector<std::vector<std::uint8_t>> before;  // injected ahead of the message
  bool cut = false;
};

TamperEngine::TamperEngine(Options options) : opts_(std::move(options)) {
  for (const auto& a : opts_.attacks) rngs_.emplace_back(a.seed);
  if (opts_.format == FormatChoice::v1) start(WireFormat::v1, "--v1");
  if (opts_.format == FormatChoice::legacy) start(WireFormat::legacy, "--legacy");
}

void TamperEngine::log(std::optional<Direction> d, std::uint64_t message, LogAction action,
                       std::string detail) {
  log_.push_back(LogEntry{opts_.connection, d, message, action, std::move(detail)});
}

std::vector<LogEntry> TamperEngine::take_log() {
  std::vector<LogEntry> out;
  out.swap(log_);
  return out;
}

void TamperEngine::take_output(Direction d, std::vector<std::uint8_t>& into) {
  into.clear();
  into.swap(lanes_[index(d)].out);
}

void TamperEngine::start(WireFormat format, std::string_view how) {
  format_ = format;
  log(std::nullopt, 0, LogAction::format,
      std::string(format == WireFormat::v1 ? "protocol v1" : "legacy (the lab's format)") + ", " +
          std::string(how));
  for (Direction d : {Direction::client_to_server, Direction::server_to_client}) {
    Lane& lane = lanes_[index(d)];
    lane.splitter.emplace(format);
    if (!lane.undetected.empty()) {
      lane.splitter->feed(lane.undetected);
      lane.undetected.clear();
      drain(d);
    }
  }
}

void TamperEngine::detect(Direction d, std::span<const std::uint8_t> bytes) {
  Lane& lane = lanes_[index(d)];
  lane.undetected.insert(lane.undetected.end(), bytes.begin(), bytes.end());
  if (auto f = sniffed_format(sniff_wire_format(lane.undetected))) start(*f, "detected from the first bytes");
}

void TamperEngine::feed(Direction d, std::span<const std::uint8_t> bytes) {
  Lane& lane = lanes_[index(d)];
  if (cut_ || lane.eof || bytes.empty()) return;
  if (!format_) {
    detect(d, bytes);
    return;
  }
  lane.splitter->feed(bytes);
  drain(d);
}

void TamperEngine::drain(Direction d) {
  Lane& lane = lanes_[index(d)];
  while (!cut_) {
    auto r = lane.splitter->next();
    if (!r) break;
    handle(d, std::move(*r));
  }
}

void TamperEngine::feed_eof(Direction d) {
  Lane& lane = lanes_[index(d)];
  if (lane.eof) return;
  lane.eof = true;
  if (cut_) return;
  if (!format_) {
    // Fewer than six bytes, all a prefix of the v1 magic: nothing to aim at.
    lane.out.insert(lane.out.end(), lane.undetected.begin(), lane.undetected.end());
    lane.undetected.clear();
  } else {
    drain(d);
    if (cut_) return;
    release(d, 0, true);
    if (auto rest = lane.splitter->finish()) {
      log(d, 0, LogAction::pass,
          std::to_string(rest->bytes.size()) +
              " bytes of an incomplete record before the end of the stream");
      lane.out.insert(lane.out.end(), rest->bytes.begin(), rest->bytes.end());
    }
  }
  lane.eof_done = true;
  log(d, 0, LogAction::end, "the sender closed its side");
}

void TamperEngine::handle(Direction d, Record record) {
  Lane& lane = lanes_[index(d)];
  switch (record.kind) {
    case Record::Kind::handshake:
      lane.out.insert(lane.out.end(), record.bytes.begin(), record.bytes.end());
      return;
    case Record::Kind::message:
      handle_message(d, std::move(record));
      return;
    case Record::Kind::close:
      // Held messages go out before the authenticated close: after it the
      // receiver reads nothing, and the attack would not be seen at all.
      release(d, 0, true);
      log(d, 0, LogAction::close, "the sender's authenticated CLOSE frame");
      lane.out.insert(lane.out.end(), record.bytes.begin(), record.bytes.end());
      return;
    case Record::Kind::raw:
      log(d, 0, LogAction::pass,
          std::to_string(record.bytes.size()) +
              " bytes that are not a whole record, forwarded as they are");
      lane.out.insert(lane.out.end(), record.bytes.begin(), record.bytes.end());
      return;
  }
}

void TamperEngine::handle_message(Direction d, Record record) {
  Lane& lane = lanes_[index(d)];
  const std::uint64_t n = record.number;
  const WireFormat format = *format_;
  if (lane.recorded.size() < SpliceStore::kMaxRecorded) lane.recorded.push_back(record.bytes);
  log(d, n, LogAction::message, quoted(RecordSplitter::display_text(format, record)));

  Disposition disp;
  disp.bytes = std::move(record.bytes);
  if (opts_.replacements) {
    if (auto line = opts_.replacements->pop(d)) {
      replace_text(format, disp.bytes, *line, opts_.interactive_retag);
      log(d, n, LogAction::replace,
          "operator's text " + quoted(*line) +
              (opts_.interactive_retag.empty()
                   ? std::string(", old tag kept")
                   : std::string(", retagged under the attacker's key")));
    }
  }
  for (std::size_t i = 0; i < opts_.attacks.size() && !disp.cut; ++i) {
    const AttackSpec& spec = opts_.attacks[i];
    if (!spec.watches(d)) continue;
    std::mt19937_64& rng = rngs_[i];
    if (auto kind = aim(spec, rng, n)) apply(d, *kind, spec, rng, n, disp);
  }
  if (disp.cut) {
    cut_ = true;
    for (auto& l : lanes_) l.held.clear();
    return;
  }
  for (const auto& b : disp.before) lane.out.insert(lane.out.end(), b.begin(), b.end());
  if (disp.forward) {
    for (int c = 0; c < disp.copies; ++c)
      lane.out.insert(lane.out.end(), disp.bytes.begin(), disp.bytes.end());
  }
  release(d, n, false);
}

// One attack on one message: what every action needs to know.
struct TamperEngine::Hit {
  Direction d;
  std::uint64_t n;
  const AttackSpec& spec;
  std::mt19937_64& rng;
  Disposition& disp;
  LogAction name;
  std::span<const std::uint8_t> retag;  // the attacker's key, empty when none
};

void TamperEngine::apply(Direction d, ActionKind kind, const AttackSpec& spec, std::mt19937_64& rng,
                         std::uint64_t n, Disposition& disp) {
  Hit hit{d, n, spec, rng, disp, log_action(kind), {}};
  if (spec.retag_key) hit.retag = *spec.retag_key;
  switch (kind) {
    case ActionKind::flip:
    case ActionKind::replace:
      return alter(hit, kind);
    case ActionKind::inject:
      return forge(hit);
    case ActionKind::splice:
      return splice(hit);
    case ActionKind::replay:
    case ActionKind::swap:
      return delay(hit, kind);
    case ActionKind::drop:
    case ActionKind::dup:
    case ActionKind::reflect:
    case ActionKind::cut:
      return reroute(hit, kind);
    case ActionKind::random:
      return;  // resolved by the caller
  }
}

// Changes the message's bytes in place: a bit, or the whole text.
void TamperEngine::alter(Hit& h, ActionKind kind) {
  const WireFormat format = *format_;
  if (kind == ActionKind::flip) {
    Field field = h.spec.kind == ActionKind::random ? Field::any : h.spec.field;
    log(h.d, h.n, h.name, flip_bit(format, h.disp.bytes, field, h.rng));
    return;
  }
  std::string text = h.spec.text ? *h.spec.text : std::string(kReplacedText);
  replace_text(format, h.disp.bytes, text, h.retag);
  log(h.d, h.n, h.name,
      "text replaced by " + quoted(text) +
          (h.retag.empty() ? ", old tag kept" : ", retagged under the attacker's key"));
}

// Inserts a message of the attacker's making ahead of this one.
void TamperEngine::forge(Hit& h) {
  const WireFormat format = *format_;
  std::string text = h.spec.text ? *h.spec.text : std::string(kInjectedText);
  h.disp.before.push_back(
      forge_message(format, record_seq(format, h.disp.bytes), text, h.retag, h.rng));
  log(h.d, h.n, h.name,
      "forged message " + quoted(text) + " inserted before it" +
          (h.retag.empty() ? " (random tag)" : " (tagged under the attacker's key)"));
}

// Replaces the message by the same-numbered one of an earlier connection.
void TamperEngine::splice(Hit& h) {
  const std::vector<std::uint8_t>* old =
      opts_.splice_store ? opts_.splice_store->find(*format_, h.d, h.n) : nullptr;
  if (old == nullptr) {
    log(h.d, h.n, h.name, "nothing recorded from an earlier connection yet; forwarded unchanged");
    return;
  }
  h.disp.bytes = *old;
  log(h.d, h.n, h.name, "replaced by a message recorded from an earlier connection");
}

// Delivers a copy later (replay) or the message itself later (swap).
void TamperEngine::delay(Hit& h, ActionKind kind) {
  if (kind == ActionKind::replay) {
    std::uint64_t after = h.spec.after > h.n ? h.spec.after : h.n + 1;
    if (hold(h, after, "replay of #" + std::to_string(h.n)))
      log(h.d, h.n, h.name, "forwarded; a copy goes again after #" + std::to_string(after));
    return;
  }
  if (hold(h, h.n + 1, "#" + std::to_string(h.n) + ", held back for a swap")) {
    h.disp.forward = false;
    log(h.d, h.n, h.name, "held back; delivered after #" + std::to_string(h.n + 1));
  }
}

bool TamperEngine::hold(Hit& h, std::uint64_t after, std::string what) {
  Lane& lane = lanes_[index(h.d)];
  if (lane.held.size() >= kMaxHeld) {
    log(h.d, h.n, h.name,
        "not done: " + std::to_string(kMaxHeld) + " messages are already held back");
    return false;
  }
  lane.held.push_back(Held{after, h.disp.bytes, std::move(what)});
  return true;
}

// Changes where (and whether) the message is delivered.
void TamperEngine::reroute(Hit& h, ActionKind kind) {
  switch (kind) {
    case ActionKind::drop:
      h.disp.forward = false;
      log(h.d, h.n, h.name, "deleted");
      return;
    case ActionKind::dup:
      ++h.disp.copies;
      log(h.d, h.n, h.name, "delivered " + std::to_string(h.disp.copies) + " times");
      return;
    case ActionKind::reflect: {
      Lane& back = lanes_[index(opposite(h.d))];
      back.out.insert(back.out.end(), h.disp.bytes.begin(), h.disp.bytes.end());
      h.disp.forward = false;
      log(h.d, h.n, h.name, "sent back to its sender instead of forwarding it");
      return;
    }
    default:  // cut
      h.disp.cut = true;
      log(h.d, h.n, h.name, "connection cut before this message");
      return;
  }
}

void TamperEngine::release(Direction d, std::uint64_t handled, bool all) {
  Lane& lane = lanes_[index(d)];
  std::vector<Held> keep;
  for (auto& h : lane.held) {
    if (all || h.release_after <= handled) {
      log(d, 0, LogAction::release, h.what + " delivered now");
      lane.out.insert(lane.out.end(), h.bytes.begin(), h.bytes.end());
    } else {
      keep.push_back(std::move(h));
    }
  }
  lane.held.swap(keep);
}

void TamperEngine::finish() {
  if (finished_) return;
  finished_ = true;
  if (opts_.splice_store && format_) {
    opts_.splice_store->commit(*format_,
                               {std::move(lanes_[0].recorded), std::move(lanes_[1].recorded)});
  }
}

}  // namespace intact::attack
