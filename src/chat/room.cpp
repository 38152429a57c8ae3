#include "chat/room.hpp"

#include <algorithm>

#include "intact/frame.hpp"

namespace intact::chat {

void Room::join(Participant& p) {
  if (contains(p)) return;
  members_.push_back(&p);
  by_name_[p.name()] = &p;
}

void Room::leave(Participant& p) {
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
