"""Every --json line intact writes is documented in docs/json.md and starts with the schema
version: each command is made to write each kind of line it has, and every object is checked
against the document's field list (names, types, the fields marked always)."""
import hashlib
import hmac
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import v1_peer  # noqa: E402
from intact_testlib import KEY, LAB_KEY, SOURCE_DIR, Proc, TestRunner, check, run  # noqa: E402

TYPES = {"integer": int, "string": str, "boolean": bool, "array of strings": list,
         "array of objects": list, "object": dict}


def documented():
    """{"chat: message": {field: (type, always)}}, with each source's "(every line)" fields
    first in every one of its kinds."""
    with open(os.path.join(SOURCE_DIR, "docs", "json.md"), encoding="utf-8") as f:
        text = f.read()
    kinds, current = {}, None
    for line in text.splitlines():
        m = re.match(r"^### (\w+): (.+)$", line)
        if m:
            current = f"{m.group(1)}: {m.group(2).strip()}"
            kinds[current] = {}
            continue
        m = re.match(r"^\| `(\w+)` \| ([a-z ]+) \| (always|optional) \|", line)
        if m and current:
            kinds[current][m.group(1)] = (m.group(2), m.group(3) == "always")
    for kind in list(kinds):
        source = kind.split(":")[0]
        common = kinds.get(f"{source}: (every line)")
        if common and not kind.endswith("(every line)"):
            kinds[kind] = {**common, **kinds[kind]}
    return kinds


def conforms(obj, kind, where, versioned=True):
    doc = documented()
    check(kind in doc, f"{where}: a {kind!r} line is not documented in docs/json.md: {obj}")
    fields = doc[kind]
    if versioned:
        check(list(obj)[:1] == ["v"] and obj["v"] == 1, f"{where}: the line does not start with \"v\":1: {obj}")
    for name, value in obj.items():
        check(name in fields, f"{where}: field {name!r} of {kind!r} is not in docs/json.md: {obj}")
        want = TYPES[fields[name][0]]
        ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
        check(ok, f"{where}: {kind} field {name!r} is {type(value).__name__}, documented {fields[name][0]}")
    for name, (_, always) in fields.items():
        check(not always or name in obj, f"{where}: {kind} has no {name!r}, documented as always there: {obj}")


def json_lines(lines, where):
    out = []
    for line in lines:
        check(line.startswith('{"v":1,'), f"{where}: a line that does not start with the version: {line!r}")
        out.append(json.loads(line))
    return out


def test_the_document_lists_every_source():
    doc = documented()
    for kind in ("chat: message", "chat: disconnect", "proxy: (every line)", "verify: verdict",
                 "verify: summary", "matrix: document", "matrix: cell", "campaign: document"):
        check(kind in doc and doc[kind], f"docs/json.md has no field table for {kind!r}")


def test_room_events_in_json_match_the_document():
    srv = Proc(["server", "--port", "0", "--key", KEY, "--json"])
    port = srv.port()
    alice = Proc(["client", "--port", str(port), "--key", KEY, "--name", "alice", "--json"])
    alice.wait_for(r'"event":"log".*keys confirmed', "out")
    alice.send("hi there\n/msg server psst\n")
    srv.wait_for(r'"event":"private_message"', "out")
    # A peer that forges, skips and replays, then cuts its stream without a CLOSE.
    peer = v1_peer.V1Client(port, KEY, name="mallory").handshake()
    peer.send_frame(v1_peer.T_DATA, b"one")                                      # seq 1
    peer.sock.sendall(v1_peer.seal(b"\0" * 32, v1_peer.T_DATA, 2, b"forged"))   # bad tag
    peer.tx_seq = 4
    peer.send_frame(v1_peer.T_DATA, b"four")                                     # gap (3)
    peer.tx_seq = 1
    peer.send_frame(v1_peer.T_DATA, b"one again")                                # replay
    srv.wait_for(r'"event":"replay"', "out")
    peer.sock.close()
    srv.wait_for(r'"event":"disconnect".*"name":"mallory"', "out")
    alice.wait_for(r'"event":"message".*"from":"mallory"', "out")
    alice.close_stdin()
    check(alice.wait(30) == 0, f"alice: {alice.err_lines}")
    srv.wait_for(r'"event":"disconnect".*"name":"alice"', "out")
    denied = Proc(["server", "--port", "0", "--key", KEY, "--json", "--deny", "127.0.0.0/8"])
    dport = denied.port()
    with socket.create_connection(("127.0.0.1", dport), timeout=10) as s:
        s.settimeout(10)
        try:
            s.recv(100)
        except OSError:
            pass
    denied.wait_for(r'"event":"refused"', "out")
    seen = set()
    for where, proc in (("server", srv), ("client", alice), ("denied server", denied)):
        for obj in json_lines(proc.out_lines, where):
            conforms(obj, f"chat: {obj['event']}", where)
            seen.add(obj["event"])
    for kind in ("listening", "log", "connect", "message", "private_message", "notice", "integrity_failure",
                 "gap", "replay", "truncated", "disconnect", "refused"):
        check(kind in seen, f"no {kind} event was written (the test did not reach it): {sorted(seen)}")


