#include "attack/mutation_campaign.hpp"

#include <random>
#include <stdexcept>
#include <vector>

#include "attack/action_log.hpp"
#include "intact/json.hpp"
#include "attack/record_edits.hpp"
#include "attack/record_splitter.hpp"
#include "driver/memory_pump.hpp"
#include "driver/session_driver.hpp"
#include "intact/key.hpp"
#include "intact/v1_session.hpp"

namespace intact::attack {

namespace {

using Bytes = std::vector<std::uint8_t>;

enum class Mutation {
  flip_any,
  flip_type,
  flip_seq,
  flip_length,
  flip_payload,
  flip_tag,
  replace,
  retag,
  inject,
  drop,
  dup,
  replay,
  swap,
  reflect,
  splice,
  truncate,
  truncate_mid,
  handshake,
  none,  // control_no_mutation only
};
constexpr Mutation kAll[] = {
    Mutation::flip_any,     Mutation::flip_type, Mutation::flip_seq, Mutation::flip_length,
    Mutation::flip_payload, Mutation::flip_tag,  Mutation::replace,  Mutation::retag,
    Mutation::inject,       Mutation::drop,      Mutation::dup,      Mutation::replay,
    Mutation::swap,         Mutation::reflect,   Mutation::splice,   Mutation::truncate,
    Mutation::truncate_mid, Mutation::handshake,
};

std::string_view mutation_name(Mutation m) {
  switch (m) {
    case Mutation::flip_any:
      return "flip (any bit)";
    case Mutation::flip_type:
      return "flip (type)";
    case Mutation::flip_seq:
      return "flip (seq)";
    case Mutation::flip_length:
      return "flip (length)";
    case Mutation::flip_payload:
      return "flip (payload)";
    case Mutation::flip_tag:
      return "flip (tag)";
    case Mutation::replace:
      return "replace text";
    case Mutation::retag:
      return "replace + retag (attacker's key)";
    case Mutation::inject:
      return "inject forged";
    case Mutation::drop:
      return "drop";
    case Mutation::dup:
      return "duplicate";
    case Mutation::replay:
      return "replay later";
    case Mutation::swap:
      return "swap with next";
    case Mutation::reflect:
      return "reflect";
    case Mutation::splice:
      return "splice (earlier session)";
    case Mutation::truncate:
      return "truncate";
    case Mutation::truncate_mid:
      return "truncate mid-frame";
    case Mutation::handshake:
      return "flip in handshake";
    case Mutation::none:
      return "none (control)";
  }
  return "?";
}

Field flip_field(Mutation m) {
  switch (m) {
    case Mutation::flip_type:
      return Field::type;
    case Mutation::flip_seq:
      return Field::seq;
    case Mutation::flip_length:
      return Field::length;
    case Mutation::flip_payload:
      return Field::payload;
    case Mutation::flip_tag:
      return Field::tag;
    default:
      return Field::any;
  }
}

struct Seen {
  EventKind kind;
  Failure failure;  // none unless the event reports something wrong
  std::uint64_t seq;
  Bytes payload;
};

// One trial: a client and a server, each behind the one session driver, joined
// through memory so the campaign can edit the bytes on their way. Time stands
// still: no deadline of the driver's is ever reached.
class Trial {
 public:
  Trial(const Key& key, std::mt19937_64& rng)
      : client_(key, opts(v1::Role::client)),
        server_(key, opts(v1::Role::server)),
        client_driver_(client_, {}, kNow),
        server_driver_(server_, {}, kNow),
        rng_(rng) {}

  std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

  // Feeds `bytes` in random-sized pieces, logging every event after each piece.
  void to_server(const Bytes& bytes) { deliver(server_driver_, bytes, server_log_); }
  void to_client(const Bytes& bytes) { deliver(client_driver_, bytes, client_log_); }
  void server_eof() {
    server_driver_.received_end(kNow);
    driver::drain(server_driver_, sink(server_log_));
  }
  Bytes from_client() { return driver::take_written(client_driver_, kNow); }
  Bytes from_server() { return driver::take_written(server_driver_, kNow); }

