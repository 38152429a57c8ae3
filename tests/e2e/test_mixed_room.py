"""A room mixing formats (issue 14): a lab-format member's replayed line reaches no v1 member
twice.

The lab's format has no sequence numbers: a `text|TAG` record captured on the legacy port and
sent again verifies like the first. The room relays a lab-format member's line to v1 members as
a CHAT frame with the lab-format flag (docs/protocol.md, "CHAT"), so a v1 member knows v1 did not
protect it, and relays the same bytes from the same member only once within its window: the
replay reaches nobody, and the room says so. The v1 members are the real client (human and
--json) and v1_peer.py, which reads the flag off the wire itself; the lab-format member is
lab_peer.py, whose captured record is replayed byte for byte.
"""
import json
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from intact_testlib import KEY, Proc, TestRunner, check, wait_until  # noqa: E402
from test_json import conforms  # noqa: E402
from test_lab_room import mixed_room  # noqa: E402
import lab_peer  # noqa: E402
import v1_peer  # noqa: E402

REPEAT = "(lab format) sent the same line again: not relayed (the lab format cannot tell a replay from a repeat)"
TO_SENDER = "*** you sent the same line again within your last 64 lines (10 minutes): not relayed"


class WireMember:
    """A v1 member written from docs/protocol.md: collects (type, payload) of every frame."""

    def __init__(self, port, name):
        self.peer = v1_peer.V1Client(port, KEY, name=name).handshake()
        self.frames = []
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()
        # The server's welcome: this member has joined the room.
        wait_until(lambda: any(t.startswith(f"welcome, {name};") for t in self.notices()),
                   f"{name}'s welcome", 30)

    def _read(self):
        try:
            while True:
                ftype, _, payload = self.peer.read_frame()
                self.frames.append((ftype, payload))
                if ftype == v1_peer.T_CLOSE:
                    return
        except (OSError, EOFError, ValueError):
            pass

    def chats(self):
        """(sender, text, lab_format) of each CHAT frame received."""
        return [v1_peer.parse_chat(p) for t, p in list(self.frames) if t == v1_peer.T_CHAT]

    def notices(self):
        return [p.decode() for t, p in list(self.frames) if t == v1_peer.T_NOTICE]


def lab_member(srv, lab_port):
    lab = lab_peer.lab_client(lab_port, KEY)
    name = "127.0.0.1:%d" % lab.sock.getsockname()[1]
    who = re.escape(name)
    srv.wait_for(rf'{who} joined|"event":"connect","name":"{who}"', "any")
    return lab, name


def count(lines, pattern):
    return sum(1 for line in list(lines) if re.search(pattern, line))


def json_events(proc, event):
    out = []
    for line in list(proc.out_lines):
        if line.startswith("{"):
            obj = json.loads(line)
            if obj.get("event") == event:
                out.append(obj)
    return out


