"""`intact attack-matrix`: every attack against both formats, each cell asserted.

The expected outcome of every cell is written out here, independently of the
program's own expectations: the lab's format (legacy) catches modified and
forged messages only; protocol v1 catches every attack. The accepted messages
of the legacy cells are checked too, to show that each attack really happened
(a replay really delivered A1 twice) rather than the proxy passing traffic on.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from intact_testlib import TestRunner, check, run  # noqa: E402

# attack -> (legacy caught?, v1 caught?)
EXPECTED = {
    "no attack": (False, False),
    "modify text": (True, True),
    "modify tag": (True, True),
    "replace text": (True, True),
    "replace+retag": (True, True),
    "inject": (True, True),
    "replay": (False, True),
    "reorder": (False, True),
    "delete": (False, True),
    "duplicate": (False, True),
    "reflect": (False, True),
    "splice": (False, True),
    "truncate": (False, True),
}

# What the legacy receiver accepted, proving the attack took place unnoticed.
LEGACY_DELIVERED = {
    "no attack": ["A1", "A2", "A3"],
    "replay": ["A1", "A2", "A1", "A3"],
    "reorder": ["A1", "A3", "A2"],
    "delete": ["A1", "A3"],
    "duplicate": ["A1", "A2", "A2", "A3"],
    "reflect": ["A2"],             # the client got its own message back, as if from the server
    "splice": ["B1", "A2", "B3"],  # connection B received connection A's message 2
    "truncate": ["A1", "A2"],
}

# The v1 report that names each attack for what it is.
V1_REPORT = {
    "modify text": "lost integrity",
    "modify tag": "lost integrity",
    "replace text": "lost integrity",
    "replace+retag": "lost integrity",
    "inject": "lost integrity",
    "replay": "replay",
    "reorder": "gap",
    "delete": "gap",
    "duplicate": "replay",
    "reflect": "lost integrity",
    "splice": "lost integrity",
    "truncate": "truncated",
}

_cached = {}


def matrix():
    if "doc" not in _cached:
        r = run(["attack-matrix", "--json"], timeout=240)
        check(r.returncode == 0, f"attack-matrix exited {r.returncode}\n{r.stdout.decode()}\n{r.stderr.decode()}")
        _cached["doc"] = json.loads(r.stdout)
    return _cached["doc"]


def cell(attack, fmt):
    cells = [c for c in matrix()["cells"] if c["attack"] == attack and c["format"] == fmt]
    check(len(cells) == 1, f"expected one cell for {attack}/{fmt}, found {len(cells)}")
    return cells[0]


def test_matrix_has_every_attack_for_both_formats():
    doc = matrix()
    seen = {(c["attack"], c["format"]) for c in doc["cells"]}
    want = {(a, f) for a in EXPECTED for f in ("legacy", "v1")}
    check(seen == want, f"cells differ: missing {want - seen}, extra {seen - want}")
    check(doc["as_expected"] is True, "the matrix says some cell is not as expected")


def test_legacy_catches_only_modified_or_forged_messages():
    for attack, (legacy_caught, _) in EXPECTED.items():
        c = cell(attack, "legacy")
        check(c["error"] == "", f"{attack}/legacy could not run: {c['error']}")
        check(c["caught"] == legacy_caught,
              f"{attack}/legacy: caught={c['caught']}, expected {legacy_caught}; reported {c['reported']}")
        if not legacy_caught:
            check(c["reported"] == [], f"{attack}/legacy reported {c['reported']}")


def test_legacy_receiver_accepts_what_the_attacker_delivered():
    for attack, delivered in LEGACY_DELIVERED.items():
        c = cell(attack, "legacy")
        check(c["delivered"] == delivered, f"{attack}/legacy delivered {c['delivered']}, expected {delivered}")


def test_v1_catches_every_attack_and_names_it():
    for attack, (_, v1_caught) in EXPECTED.items():
        c = cell(attack, "v1")
        check(c["error"] == "", f"{attack}/v1 could not run: {c['error']}")
        check(c["caught"] == v1_caught, f"{attack}/v1: caught={c['caught']}, expected {v1_caught}")
        if attack in V1_REPORT:
            check(any(r.startswith(V1_REPORT[attack]) for r in c["reported"]),
                  f"{attack}/v1 reported {c['reported']}, expected '{V1_REPORT[attack]}'")


def test_v1_never_delivers_an_altered_or_foreign_message():
    genuine = {"A1", "A2", "A3", "B1", "B2", "B3"}
    for attack in EXPECTED:
        c = cell(attack, "v1")
        check(set(c["delivered"]) <= genuine, f"{attack}/v1 delivered {c['delivered']}")
        check(len(c["delivered"]) == len(set(c["delivered"])), f"{attack}/v1 delivered twice: {c['delivered']}")
    check(cell("splice", "v1")["delivered"] == ["B1", "B3"], "splice/v1 delivered a message of connection A")
    check(cell("no attack", "v1")["delivered"] == ["A1", "A2", "A3"], "v1 lost a message with no attack")


def test_reflection_is_judged_at_the_client():
    check(cell("reflect", "v1")["receiver"] == "client", "reflection must be judged where it lands")
    check(cell("reflect", "v1")["delivered"] == [], "the v1 client accepted its own reflected message")


def test_table_output_states_the_outcome():
    r = run(["attack-matrix", "--only", "legacy"], timeout=240)
    out = r.stdout.decode()
    check(r.returncode == 0, f"exit {r.returncode}: {out}{r.stderr.decode()}")
    check("ATTACK" in out and "replay" in out and "Every cell is as expected" in out, out)
    rows = [line for line in out.splitlines() if re.search(r"\s(legacy|v1)\s+(server|client)\s", line)]
    check(len(rows) == len(EXPECTED), f"expected {len(EXPECTED)} rows:\n{out}")
    check(all(" legacy " in row for row in rows), f"--only legacy printed v1 cells:\n{out}")
    # A legend says what A1, A2, A3 and B1 are before the table.
    legend = out.split("ATTACK", 1)[0]
    for word in ("A1 A2 A3", "B1 B2 B3", "SPEC", "ACCEPTED", "CAUGHT"):
        check(word in legend, f"the legend does not explain {word!r}:\n{legend}")
    # Each row ends with the --attack SPEC the proxy ran (the same as the JSON's).
    specs = {c["attack"]: c["spec"] for c in matrix()["cells"]}
    for row in rows:
        attack = re.split(r"\s{2,}", row.strip())[0]
        want = specs[attack] or "-"
        check(row.rstrip().endswith(" " + want), f"the row of {attack!r} does not end with {want!r}: {row!r}")


def test_bad_option_is_a_usage_error():
    r = run(["attack-matrix", "--only", "v2"])
    check(r.returncode == 2, f"exit {r.returncode}")
    check(b"--only is v1 or legacy" in r.stderr, r.stderr.decode())


if __name__ == "__main__":
    TestRunner(globals()).main()