  bool established() const { return client_.established() && server_.established(); }
  driver::SessionDriver& client() { return client_driver_; }
  void client_close() { client_driver_.close({}, kNow); }

  const std::vector<Seen>& server_log() const { return server_log_; }
  const std::vector<Seen>& client_log() const { return client_log_; }

 private:
  static constexpr driver::TimePoint kNow{};
  static V1Session::Options opts(v1::Role role) {
    V1Session::Options o;
    o.role = role;
    o.name = role == v1::Role::client ? "client" : "server";
    return o;
  }
  static driver::EventSink sink(std::vector<Seen>& log) {
    return [&log](const Event& e) { log.push_back(Seen{e.kind, e.failure, e.seq, Bytes(e.payload.begin(), e.payload.end())}); };
  }
  void deliver(driver::SessionDriver& to, const Bytes& bytes, std::vector<Seen>& log) {
    driver::deliver(to, bytes, kNow, sink(log), [this](std::size_t) { return 1 + below(300); });
  }

  V1Session client_, server_;
  driver::SessionDriver client_driver_, server_driver_;
  std::mt19937_64& rng_;
  std::vector<Seen> server_log_, client_log_;
};

// The client's messages, cut apart as the proxy does (without the key), and
// what one mutation makes of them. Records 0..k-1 are messages, record k the close.
struct Conversation {
  std::vector<Bytes> sent;     // the payloads, as the client sealed them
  std::vector<Bytes> records;  // the frames on the wire, in the order the server gets them
  Bytes reflected;             // a frame sent back to the client instead
  std::size_t cut_at = 0;      // frames from here on never arrive
  bool cut_mid = false;        // ... except the first bytes of frame cut_at
};

class Campaign {
 public:
  explicit Campaign(const CampaignOptions& options) : options_(options), rng_(options.seed), key_(Key::generate()) {}

  CampaignResult run() {
    for (std::uint64_t t = 0; t < options_.mutations; ++t) run_trial(t);
    return result_;
  }

 private:
  void run_trial(std::uint64_t t) {
    Trial trial(key_, rng_);
    Mutation m = kAll[trial.below(std::size(kAll))];
    if (m == Mutation::splice && previous_messages_.empty()) m = Mutation::flip_any;
    if (options_.control_no_mutation) m = Mutation::none;
    ++result_.mutations;
    ++result_.by_kind[std::string(mutation_name(m))];
    trial_ = t;
    mutation_ = m;

    const Bytes client_hello = handshake(trial, m);
    if (m == Mutation::handshake) return judge_handshake(trial);
    if (!trial.established()) throw std::logic_error("campaign: an unmodified handshake failed");

    Conversation c = converse(trial, t, client_hello);
    mutate(trial, m, c);
    trial.to_server(wire(trial, c));
    trial.server_eof();
    bool reported = !c.reflected.empty() && judge_reflected(trial, c.reflected);
    reported = judge_server(trial, c.sent) || reported;
    if (!reported) {
      ++result_.unreported;
      problem("the receiver reported nothing");
    }
  }

  // The handshake, three flights; a `handshake` mutation flips a bit of the
  // client's hello or of its CONFIRM frame. Returns the client's hello as sent.
  Bytes handshake(Trial& trial, Mutation m) {
    const bool hit_hello = m == Mutation::handshake && trial.below(2) == 0;
    Bytes flight = trial.from_client();
    const Bytes client_hello = flight;
    if (hit_hello) flip_bit(WireFormat::legacy /* raw bytes */, flight, Field::any, rng_);
    trial.to_server(flight);
    trial.to_client(trial.from_server());
    flight = trial.from_client();
    if (m == Mutation::handshake && !hit_hello) flip_bit(WireFormat::v1, flight, Field::any, rng_);
    trial.to_server(flight);
    return client_hello;
  }

  void judge_handshake(Trial& trial) {
    trial.server_eof();
    bool reported = false;
    for (const auto& e : trial.server_log()) {
      if (e.failure != Failure::none) reported = true;
      if (e.kind == EventKind::message) {
        ++result_.forged_accepted;
        problem("a message was accepted after a failed handshake");
      }
    }
    if (!reported) {
      ++result_.unreported;
      problem("the server did not report the altered handshake");
    }
  }

