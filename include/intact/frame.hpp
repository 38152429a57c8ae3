// intact/frame.hpp: protocol v1 on the wire: hellos, frames, and one direction's
// sender and receiver (docs/protocol.md is the specification).
//
// Keyless parts (header and hello codecs, FrameSplitter) only cut bytes into
// records; they are what the proxy and the dissector tests use. FrameSealer and
// FrameReceiver hold one direction's key. A FrameReceiver never returns a
// payload whose tag did not verify, and checks a frame's claimed length against
// the maximum before buffering it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "intact/crypto.hpp"
#include "intact/secret.hpp"
#include "intact/session.hpp"

namespace intact {

namespace v1 {

inline constexpr std::array<std::uint8_t, 6> kMagic = {'I', 'N', 'T', 'A', 'C', 'T'};
inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kNonceSize = 32;
inline constexpr std::size_t kHelloSize = kMagic.size() + 2 + kNonceSize;  // 40
inline constexpr std::size_t kHeaderSize = 1 + 8 + 4;                      // 13
inline constexpr std::size_t kMaxPayload = 1u << 20;                      // 1 MiB
inline constexpr std::size_t kMaxNameSize = 64;        // a CONFIRM's name, a CHAT sender, a user name
inline constexpr std::size_t kMaxCloseReason = 256;    // a CLOSE reason's text: cut to it, refused over it
inline constexpr std::size_t kMaxClosePayload = 1 + kMaxCloseReason;  // the code byte, then the text
inline constexpr std::size_t kFrameOverhead = kHeaderSize + kTagSize;  // 45

enum class Role : std::uint8_t { client = 'C', server = 'S' };

enum class FrameType : std::uint8_t {
  confirm = 0x01,  // handshake key confirmation: transcript hash + sender's name
  data = 0x02,     // application bytes
  close = 0x03,    // authenticated end of this direction; payload: u8 CloseCode, UTF-8 text
  chat = 0x04,     // relayed chat line: u8 name length (high bit: lab format), name, text
  notice = 0x05,   // a notice from the sender itself
};

bool is_known_frame_type(std::uint8_t type) noexcept;
std::string_view frame_type_name(FrameType type) noexcept;

struct Hello {
  Role role = Role::client;
  std::uint8_t version = kVersion;
  std::array<std::uint8_t, kNonceSize> nonce{};
};

void encode_hello(const Hello& hello, std::vector<std::uint8_t>& out);

// How far a byte prefix agrees with a hello: bytes that can never begin one
// are detected before all 40 have arrived.
enum class HelloCheck { need_more, ok, not_intact, bad_version, bad_role };
HelloCheck check_hello(std::span<const std::uint8_t> bytes, Role expected_role, Hello* out);

struct FrameHeader {
  FrameType type = FrameType::data;
  std::uint64_t seq = 0;
  std::uint32_t length = 0;
};

void encode_header(const FrameHeader& h, std::uint8_t out[kHeaderSize]) noexcept;
// Reads the fields without judging them; `type` is stored as sent.
FrameHeader decode_header(const std::uint8_t in[kHeaderSize]) noexcept;

// The one keyless judgement of a frame header at the front of `bytes`: whether
// a whole header has arrived, its type is known and its length is within
// `max_payload`. `out` (may be null) receives the decoded header whenever a
// whole header is there, whatever the verdict.
enum class HeaderCheck { need_more, ok, unknown_type, over_maximum };
HeaderCheck check_header(std::span<const std::uint8_t> bytes, std::size_t max_payload,
                         FrameHeader* out) noexcept;

// Per-direction keys, derived from the pre-shared key and both nonces (HKDF-SHA256),
// 32 bytes each, wiped when they go out of scope (a FrameSealer or FrameReceiver
// keeps only OpenSSL's HMAC state, which OpenSSL wipes).
inline constexpr std::size_t kDirectionKeySize = 32;
struct DirectionKeys {
  SecretBytes client_to_server;
  SecretBytes server_to_client;
};
DirectionKeys derive_keys(std::span<const std::uint8_t> psk,
                          std::span<const std::uint8_t> client_nonce,
                          std::span<const std::uint8_t> server_nonce);

// The CONFIRM payload binds both hellos: SHA-256(client hello || server hello).
Digest transcript_hash(std::span<const std::uint8_t> client_hello,
                       std::span<const std::uint8_t> server_hello);

// The longest prefix of `text` of at most `max` bytes that does not end inside a
// UTF-8 sequence: how a sender cuts a name or a CLOSE reason that is too long.
std::string_view cut_utf8(std::string_view text, std::size_t max) noexcept;

// CLOSE payload: the code's byte, then the text cut to kMaxCloseReason bytes by
// cut_utf8. Throws std::logic_error for CloseCode::unknown, which is never sent.
void encode_close(CloseCode code, std::string_view reason, std::vector<std::uint8_t>& out);
// False when the payload is empty or over kMaxClosePayload; an unknown code
// byte decodes to CloseCode::unknown (the close still counts).
bool decode_close(std::span<const std::uint8_t> payload, CloseCode* code, std::string_view* reason) noexcept;

// CHAT payload: u8 sender length, sender (cut to kMaxNameSize bytes by cut_utf8), text.
// The length byte's high bit is the lab-format flag (ChatOrigin::lab_format, docs/protocol.md
// "CHAT"); its seven low bits are the length, and a length over kMaxNameSize is malformed.
inline constexpr std::uint8_t kChatLabFormatFlag = 0x80;
inline constexpr std::uint8_t kChatNameLengthMask = 0x7F;
void encode_chat(std::string_view sender, std::string_view text, ChatOrigin origin,
                 std::vector<std::uint8_t>& out);
// ChatOrigin::v1.
void encode_chat(std::string_view sender, std::string_view text, std::vector<std::uint8_t>& out);
// False when the payload is empty, its length over kMaxNameSize or longer than the payload.
bool decode_chat(std::span<const std::uint8_t> payload, std::string_view* sender,
                 std::span<const std::uint8_t>* text, ChatOrigin* origin) noexcept;
// The same, without the origin: for what only displays a CHAT (the tamper proxy's log);
// a receiver that shows the line to a person uses the form above.
bool decode_chat(std::span<const std::uint8_t> payload, std::string_view* sender,
                 std::span<const std::uint8_t>* text) noexcept;

}  // namespace v1

// A byte queue that frames are parsed from in place. Compacts itself so its
// size stays near one frame plus one read.
class InputBuffer {
 public:
  void append(std::span<const std::uint8_t> bytes);
  // Space to read into directly, then commit(n) what arrived.
  std::span<std::uint8_t> prepare(std::size_t n);
  void commit(std::size_t n) noexcept { end_ += n; }
  std::span<const std::uint8_t> data() const noexcept { return {buf_.data() + begin_, end_ - begin_}; }
  std::size_t size() const noexcept { return end_ - begin_; }
  bool empty() const noexcept { return begin_ == end_; }
  void consume(std::size_t n) noexcept;

