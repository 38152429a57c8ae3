#include "attack/tamper_engine.hpp"

#include "attack/record_edits.hpp"

namespace intact::attack {

namespace {
constexpr std::size_t kMaxHeld = 64;
constexpr std::string_view kInjectedText = "forged by intact proxy";
constexpr std::string_view kReplacedText = "replaced by intact proxy";

std::string quoted(const std::string& s) { return "\"" + s + "\""; }
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

void TamperEngine::log(std::optional<Direction> d, std::uint64_t message, std::string action,
                       std::string detail) {
  log_.push_back(LogEntry{opts_.connection, d, message, std::move(action), std::move(detail)});
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
  log(std::nullopt, 0, "format",
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
      log(d, 0, "pass",
          std::to_string(rest->bytes.size()) +
              " bytes of an incomplete record before the end of the stream");
      lane.out.insert(lane.out.end(), rest->bytes.begin(), rest->bytes.end());
    }
  }
  lane.eof_done = true;
  log(d, 0, "end", "the sender closed its side");
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
      log(d, 0, "close", "the sender's authenticated CLOSE frame");
      lane.out.insert(lane.out.end(), record.bytes.begin(), record.bytes.end());
      return;
    case Record::Kind::raw:
      log(d, 0, "pass",
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
  log(d, n, "message", quoted(RecordSplitter::display_text(format, record)));

  Disposition disp;
  disp.bytes = std::move(record.bytes);
  if (opts_.replacements) {
    if (auto line = opts_.replacements->pop(d)) {
      replace_text(format, disp.bytes, *line, opts_.interactive_retag);
      log(d, n, "replace",
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
    bool hit =
        spec.probability ? std::bernoulli_distribution(*spec.probability)(rng) : spec.nth == n;
    if (!hit) continue;
    ActionKind kind = spec.kind;
    if (kind == ActionKind::random) {
      if (spec.choices.empty()) continue;
      kind =
          spec.choices[std::uniform_int_distribution<std::size_t>(0, spec.choices.size() - 1)(rng)];
    }
    apply(d, kind, spec, rng, n, disp);
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

void TamperEngine::apply(Direction d, ActionKind kind, const AttackSpec& spec, std::mt19937_64& rng,
                         std::uint64_t n, Disposition& disp) {
  const WireFormat format = *format_;
  Lane& lane = lanes_[index(d)];
  std::string name(action_name(kind));
  std::span<const std::uint8_t> retag;
  if (spec.retag_key) retag = *spec.retag_key;
  auto hold = [&](std::uint64_t after, std::string what) {
    if (lane.held.size() >= kMaxHeld) {
      log(d, n, name, "not done: " + std::to_string(kMaxHeld) + " messages are already held back");
      return false;
    }
    lane.held.push_back(Held{after, disp.bytes, std::move(what)});
    return true;
  };
  switch (kind) {
    case ActionKind::flip: {
      Field field = spec.kind == ActionKind::random ? Field::any : spec.field;
      log(d, n, name, flip_bit(format, disp.bytes, field, rng));
      break;
    }
    case ActionKind::replace: {
      std::string text = spec.text ? *spec.text : std::string(kReplacedText);
      replace_text(format, disp.bytes, text, retag);
      log(d, n, name,
          "text replaced by " + quoted(text) +
              (retag.empty() ? ", old tag kept" : ", retagged under the attacker's key"));
      break;
    }
    case ActionKind::replay: {
      std::uint64_t after = spec.after > n ? spec.after : n + 1;
      if (hold(after, "replay of #" + std::to_string(n)))
        log(d, n, name, "forwarded; a copy goes again after #" + std::to_string(after));
      break;
    }
    case ActionKind::swap:
      if (hold(n + 1, "#" + std::to_string(n) + ", held back for a swap")) {
        disp.forward = false;
        log(d, n, name, "held back; delivered after #" + std::to_string(n + 1));
      }
      break;
    case ActionKind::drop:
      disp.forward = false;
      log(d, n, name, "deleted");
      break;
    case ActionKind::dup:
      ++disp.copies;
      log(d, n, name, "delivered " + std::to_string(disp.copies) + " times");
      break;
    case ActionKind::reflect: {
      Lane& back = lanes_[index(opposite(d))];
      back.out.insert(back.out.end(), disp.bytes.begin(), disp.bytes.end());
      disp.forward = false;
      log(d, n, name, "sent back to its sender instead of forwarding it");
      break;
    }
    case ActionKind::inject: {
      std::string text = spec.text ? *spec.text : std::string(kInjectedText);
      disp.before.push_back(
          forge_message(format, record_seq(format, disp.bytes), text, retag, rng));
      log(d, n, name,
          "forged message " + quoted(text) + " inserted before it" +
              (retag.empty() ? " (random tag)" : " (tagged under the attacker's key)"));
      break;
    }
    case ActionKind::splice: {
      const std::vector<std::uint8_t>* old =
          opts_.splice_store ? opts_.splice_store->find(format, d, n) : nullptr;
      if (old == nullptr) {
        log(d, n, name, "nothing recorded from an earlier connection yet; forwarded unchanged");
      } else {
        disp.bytes = *old;
        log(d, n, name, "replaced by a message recorded from an earlier connection");
      }
      break;
    }
    case ActionKind::cut:
      disp.cut = true;
      log(d, n, name, "connection cut before this message");
      break;
    case ActionKind::random:
      break;  // resolved by the caller
  }
}

void TamperEngine::release(Direction d, std::uint64_t handled, bool all) {
  Lane& lane = lanes_[index(d)];
  std::vector<Held> keep;
  for (auto& h : lane.held) {
    if (all || h.release_after <= handled) {
      log(d, 0, "release", h.what + " delivered now");
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