  // The client's messages, unique to this session, some with binary bytes, and its close.
  Conversation converse(Trial& trial, std::uint64_t t, const Bytes& client_hello) {
    Conversation c;
    const std::size_t k = 1 + trial.below(5);
    for (std::size_t i = 0; i < k; ++i) {
      std::string text = "session " + std::to_string(t) + " message " + std::to_string(i + 1) + " ";
      Bytes p(text.begin(), text.end());
      std::size_t extra = trial.below(49);
      for (std::size_t j = 0; j < extra; ++j) p.push_back(static_cast<std::uint8_t>(trial.below(256)));
      if (!trial.client().send_data(p)) throw std::logic_error("campaign: the client could not send");
      c.sent.push_back(std::move(p));
    }
    trial.client_close();
    // The splitter expects a stream that begins with a hello.
    RecordSplitter splitter(WireFormat::v1);
    splitter.feed(client_hello);
    splitter.feed(trial.from_client());
    while (auto r = splitter.next())
      if (r->kind != Record::Kind::handshake) c.records.push_back(std::move(r->bytes));
    if (c.records.size() != k + 1) throw std::logic_error("campaign: the splitter lost a frame");
    c.cut_at = c.records.size();
    return c;
  }

  void mutate(Trial& trial, Mutation m, Conversation& c) {
    auto& recs = c.records;
    const std::size_t k = c.sent.size();
    std::vector<Bytes> this_session(recs.begin(), recs.begin() + static_cast<std::ptrdiff_t>(k));
    auto at = [&](std::size_t i) { return recs.begin() + static_cast<std::ptrdiff_t>(i); };
    switch (m) {
      case Mutation::flip_any:
      case Mutation::flip_type:
      case Mutation::flip_seq:
      case Mutation::flip_length:
      case Mutation::flip_payload:
      case Mutation::flip_tag: flip_bit(WireFormat::v1, recs[trial.below(recs.size())], flip_field(m), rng_); break;
      case Mutation::replace: replace_text(WireFormat::v1, recs[trial.below(k)], "replaced by the attacker", {}); break;
      case Mutation::retag: {
        Bytes attacker_key(32);
        for (auto& b : attacker_key) b = static_cast<std::uint8_t>(trial.below(256));
        replace_text(WireFormat::v1, recs[trial.below(k)], "replaced and retagged", attacker_key);
        break;
      }
      case Mutation::inject: {
        std::size_t before = trial.below(recs.size());
        std::uint64_t seq = 1 + trial.below(k + 1);
        recs.insert(at(before), forge_message(WireFormat::v1, seq, "forged", {}, rng_));
        break;
      }
      case Mutation::drop: recs.erase(at(trial.below(k))); break;
      case Mutation::dup: {
        std::size_t i = trial.below(k);
        recs.insert(at(i + 1), Bytes(recs[i]));
        break;
      }
      case Mutation::replay: {
        std::size_t i = trial.below(k);
        recs.insert(at(i + 1 + trial.below(k - i)), Bytes(recs[i]));  // later, but before the close
        break;
      }
      case Mutation::swap: {
        std::size_t i = trial.below(k);
        std::swap(recs[i], recs[i + 1]);
        break;
      }
      case Mutation::reflect: {
        std::size_t i = trial.below(k);
        c.reflected = recs[i];
        recs.erase(at(i));
        break;
      }
      case Mutation::splice: {
        std::size_t i = trial.below(k);
        recs[i] = previous_messages_[std::min(i, previous_messages_.size() - 1)];
        break;
      }
      case Mutation::truncate: c.cut_at = trial.below(k + 1); break;  // before a message, or before the close
      case Mutation::truncate_mid:
        c.cut_at = trial.below(recs.size());
        c.cut_mid = true;
        break;
      case Mutation::handshake:
      case Mutation::none: break;
    }
    previous_messages_ = std::move(this_session);
  }