 private:
  void compact();
  std::vector<std::uint8_t> buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

// One direction's sender: its key and the next sequence number.
class FrameSealer {
 public:
  FrameSealer(std::span<const std::uint8_t> key, std::size_t max_payload = v1::kMaxPayload);
  // Appends header, payload and tag to `out`. Throws intact::Error when the
  // payload is over the maximum.
  void seal(v1::FrameType type, std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out);
  // The same frame without copying the payload: fills `header` and `tag`, so a
  // caller can send header, payload and tag with one gathered write (writev).
  void seal_parts(v1::FrameType type, std::span<const std::uint8_t> payload,
                  std::uint8_t header[v1::kHeaderSize], Tag& tag);
  std::uint64_t next_seq() const noexcept { return next_seq_; }

 private:
  HmacSha256 mac_;
  std::size_t max_payload_;
  std::uint64_t next_seq_ = 0;
};

// Accepts a sequence number only when it is above every one accepted before.
// TCP delivers in order, so anything else is an attacker's doing: a number not
// above the last is a replay, a jump forward means frames were deleted.
class SequenceTracker {
 public:
  enum class Verdict { accept, replay, gap };
  struct Result {
    Verdict verdict;
    std::uint64_t missing;  // gap: frames skipped that were not already reported
  };
  explicit SequenceTracker(std::uint64_t first = 0) : expected_(first) {}
  Result check(std::uint64_t seq) noexcept;
  // A frame failed its tag check here: a gap that covers it needs no second report.
  void note_failed_frame() noexcept { ++failed_since_accept_; }
  std::uint64_t expected() const noexcept { return expected_; }

