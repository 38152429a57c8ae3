// src/attack/attack_matrix.hpp: every attack class against both wire formats,
// on loopback, in-process, and what each receiver reported.
//
// For each cell a server endpoint and a client endpoint (plain sockets driven
// by the core sessions, V1Session or LegacySession) talk through a
// TamperProxy running one attack; the receiver's events decide the verdict:
// caught = it reported something (lost integrity, replay, gap, truncation, a
// protocol error), not caught = it accepted what arrived as if nothing
// happened. It depends on no application code (chat, stream), never uses a
// network other than 127.0.0.1, and bounds every cell by a deadline.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "intact/session.hpp"

namespace intact::attack {

struct MatrixCell {
  std::string attack;  // short name: "modify text", "replay", ...
  std::string what;    // what the attacker does, in words
  std::string spec;    // the --attack SPEC the proxy ran
  WireFormat format = WireFormat::v1;
  std::string receiver;                // "server", or "client" for reflection
  std::vector<std::string> reported;   // the receiver's failure reports, in order
  std::vector<std::string> delivered;  // texts the receiver accepted, in order
  bool caught = false;
  bool expected_caught = false;
  bool control = false;  // the no-attack row: nothing to catch, nothing may be reported
  std::string error;     // set when the cell could not run (timeout, socket error)

  bool as_expected() const noexcept { return error.empty() && caught == expected_caught; }
};

struct MatrixOptions {
  bool v1 = true;
  bool legacy = true;
  std::chrono::milliseconds cell_timeout{15'000};
};

std::vector<MatrixCell> run_attack_matrix(const MatrixOptions& options);

// A table for people: attack, format, what the receiver reported, caught.
std::string format_matrix_table(const std::vector<MatrixCell>& cells);
// One JSON document: {"cells":[...],"as_expected":true}.
std::string format_matrix_json(const std::vector<MatrixCell>& cells);

}  // namespace intact::attack