  Bytes wire(Trial& trial, const Conversation& c) {
    Bytes stream;
    for (std::size_t i = 0; i < c.records.size() && i < c.cut_at; ++i)
      stream.insert(stream.end(), c.records[i].begin(), c.records[i].end());
    if (c.cut_mid) {
      const Bytes& r = c.records[c.cut_at];
      stream.insert(stream.end(), r.begin(), r.begin() + static_cast<std::ptrdiff_t>(1 + trial.below(r.size() - 1)));
    }
    return stream;
  }

  // True when the client reported its own message coming back.
  bool judge_reflected(Trial& trial, const Bytes& reflected) {
    bool reported = false;
    std::size_t before = trial.client_log().size();
    trial.to_client(reflected);
    for (std::size_t i = before; i < trial.client_log().size(); ++i) {
      const auto& e = trial.client_log()[i];
      if (e.failure != Failure::none) reported = true;
      if (e.kind == EventKind::message) {
        ++result_.forged_accepted;
        problem("the client accepted its own reflected message");
      }
    }
    return reported;
  }

  // True when the server reported something; counts what it accepted.
  bool judge_server(Trial& trial, const std::vector<Bytes>& sent) {
    const std::size_t k = sent.size();
    bool reported = false;
    std::vector<bool> delivered(k, false);
    for (const auto& e : trial.server_log()) {
      if (e.failure != Failure::none) reported = true;
      if (e.kind != EventKind::message) continue;
      if (e.seq < 1 || e.seq > k || e.payload != sent[e.seq - 1]) {
        ++result_.forged_accepted;
        problem("the server accepted a message the client did not send as frame " + std::to_string(e.seq));
        continue;
      }
      if (delivered[e.seq - 1]) {
        ++result_.delivered_twice;
        problem("frame " + std::to_string(e.seq) + " was delivered twice");
      }
      delivered[e.seq - 1] = true;
      ++result_.messages_delivered;
    }
    return reported;
  }

  void problem(const std::string& what) {
    if (result_.first_problem.empty())
      result_.first_problem =
          "mutation " + std::to_string(trial_) + " (" + std::string(mutation_name(mutation_)) + "): " + what;
  }

  const CampaignOptions& options_;
  std::mt19937_64 rng_;
  Key key_;
  CampaignResult result_;
  std::vector<Bytes> previous_messages_;  // recorded from the last session, for splicing
  std::uint64_t trial_ = 0;
  Mutation mutation_ = Mutation::none;
};

}  // namespace

CampaignResult run_campaign(const CampaignOptions& options) { return Campaign(options).run(); }

std::string format_campaign(const CampaignResult& r, std::uint64_t seed) {
  std::string s = "Randomized campaign against protocol v1: " + std::to_string(r.mutations) +
                  " mutations, seed " + std::to_string(seed) + "\n";
  for (const auto& [kind, n] : r.by_kind) {
    std::string name = "  " + kind;
    name.resize(38, ' ');
    s += name + std::to_string(n) + "\n";
  }
  s += "forged messages accepted:   " + std::to_string(r.forged_accepted) + "\n";
  s += "messages delivered twice:   " + std::to_string(r.delivered_twice) + "\n";
  s += "mutations not reported:     " + std::to_string(r.unreported) + "\n";
  s += "genuine messages delivered: " + std::to_string(r.messages_delivered) + "\n";
  if (!r.first_problem.empty()) s += "first problem: " + r.first_problem + "\n";
  s += r.clean() ? "Every mutation was reported; nothing forged or duplicated was accepted.\n"
                 : "FAILED: the receiver was fooled (see the counts above).\n";
  return s;
}

std::string format_campaign_json(const CampaignResult& r, std::uint64_t seed) {
  JsonLine by_kind = JsonLine::nested();
  for (const auto& [kind, n] : r.by_kind) by_kind.field(kind, n);
  return JsonLine()
      .field("mutations", r.mutations)
      .field("seed", seed)
      .field("forged_accepted", r.forged_accepted)
      .field("delivered_twice", r.delivered_twice)
      .field("unreported", r.unreported)
      .field("messages_delivered", r.messages_delivered)
      .raw("by_kind", by_kind.str())
      .field("first_problem", r.first_problem)
      .field("clean", r.clean())
      .line();
}

}  // namespace intact::attack
