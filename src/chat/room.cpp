#include "chat/room.hpp"

#include <algorithm>
#include <cstring>

#include "intact/crypto.hpp"
#include "intact/frame.hpp"

namespace intact::chat {

std::string repeat_notice(std::string_view name) {
  return std::string(name) +
         " (lab format) sent the same line again: not relayed (the lab format cannot tell a replay "
         "from a repeat)";
}

std::string repeat_notice_to_sender() {
  return "you sent the same line again within your last " + std::to_string(RepeatWindow::kLines) +
         " lines (" + std::to_string(RepeatWindow::kMaxAge.count()) +
         " minutes): not relayed (the lab format cannot tell a replay from a repeat; change the "
         "line to send it again)";
}

RepeatWindow::Verdict RepeatWindow::check(std::string_view line, Clock::time_point now) {
  Digest full = sha256(text_bytes(line));
  Entry fresh;
  std::memcpy(fresh.digest.data(), full.data(), kDigestSize);
  fresh.at = now;
  for (std::size_t i = 0; i < count_; ++i) {
    const Entry& e = ring_[i];
    if (now - e.at < kMaxAge && e.digest == fresh.digest) return Verdict::repeat;
  }
  ring_[next_] = fresh;
  next_ = (next_ + 1) % kLines;
  count_ = std::min(count_ + 1, kLines);
  return Verdict::relay;
}

RepeatWindow::Verdict Room::check_line(const Participant& from, std::string_view line,
                                       RepeatWindow::Clock::time_point now) {
  if (!from.speaks_lab_format()) return RepeatWindow::Verdict::relay;
  return lab_windows_[&from].check(line, now);
}

void Room::join(Participant& p) {
  if (contains(p)) return;
  members_.push_back(&p);
  by_name_[p.name()] = &p;
}

void Room::leave(Participant& p) {
  lab_windows_.erase(&p);
  auto it = std::find(members_.begin(), members_.end(), &p);
  if (it == members_.end()) return;
  members_.erase(it);
  auto n = by_name_.find(p.name());
  if (n != by_name_.end() && n->second == &p) by_name_.erase(n);
}

bool Room::contains(const Participant& p) const {
  return std::find(members_.begin(), members_.end(), &p) != members_.end();
}

void Room::rename(Participant& p, const std::string& old_name) {
  auto n = by_name_.find(old_name);
  if (n != by_name_.end() && n->second == &p) by_name_.erase(n);
  by_name_[p.name()] = &p;
}

void Room::broadcast(const Participant& from, std::string_view text) {
  // Members dropped while we deliver (a slow reader hitting its bound) are
  // removed later, by the server, never during this loop.
  for (Participant* m : members_) {
    if (m != &from) m->deliver_message(from, text, false);
  }
}

void Room::announce(std::string_view notice, const Participant* except, bool to_host) {
  for (Participant* m : members_) {
    if (m != except && (to_host || !m->is_host())) m->deliver_notice(notice);
  }
}

Participant* Room::find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : it->second;
}

std::string Room::unique_name(std::string_view wanted) const {
  std::string name(wanted);
  for (int i = 2; by_name_.count(name) != 0; ++i) {
    // A name travels in at most v1::kMaxNameSize bytes (a CHAT frame's sender field): a suffix
    // that pushed it over would be cut off on the way, and the member would be shown
    // under the very name it was told apart from. Shorten the base instead, on a
    // UTF-8 character boundary.
    std::string suffix = "-" + std::to_string(i);
    std::size_t keep = std::min(wanted.size(), v1::kMaxNameSize - suffix.size());
    while (keep > 0 && keep < wanted.size() && (static_cast<unsigned char>(wanted[keep]) & 0xC0) == 0x80)
      --keep;
    name = std::string(wanted.substr(0, keep)) + suffix;
  }
  return name;
}

std::vector<std::string> Room::names() const {
  std::vector<std::string> out;
  out.reserve(members_.size());
  for (const Participant* m : members_) out.push_back(m->name());
  return out;
}

}  // namespace intact::chat