def test_a_replayed_lab_format_line_reaches_each_v1_member_once_flagged_and_the_replay_is_reported():
    srv, v1_port, lab_port = mixed_room()
    carol = Proc(["client", "--port", str(v1_port), "--key", KEY, "--name", "carol"])
    dave = Proc(["client", "--port", str(v1_port), "--key", KEY, "--name", "dave", "--json"])
    # Joined (their welcome), not only confirmed: the server may join a member a moment after
    # its client has confirmed, and a line relayed in between would not reach it.
    carol.wait_for(r"^\*\*\* welcome, carol;", "out")
    dave.wait_for(r"welcome, dave;", "out")
    wire = WireMember(v1_port, "py")
    lab, name = lab_member(srv, lab_port)
    who = re.escape(name)

    record = lab_peer.encode(KEY, "meet at noon")  # what an attacker on the legacy port captures
    lab.sock.sendall(record)
    carol.wait_for(rf"^\[lab format\] {who}: meet at noon$", "out")
    wait_until(lambda: (name, "meet at noon", True) in wire.chats(), "py to get the flagged CHAT", 30)

    # The replay, twice: the same bytes, each verifying under the key like the first.
    for n in (1, 2):
        lab.sock.sendall(record)
        wait_until(lambda: count(carol.out_lines, rf"^\*\*\* {who} " + re.escape(REPEAT) + "$") >= n,
                   f"carol to be told of repeat {n}", 30)
    wait_until(lambda: sum(1 for t in wire.notices() if t == f"{name} {REPEAT}") == 2,
               "py to be told of both repeats", 30)
    wait_until(lambda: count(srv.out_lines, rf"^\*\*\* {who} " + re.escape(REPEAT) + "$") == 2,
               "the console to show both repeats", 30)
    wait_until(lambda: sum(1 for t, _ in lab.received if t.startswith(TO_SENDER)) == 2,
               "the lab member to be told twice", 30)

    # A v1 member's line is not flagged; and a different lab-format line still gets through.
    carol.send("from carol\n")
    lab.send("meet at one")
    for proc in (carol, srv):
        proc.wait_for(rf"^\[lab format\] {who}: meet at one$", "out")
    dave.wait_for(r'"event":"message".*"text":"meet at one"', "out")
    wait_until(lambda: (name, "meet at one", True) in wire.chats(), "py to get the new line", 30)
    wait_until(lambda: ("carol", "from carol", False) in wire.chats(), "py to get carol's line", 30)

    # Everything the room relayed before "meet at one" has arrived (one stream, in order).
    check(count(carol.out_lines, "meet at noon") == 1, f"carol saw it once: {carol.out_lines}")
    check(count(srv.out_lines, rf"^\[lab format\] {who}: meet at noon$") == 1,
          f"the console showed it once, flagged: {srv.out_lines}")
    noon = [c for c in wire.chats() if c[1] == "meet at noon"]
    check(noon == [(name, "meet at noon", True)], f"py got one CHAT, its flag set on the wire: {noon}")
    dave.wait_for(r'"event":"message","from":"carol"', "out")
    messages = json_events(dave, "message")
    for m in messages:
        conforms(m, "chat: message", "dave")
    lab_lines = [(m["text"], m.get("lab_format")) for m in messages if m["from"] == name]
    check(lab_lines == [("meet at noon", True), ("meet at one", True)], f"dave's JSON: {lab_lines}")
    check([m.get("lab_format") for m in messages if m["from"] == "carol"] == [None],
          f"no lab_format field on a v1 member's line: {messages}")
    check(sum(1 for n in json_events(dave, "notice") if n["text"] == f"{name} {REPEAT}") == 2,
          "dave's JSON has both repeat notices")

    lab.close()
    srv.wait_for(who + r" left", "out")
    wire.peer.close()
    for c in (carol, dave):
        c.close_stdin()
    for c in (carol, dave):
        check(c.wait(30) == 0, "the v1 members exit 0")


def test_a_replayed_private_message_from_a_lab_format_member_reaches_its_recipient_once():
    srv = Proc(["server", "--port", "0", "--legacy-port", "0", "--key", KEY, "--json"])
    ports = {}
    wait_until(lambda: len([e for e in json_events(srv, "listening")]) == 2, "both ports", 30)
    for e in json_events(srv, "listening"):
        ports[e["format"]] = e["port"]
    wire = WireMember(ports["v1"], "py")
    lab, name = lab_member(srv, ports["legacy"])

    record = lab_peer.encode(KEY, "/msg py psst")
    lab.sock.sendall(record)
    wait_until(lambda: (name, "(private) psst", True) in wire.chats(), "py to get the private line", 30)
    lab.sock.sendall(record)
    wait_until(lambda: json_events(srv, "repeat"), "the server's repeat event", 30)
    # Commands that only answer the member are not checked: /who twice gets two answers.
    lab.send("/who")
    lab.send("/who")
    lab.send("/msg py again")
    wait_until(lambda: (name, "(private) again", True) in wire.chats(), "py to get the next one", 30)
    wait_until(lambda: sum(1 for t, _ in lab.received if re.match(r"\*\*\* 3 here: ", t)) == 2,
               "two answers to /who", 30)

    psst = [c for c in wire.chats() if c[1] == "(private) psst"]
    check(len(psst) == 1, f"the private line reached py once: {wire.chats()}")
    repeats = json_events(srv, "repeat")
    check([r["from"] for r in repeats] == [name], f"one repeat event, naming the member: {repeats}")
    conforms(repeats[0], "chat: repeat", "server")
    # The member's answers come in order, one per --lab-pace: the last is the second /msg's.
    wait_until(lambda: sum(1 for t, _ in lab.received if t == "*** private message sent to py") == 2,
               "the member to be told once per delivered /msg", 30)
    check(sum(1 for t, _ in lab.received if t.startswith(TO_SENDER)) == 1, f"and of the repeat: {lab.received}")
    lab.close()
    wire.peer.close()
    srv.stop()


if __name__ == "__main__":
    TestRunner(globals()).main()