def test_a_disconnect_reason_says_what_happened():
    srv = Proc(["server", "--port", "0", "--key", KEY, "--json", "--idle-timeout", "1s"])
    port = srv.port()
    quiet = Proc(["client", "--port", str(port), "--key", KEY, "--name", "quiet"])  # stdin stays open
    m = srv.wait_for(r'"event":"disconnect".*"name":"quiet"', "out", timeout=60)
    event = json.loads(m.string)
    check(event["reason"] == "idle timeout", f"the reason is not what happened: {event}")
    quiet.wait(30)
    leaver = Proc(["client", "--port", str(port), "--key", KEY, "--name", "leaver"])
    leaver.wait_for("keys confirmed", "err")
    leaver.close_stdin()  # the client closes first
    m = srv.wait_for(r'"event":"disconnect".*"name":"leaver"', "out", timeout=60)
    check(json.loads(m.string)["reason"] == "the client closed", f"{m.string}")


def test_proxy_log_lines_match_the_document():
    srv = Proc(["server", "--port", "0", "--key", KEY])
    port = srv.port()
    proxy = Proc(["proxy", "--listen", "0", "--to", f"127.0.0.1:{port}", "--json", "-v",
                  "--attack", "flip:c2s:2"], stdin=subprocess.DEVNULL)
    pport = int(proxy.wait_for(r"listening on [^ ]*:(\d+)", "err").group(1))
    c = Proc(["client", "--port", str(pport), "--key", KEY, "--name", "bob"])
    c.wait_for("keys confirmed", "err")
    c.send("one\ntwo\nthree\n")
    c.close_stdin()
    c.wait(30)
    proxy.wait_for(r'"action":"disconnect"', "out")
    actions = set()
    for obj in json_lines(proxy.out_lines, "proxy"):
        conforms(obj, "proxy: (every line)", "proxy")
        actions.add(obj["action"])
    check({"connect", "flip", "message", "disconnect"} <= actions, f"actions seen: {actions}")


def lab_tag(key_hex, text):
    return hmac.new(bytes.fromhex(key_hex), text, hashlib.sha256).hexdigest().upper().encode()


def tcp_packet(src, dst, seq, ack, flags, payload=b""):
    """An Ethernet + IPv4 + TCP frame (checksums left 0) between two loopback ports."""
    tcp = struct.pack("!HHIIBBHHH", src, dst, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0, 64, 6, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    return b"\0" * 12 + b"\x08\x00" + ip + tcp + payload


def test_verify_lines_match_the_document():
    good = b"hello|" + lab_tag(LAB_KEY, b"hello")
    bad = b"hellO|" + lab_tag(LAB_KEY, b"hello")
    c, s = 40000, 8080
    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    frames = [tcp_packet(c, s, 100, 0, SYN), tcp_packet(s, c, 500, 101, SYN | ACK),
              tcp_packet(c, s, 101, 501, ACK), tcp_packet(c, s, 101, 501, PSH | ACK, good),
              tcp_packet(c, s, 101 + len(good), 501, PSH | ACK, bad),
              tcp_packet(c, s, 101 + len(good) + len(bad), 501, FIN | ACK),
              tcp_packet(s, c, 501, 102 + len(good) + len(bad), FIN | ACK)]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "lab.pcap")
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for i, fr in enumerate(frames):
                f.write(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)) + fr)
        r = run(["verify", "--json", "--key", LAB_KEY, "--weak-key", path])
    lines = r.stdout.decode().splitlines()
    check(r.returncode == 3, f"verify exit {r.returncode} (one message modified): {r.stderr!r} {lines}")
    events = set()
    for obj in json_lines(lines, "verify"):
        conforms(obj, f"verify: {obj['event']}", "verify")
        events.add(obj["event"])
        if obj["event"] == "verdict":
            check(obj["verdict"] in ("genuine", "modified", "ended"), f"verdict: {obj}")
    check(events == {"connection", "verdict", "summary"}, f"events: {events}")


def test_campaign_and_matrix_documents_match_the_document():
    r = run(["attack-matrix", "--campaign", "50", "--seed", "3", "--json"], timeout=120)
    check(r.returncode == 0, f"campaign exit {r.returncode}: {r.stderr!r}")
    lines = r.stdout.decode().splitlines()
    check(len(lines) == 1, f"the campaign writes one line: {lines}")
    conforms(json.loads(lines[0]), "campaign: document", "campaign")
    check(lines[0].startswith('{"v":1,'), lines[0])
    r = run(["attack-matrix", "--only", "v1", "--json"], timeout=240)
    check(r.returncode == 0, f"matrix exit {r.returncode}: {r.stderr!r}")
    check(r.stdout.startswith(b'{"v":1,'), r.stdout[:80])
    doc = json.loads(r.stdout)
    conforms(doc, "matrix: document", "matrix")
    for cell in doc["cells"]:
        check("v" not in cell, f"a cell has a version of its own: {cell}")
        conforms(cell, "matrix: cell", "matrix cell", versioned=False)  # the document's covers it


if __name__ == "__main__":
    TestRunner(globals()).main()
