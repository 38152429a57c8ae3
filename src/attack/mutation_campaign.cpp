#include "attack/mutation_campaign.hpp"

#include <random>
#include <stdexcept>
#include <vector>

#include "attack/action_log.hpp"
#include "attack/record_edits.hpp"
#include "attack/record_splitter.hpp"
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

bool is_failure(EventKind k) {
  return k == EventKind::integrity_failure || k == EventKind::replay || k == EventKind::gap ||
         k == EventKind::truncated || k == EventKind::protocol_error;
}

struct Seen {
  EventKind kind;
  std::uint64_t seq;
  Bytes payload;
};

class Trial {
 public:
  Trial(const Key& key, std::mt19937_64& rng)
      : client_(key, opts(v1::Role::client)), server_(key, opts(v1::Role::server)), rng_(rng) {}

  std::size_t below(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  // Feeds `bytes` in random-sized pieces, polling every event after each piece.
  void deliver(V1Session& to, const Bytes& bytes, std::vector<Seen>& log) {
    std::size_t at = 0;
    while (at < bytes.size()) {
      std::size_t n = std::min(bytes.size() - at, 1 + below(300));
      to.feed(std::span<const std::uint8_t>(bytes.data() + at, n));
      at += n;
      poll_all(to, log);
    }
  }
  void poll_all(V1Session& s, std::vector<Seen>& log) {
    while (auto e = s.poll())
      log.push_back(Seen{e->kind, e->seq, Bytes(e->payload.begin(), e->payload.end())});
  }
  Bytes output(V1Session& s) {
    Bytes b;
    s.take_output(b);
    return b;
  }

  V1Session client_, server_;
  std::mt19937_64& rng_;
  std::vector<Seen> server_log_, client_log_;

 private:
  static V1Session::Options opts(v1::Role role) {
    V1Session::Options o;
    o.role = role;
    o.name = role == v1::Role::client ? "client" : "server";
    return o;
  }
};

}  // namespace