 private:
  std::uint64_t expected_;
  bool exhausted_ = false;
  std::uint64_t failed_since_accept_ = 0;
};

// One direction's receiver: parses frames out of an InputBuffer, verifies each
// tag (constant time), tracks sequence numbers and turns it all into Events.
class FrameReceiver {
 public:
  FrameReceiver(std::span<const std::uint8_t> key, std::size_t max_payload = v1::kMaxPayload,
                bool strict = false, std::uint64_t first_seq = 1);

  // The next event from `in`, or nullopt when a whole frame has not arrived yet.
  // After a protocol_error or the peer's close, returns nullopt for ever.
  std::optional<Event> poll(InputBuffer& in);
  // The stream ended: a truncation event unless the close was received.
  std::optional<Event> eof(const InputBuffer& in);

  // Lower level, for the handshake: opens the next frame without sequence
  // checks. nullopt: not whole yet. On return, *frame_len bytes are to be consumed.
  enum class Open { ok, bad_tag, malformed };
  struct Opened {
    Open status;
    v1::FrameHeader header;
    std::span<const std::uint8_t> payload;
    std::string detail;
    std::size_t frame_len;
  };
  std::optional<Opened> open(const InputBuffer& in);

  bool done() const noexcept { return done_; }
  bool close_received() const noexcept { return close_received_; }
  std::size_t max_payload() const noexcept { return max_payload_; }

 private:
  std::optional<Event> on_malformed(Opened& o);
  std::optional<Event> on_bad_tag(std::uint64_t seq);
  std::optional<Event> on_late_confirm(std::uint64_t seq);
  std::optional<Event> on_verified(const Opened& o);
  std::optional<Event> on_gap(std::uint64_t seq, std::uint64_t missing, Event message);
  Event message_event(const Opened& o);
  void stop_strict(Failure failure, std::string_view what);

  HmacSha256 mac_;
  std::size_t max_payload_;
  bool strict_;
  SequenceTracker seq_;
  std::optional<Event> pending_;  // the message after a gap, or the stop after a strict failure
  bool done_ = false;
  bool close_received_ = false;
  bool eof_seen_ = false;
};

// Cuts one direction of a v1 stream into its hello and frames, without a key.
// For the proxy, which targets individual frames, and for tools that inspect.
class FrameSplitter {
 public:
  enum class Kind { hello, frame, malformed };
  struct Record {
    Kind kind;
    std::vector<std::uint8_t> bytes;  // the whole record as it was on the wire
    v1::FrameHeader header;           // frame only
    std::string detail;               // malformed only
  };
  explicit FrameSplitter(std::size_t max_payload = v1::kMaxPayload) : max_payload_(max_payload) {}
  void feed(std::span<const std::uint8_t> bytes) { in_.append(bytes); }
  // nullopt until a whole record is buffered. After `malformed`, every
  // remaining byte comes back as one malformed record per feed.
  std::optional<Record> next();
  std::size_t buffered() const noexcept { return in_.size(); }

 private:
  InputBuffer in_;
  std::size_t max_payload_;
  bool hello_seen_ = false;
  bool broken_ = false;
};

}  // namespace intact
