#include "capture/verdict_report.hpp"

#include "intact/json.hpp"
#include "intact/text.hpp"

namespace intact::capture {

namespace {

constexpr Verdict kAllVerdicts[] = {Verdict::confirmed, Verdict::genuine,   Verdict::closed,
                                    Verdict::ended,     Verdict::modified,  Verdict::replayed,
                                    Verdict::missing,   Verdict::truncated, Verdict::malformed,
                                    Verdict::incomplete, Verdict::over_limit};

const char* format_name(const std::optional<WireFormat>& f) {
  if (!f) return "unknown";
  return *f == WireFormat::v1 ? "v1" : "legacy";
}

const char* direction_short(Direction d) {
  return d == Direction::client_to_server ? "c>s" : "s>c";
}

// Captured bytes for a terminal: printable() neutralises control characters and
// invalid UTF-8; a long text is cut to its first `max` bytes.
std::string quoted(std::string_view text, std::size_t max = 200) {
  std::string out = "\"" + printable(text.substr(0, max)) + "\"";
  if (text.size() > max) out += "...";
  return out;
}
std::string quoted(std::span<const std::uint8_t> bytes) { return quoted(as_text(bytes)); }

}  // namespace

void VerdictReport::connection(const ConnectionInfo& info) {
  if (json_) {
    out_ << JsonLine()
                .field("event", "connection")
                .field("connection", info.id)
                .field("format", format_name(info.format))
                .field("client", info.client.to_string())
                .field("server", info.server.to_string())
                .field("first_packet", info.first_packet)
                .field("began_mid_connection", info.began_mid_connection)
                .line();
    return;
  }
  out_ << "#" << info.id << " " << format_name(info.format) << " " << info.client.to_string()
       << " -> " << info.server.to_string() << " (from packet " << info.first_packet << ")";
  if (info.began_mid_connection) out_ << " [the capture began mid-connection]";
  out_ << "\n";
}

void VerdictReport::verdict(const VerdictRecord& r) {
  ++counts_[static_cast<std::size_t>(r.verdict)];
  ++total_;
  if (!is_good(r.verdict)) ++bad_;
  const bool v1 = r.format == WireFormat::v1;
  if (json_) {
    JsonLine j;
    j.field("event", "verdict")
        .field("connection", r.connection)
        .field("format", v1 ? "v1" : "legacy")
        .field("direction", direction_name(r.direction))
        .field("packet", r.packet)
        .field("verdict", verdict_name(r.verdict));
    if (r.seq) j.field(v1 ? "seq" : "message", *r.seq);
    if (r.frame_type) j.field("type", v1::frame_type_name(*r.frame_type));
    if (!r.sender.empty()) j.field("sender", r.sender);
    if (!r.text.empty() || r.verdict == Verdict::genuine)
      j.field("text", std::span<const std::uint8_t>(r.text)).field("text_verified", r.text_verified);
    if (r.verdict == Verdict::missing) j.field("missing", r.missing);
    if (!r.detail.empty()) j.field("detail", r.detail);
    out_ << j.line();
    return;
  }
  out_ << "#" << r.connection << " " << direction_short(r.direction);
  if (r.seq) out_ << (v1 ? " seq " : " msg ") << *r.seq;
  out_ << " " << verdict_name(r.verdict);
  if (r.frame_type) out_ << " " << v1::frame_type_name(*r.frame_type);
  if (r.verdict == Verdict::confirmed) {
    out_ << " name " << quoted(r.sender);
  } else if (!r.sender.empty()) {
    out_ << " from " << quoted(r.sender);
  }
  if (!r.text.empty() || r.verdict == Verdict::genuine) {
    out_ << " " << quoted(r.text);
    if (!r.text_verified) out_ << " (as captured, not trusted)";
  }
  if (!r.detail.empty()) out_ << " -- " << r.detail;
  if (r.packet != 0) out_ << " [packet " << r.packet << "]";
  out_ << "\n";
}

void VerdictReport::summary(const CaptureStats& stats) {
  if (json_) {
    JsonLine j;
    j.field("event", "summary")
        .field("packets", stats.packets)
        .field("tcp_segments", stats.tcp_segments)
        .field("connections", stats.connections_with_data);
    for (Verdict v : kAllVerdicts) j.field(verdict_name(v), count(v));
    j.field("connections_over_limit", stats.connections_over_limit)
        .field("segments_over_limit", stats.segments_over_limit)
        .field("peak_held_bytes", stats.peak_held_bytes)
        .field("max_held_bytes", stats.max_held_bytes)
        .field("peak_open_connections", stats.peak_open_connections)
        .field("max_connections", stats.max_connections);
    out_ << j.field("all_genuine", bad_ == 0 && total_ > 0).line();
    return;
  }
  out_ << "summary: " << stats.packets << " packets, " << stats.connections_with_data
       << (stats.connections_with_data == 1 ? " connection" : " connections") << " verified:";
  const char* sep = " ";
  for (Verdict v : kAllVerdicts) {
    if (count(v) == 0) continue;
    out_ << sep << count(v) << " " << verdict_name(v);
    sep = ", ";
  }
  if (total_ == 0) out_ << " nothing to verify";
  if (stats.connections_over_limit > 0) {
    out_ << "; " << stats.connections_over_limit
         << (stats.connections_over_limit == 1 ? " connection" : " connections")
         << " not verified: over the limit (" << stats.max_connections << " open at most, "
         << stats.max_held_bytes << " bytes held at most)";
  }
  out_ << (bad_ == 0 && total_ > 0 ? "; every message is genuine"
                                   : "; NOT every message is genuine")
       << "\n";
}

}  // namespace intact::capture