CampaignResult run_campaign(const CampaignOptions& options) {
  CampaignResult result;
  std::mt19937_64 rng(options.seed);
  Key key = Key::generate();
  std::vector<Bytes> previous_messages;  // recorded from the last session, for splicing
  auto problem = [&](std::uint64_t trial, Mutation m, const std::string& what) {
    if (result.first_problem.empty())
      result.first_problem =
          "mutation " + std::to_string(trial) + " (" + std::string(mutation_name(m)) + "): " + what;
  };

  for (std::uint64_t t = 0; t < options.mutations; ++t) {
    Trial trial(key, rng);
    Mutation m = kAll[trial.below(std::size(kAll))];
    if (m == Mutation::splice && previous_messages.empty()) m = Mutation::flip_any;
    if (options.control_no_mutation) m = Mutation::none;
    ++result.mutations;
    ++result.by_kind[std::string(mutation_name(m))];

    // The handshake, three flights; a `handshake` mutation flips a bit of the
    // client's hello or of its CONFIRM frame.
    const bool hit_hello = m == Mutation::handshake && trial.below(2) == 0;
    Bytes flight = trial.output(trial.client_);
    const Bytes client_hello = flight;
    if (hit_hello) flip_bit(WireFormat::legacy /* raw bytes */, flight, Field::any, rng);
    trial.deliver(trial.server_, flight, trial.server_log_);
    trial.deliver(trial.client_, trial.output(trial.server_), trial.client_log_);
    flight = trial.output(trial.client_);
    if (m == Mutation::handshake && !hit_hello) flip_bit(WireFormat::v1, flight, Field::any, rng);
    trial.deliver(trial.server_, flight, trial.server_log_);

    bool reported = false;
    if (m == Mutation::handshake) {
      trial.server_.feed_eof();
      trial.poll_all(trial.server_, trial.server_log_);
      for (const auto& e : trial.server_log_) {
        if (is_failure(e.kind)) reported = true;
        if (e.kind == EventKind::message) {
          ++result.forged_accepted;
          problem(t, m, "a message was accepted after a failed handshake");
        }
      }
      if (!reported) {
        ++result.unreported;
        problem(t, m, "the server did not report the altered handshake");
      }
      continue;
    }
    if (!trial.client_.established() || !trial.server_.established())
      throw std::logic_error("campaign: an unmodified handshake failed");

    // The client's messages: unique to this session, some with binary bytes.
    const std::size_t k = 1 + trial.below(5);
    std::vector<Bytes> sent;
    for (std::size_t i = 0; i < k; ++i) {
      std::string text = "session " + std::to_string(t) + " message " + std::to_string(i + 1) + " ";
      Bytes p(text.begin(), text.end());
      std::size_t extra = trial.below(49);
      for (std::size_t j = 0; j < extra; ++j)
        p.push_back(static_cast<std::uint8_t>(trial.below(256)));
      trial.client_.send_data(p);
      sent.push_back(std::move(p));
    }
    trial.client_.close();
    // Cut the client's frames apart as the proxy does, without the key (the
    // splitter expects a stream that begins with a hello).
    RecordSplitter splitter(WireFormat::v1);
    splitter.feed(client_hello);
    splitter.feed(trial.output(trial.client_));
    std::vector<Bytes> recs;  // k messages, then the CLOSE frame
    while (auto r = splitter.next())
      if (r->kind != Record::Kind::handshake) recs.push_back(std::move(r->bytes));
    if (recs.size() != k + 1) throw std::logic_error("campaign: the splitter lost a frame");
    std::vector<Bytes> this_session(recs.begin(), recs.begin() + static_cast<std::ptrdiff_t>(k));

    // One mutation. Records 0..k-1 are messages, record k is the close.
    Bytes reflected;
    bool cut_mid = false;
    std::size_t cut_at = recs.size();
    switch (m) {
      case Mutation::flip_any:
      case Mutation::flip_type:
      case Mutation::flip_seq:
      case Mutation::flip_length:
      case Mutation::flip_payload:
      case Mutation::flip_tag:
        flip_bit(WireFormat::v1, recs[trial.below(recs.size())], flip_field(m), rng);
        break;
      case Mutation::replace:
        replace_text(WireFormat::v1, recs[trial.below(k)], "replaced by the attacker", {});
        break;
      case Mutation::retag: {
        Bytes attacker_key(32);
        for (auto& b : attacker_key) b = static_cast<std::uint8_t>(trial.below(256));
        replace_text(WireFormat::v1, recs[trial.below(k)], "replaced and retagged", attacker_key);
        break;
      }
      case Mutation::inject: {
        std::size_t before = trial.below(recs.size());
        std::uint64_t seq = 1 + trial.below(k + 1);
        Bytes forged = forge_message(WireFormat::v1, seq, "forged", {}, rng);
        recs.insert(recs.begin() + static_cast<std::ptrdiff_t>(before), forged);
        break;
      }
      case Mutation::drop:
        recs.erase(recs.begin() + static_cast<std::ptrdiff_t>(trial.below(k)));
        break;
      case Mutation::dup: {
        std::size_t i = trial.below(k);
        recs.insert(recs.begin() + static_cast<std::ptrdiff_t>(i + 1), recs[i]);
        break;
      }
      case Mutation::replay: {
        std::size_t i = trial.below(k);
        std::size_t at = i + 1 + trial.below(k - i);  // later, but before the close
        recs.insert(recs.begin() + static_cast<std::ptrdiff_t>(at), recs[i]);
        break;
      }
      case Mutation::swap: {
        std::size_t i = trial.below(k);
        std::swap(recs[i], recs[i + 1]);
        break;
      }
      case Mutation::reflect: {
        std::size_t i = trial.below(k);
        reflected = recs[i];
        recs.erase(recs.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
      case Mutation::splice: {
        std::size_t i = trial.below(k);
        recs[i] = previous_messages[std::min(i, previous_messages.size() - 1)];
        break;
      }
      case Mutation::truncate:
        cut_at = trial.below(k + 1);  // before a message, or before the close
        break;
      case Mutation::truncate_mid:
        cut_at = trial.below(recs.size());
        cut_mid = true;
        break;
      case Mutation::handshake:
      case Mutation::none:
        break;
    }
    previous_messages = std::move(this_session);

    Bytes stream;
    for (std::size_t i = 0; i < recs.size() && i < cut_at; ++i)
      stream.insert(stream.end(), recs[i].begin(), recs[i].end());
    if (cut_mid) {
      const Bytes& r = recs[cut_at];
      stream.insert(stream.end(), r.begin(),
                    r.begin() + static_cast<std::ptrdiff_t>(1 + trial.below(r.size() - 1)));
    }
    trial.deliver(trial.server_, stream, trial.server_log_);
    trial.server_.feed_eof();
    trial.poll_all(trial.server_, trial.server_log_);
    if (!reflected.empty()) {
      std::size_t before = trial.client_log_.size();
      trial.deliver(trial.client_, reflected, trial.client_log_);
      for (std::size_t i = before; i < trial.client_log_.size(); ++i) {
        const auto& e = trial.client_log_[i];
        if (is_failure(e.kind)) reported = true;
        if (e.kind == EventKind::message) {
          ++result.forged_accepted;
          problem(t, m, "the client accepted its own reflected message");
        }
      }
    }

    std::vector<bool> delivered(k, false);
    for (const auto& e : trial.server_log_) {
      if (is_failure(e.kind)) reported = true;
      if (e.kind != EventKind::message) continue;
      if (e.seq < 1 || e.seq > k || e.payload != sent[e.seq - 1]) {
        ++result.forged_accepted;
        problem(t, m,
                "the server accepted a message the client did not send as frame " +
                    std::to_string(e.seq));
        continue;
      }
      if (delivered[e.seq - 1]) {
        ++result.delivered_twice;
        problem(t, m, "frame " + std::to_string(e.seq) + " was delivered twice");
      }
      delivered[e.seq - 1] = true;
      ++result.messages_delivered;
    }
    if (!reported) {
      ++result.unreported;
      problem(t, m, "the receiver reported nothing");
    }
  }
  return result;
}

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
  std::string s =
      "{\"mutations\":" + std::to_string(r.mutations) + ",\"seed\":" + std::to_string(seed) +
      ",\"forged_accepted\":" + std::to_string(r.forged_accepted) +
      ",\"delivered_twice\":" + std::to_string(r.delivered_twice) +
      ",\"unreported\":" + std::to_string(r.unreported) +
      ",\"messages_delivered\":" + std::to_string(r.messages_delivered) + ",\"by_kind\":{";
  bool first = true;
  for (const auto& [kind, n] : r.by_kind) {
    s += (first ? "" : ",") + json_quote(kind) + ":" + std::to_string(n);
    first = false;
  }
  s += "},\"first_problem\":" + json_quote(r.first_problem) +
       ",\"clean\":" + (r.clean() ? "true" : "false") + "}\n";
  return s;
}

}  // namespace intact::attack
