"""intact verify on real loopback captures of intact chats (recorded during the test with
intact capture), on the same captures edited byte by byte, and on captures whose frames
are split, reordered and retransmitted across TCP segments."""
import atexit
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from intact_testlib import KEY, OTHER_KEY, LAB_KEY, TestRunner, check, run  # noqa: E402
from capture_testlib import (TcpView, read_pcap, record_chat, verdict_story, verify_json,  # noqa: E402
                             via_byte_relay, via_proxy, write_pcap)

TMP = tempfile.mkdtemp(prefix="intact-verify-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
LINES = ["hello world", "second | line, with a bar", "the third message", "the fourth", "fifth and last"]
_captures = {}


def capture(name):
    """Each real capture is recorded once, the first time a test needs it."""
    if name not in _captures:
        if name == "v1":
            path = record_chat(os.path.join(TMP, "v1.pcap"), KEY, LINES, pcap=True)
        elif name == "legacy":
            path = record_chat(os.path.join(TMP, "legacy.pcapng"), LAB_KEY, LINES, legacy=True)
        elif name == "replay":
            path = record_chat(os.path.join(TMP, "replay.pcapng"), KEY, LINES, via=via_proxy("replay:c2s:2"))
        elif name == "split":
            path = record_chat(os.path.join(TMP, "split.pcap"), KEY, LINES, pcap=True, via=via_byte_relay)
        else:
            raise KeyError(name)
        _captures[name] = path
    return _captures[name]


def client_messages(verdicts):
    return [v for v in verdicts if v["direction"] == "c2s" and v.get("type") in ("DATA", None)
            and v["verdict"] not in ("ended", "closed")]


def flip_one_byte_of(path, text, out_name):
    """The capture with one byte of `text` changed, where it travels in the packet."""
    with open(path, "rb") as f:
        blob = bytearray(f.read())
    needle = text.encode()
    at = blob.find(needle)
    check(at >= 0 and blob.find(needle, at + 1) < 0, f"{text!r} must appear exactly once in {path}")
    blob[at + 1] ^= 0x20  # "second" -> "sEcond": a one-bit change in one payload byte
    out = os.path.join(TMP, out_name)
    with open(out, "wb") as f:
        f.write(blob)
    return out, bytes(blob[at:at + len(needle)]).decode()


def test_verify_reports_every_message_of_a_real_v1_chat_as_genuine():
    path = capture("v1")
    r = run(["verify", "--key", KEY, path])
    out = r.stdout.decode()
    check(r.returncode == 0, f"exit {r.returncode}, want 0\n{out}\n{r.stderr.decode()}")
    for i, line in enumerate(LINES, start=1):
        want = f'c>s seq {i} genuine DATA "{line}"'
        check(want in out, f"missing {want!r} in\n{out}")
    check('confirmed CONFIRM name "alice"' in out and 'confirmed CONFIRM name "server"' in out,
          f"both CONFIRMs should be confirmed:\n{out}")
    check("every message is genuine" in out, out)
    rc, verdicts, summary, _ = verify_json(path, KEY)
    check(rc == 0 and summary["all_genuine"] is True, f"json: exit {rc}, summary {summary}")
    data = [(v["seq"], v["verdict"], v["text"]) for v in verdicts if v["direction"] == "c2s" and v.get("type") == "DATA"]
    check(data == [(i, "genuine", line) for i, line in enumerate(LINES, start=1)], f"c2s DATA verdicts: {data}")
    check(all(v["verdict"] in ("confirmed", "genuine", "closed") for v in verdicts), f"verdicts: {verdicts}")
    closes = [v for v in verdicts if v["verdict"] == "closed"]
    check(len(closes) == 2, f"both sides end with an authenticated close: {closes}")


def test_verify_reports_one_changed_payload_byte_as_modified_and_exits_3():
    original = capture("v1")
    edited, changed_text = flip_one_byte_of(original, LINES[1], "v1-flipped.pcap")
    rc, verdicts, summary, err = verify_json(edited, KEY)
    check(rc == 3, f"exit {rc}, want 3 (integrity failure); {err}")
    data = [(v["seq"], v["verdict"]) for v in verdicts if v["direction"] == "c2s" and v.get("type") == "DATA"]
    check(data == [(1, "genuine"), (2, "modified"), (3, "genuine"), (4, "genuine"), (5, "genuine")],
          f"only message 2 is modified: {data}")
    modified = [v for v in verdicts if v["verdict"] == "modified"][0]
    check(modified["text"] == changed_text and modified["text_verified"] is False,
          f"the modified message is shown as captured and marked untrusted: {modified}")
    check(summary["modified"] == 1 and summary["all_genuine"] is False, f"summary: {summary}")
    text = run(["verify", "--key", KEY, edited]).stdout.decode()
    check(f'c>s seq 2 modified DATA "{changed_text}" (as captured, not trusted)' in text, text)


def test_verify_reports_every_message_of_a_real_legacy_chat_as_genuine():
    path = capture("legacy")
    rc, verdicts, summary, err = verify_json(path, LAB_KEY, "--weak-key")
    check(rc == 0, f"exit {rc}, want 0: {err} {verdicts}")
    msgs = [(v["message"], v["verdict"], v["text"]) for v in verdicts if v["direction"] == "c2s" and "message" in v]
    check(msgs == [(i, "genuine", line) for i, line in enumerate(LINES, start=1)], f"c2s messages: {msgs}")
    check(all(v["format"] == "legacy" for v in verdicts), "format detected as the lab's")
    ended = [v for v in verdicts if v["verdict"] == "ended"]
    check(ended and "no authenticated close" in ended[0]["detail"],
          f"the end of a legacy stream is reported as unauthenticated: {ended}")


def test_verify_reports_a_changed_byte_in_a_legacy_message_as_modified():
    edited, changed_text = flip_one_byte_of(capture("legacy"), LINES[1], "legacy-flipped.pcapng")
    rc, verdicts, summary, err = verify_json(edited, LAB_KEY, "--weak-key")
    check(rc == 3, f"exit {rc}, want 3: {err}")
    msgs = [(v["message"], v["verdict"]) for v in verdicts if v["direction"] == "c2s" and "message" in v]
    check(msgs == [(1, "genuine"), (2, "modified"), (3, "genuine"), (4, "genuine"), (5, "genuine")], f"{msgs}")


def test_verify_reports_a_frame_replayed_by_the_proxy_as_replayed():
    rc, verdicts, summary, err = verify_json(capture("replay"), KEY)
    check(rc == 3, f"exit {rc}, want 3: {err}")
    c2s = [(v.get("seq"), v["verdict"], v.get("text")) for v in verdicts
           if v["direction"] == "c2s" and v.get("type") == "DATA"]
    replayed = [x for x in c2s if x[1] == "replayed"]
    check(replayed == [(2, "replayed", LINES[1])], f"frame 2 sent again is replayed: {c2s}")
    genuine = [x for x in c2s if x[1] == "genuine"]
    check(genuine == [(i, "genuine", line) for i, line in enumerate(LINES, start=1)],
          f"every original message is still genuine: {c2s}")
    check(summary["replayed"] == 1, f"summary: {summary}")


def test_frames_split_across_tcp_segments_verify_the_same_as_unsplit():
    split = capture("split")
    _, _, packets = read_pcap(split)
    sizes = [len(TcpView(p.data).payload) for p in packets]
    tiny = sum(1 for n in sizes if 0 < n < 13)
    check(tiny >= 100, f"the relay should have split frames into many tiny segments, got sizes {sizes[:40]}")
    rc_split, split_verdicts, _, err = verify_json(split, KEY)
    rc_plain, plain_verdicts, _, _ = verify_json(capture("v1"), KEY)
    check(rc_split == 0, f"the split capture verifies: exit {rc_split} {err} {split_verdicts}")
    check(verdict_story(split_verdicts) == verdict_story(plain_verdicts),
          f"split:\n{verdict_story(split_verdicts)}\nunsplit:\n{verdict_story(plain_verdicts)}")


def rewrite_into_scrambled_bytes(path, out_name, drop_piece=None):
    """Every payload cut into 1-byte segments; within each packet, neighbours swapped
    (out of order), every third one sent twice (retransmission), and a 3-byte segment
    overlapping what came before. drop_piece=(port, n): leave out the n-th 1-byte piece
    (and its copies) of the packets sent from `port`: a hole in the capture."""
    header, linktype, packets = read_pcap(path)
    check(linktype == 1, f"loopback captures are Ethernet framed, got link type {linktype}")
    out, counters = [], {}
    for p in packets:
        v = TcpView(p.data)
        if not v.payload:
            out.append(p)
            continue
        pieces = []
        for i in range(len(v.payload)):
            flags = v.flags if i == len(v.payload) - 1 else (v.flags & ~0x01)  # FIN only on the last byte
            n = counters.get(v.src_port, 0)
            counters[v.src_port] = n + 1
            if drop_piece == (v.src_port, n):
                continue
            pieces.append(v.rebuild(v.seq + i, v.payload[i:i + 1], flags))
            if i % 3 == 2:
                pieces.append(v.rebuild(v.seq + i, v.payload[i:i + 1], flags))
        for i in range(0, len(pieces) - 1, 2):
            pieces[i], pieces[i + 1] = pieces[i + 1], pieces[i]
        if len(v.payload) > 4:
            pieces.append(v.rebuild(v.seq + 1, v.payload[1:4], v.flags & ~0x01))
        out += [type(p)(p.ts_sec, p.ts_usec, d) for d in pieces]
    target = os.path.join(TMP, out_name)
    write_pcap(target, header, out)
    return target, len(out)


def test_out_of_order_retransmitted_and_overlapping_segments_verify_the_same():
    plain = capture("v1")
    scrambled, count = rewrite_into_scrambled_bytes(plain, "v1-scrambled.pcap")
    check(count > 500, f"the rewrite should make many segments, made {count}")
    rc, verdicts, _, err = verify_json(scrambled, KEY)
    _, plain_verdicts, _, _ = verify_json(plain, KEY)
    check(rc == 0, f"exit {rc}: {err} {verdicts}")
    check(verdict_story(verdicts) == verdict_story(plain_verdicts),
          f"scrambled:\n{verdict_story(verdicts)}\nplain:\n{verdict_story(plain_verdicts)}")


def test_a_byte_the_capture_lacks_is_reported_as_incomplete_not_as_genuine():
    plain = capture("v1")
    _, _, packets = read_pcap(plain)
    client_port = TcpView(packets[0].data).src_port  # the SYN comes from the client
    # The client's 40-byte hello, its CONFIRM (45 + 32 + 5 bytes), then DATA 1: byte 140 is inside it.
    holed, _ = rewrite_into_scrambled_bytes(plain, "v1-hole.pcap", drop_piece=(client_port, 140))
    rc, verdicts, summary, err = verify_json(holed, KEY)
    check(rc == 3, f"exit {rc}, want 3: {err}")
    incomplete = [v for v in verdicts if v["verdict"] == "incomplete"]
    check(len(incomplete) == 1 and incomplete[0]["direction"] == "c2s" and "lacks 1 bytes" in incomplete[0]["detail"],
          f"one hole of one byte in c2s: {incomplete}")
    check(not [v for v in verdicts if v["direction"] == "c2s" and v["verdict"] == "genuine"],
          f"nothing after the hole is called genuine: {verdicts}")
    s2c = [v["verdict"] for v in verdicts if v["direction"] == "s2c"]
    check("genuine" in s2c and "closed" in s2c, f"the other direction still verifies: {s2c}")


def test_the_wrong_key_fails_key_confirmation_in_both_directions():
    rc, verdicts, summary, err = verify_json(capture("v1"), OTHER_KEY)
    check(rc == 3, f"exit {rc}, want 3: {err}")
    check(len(verdicts) == 2 and all(v["verdict"] == "modified" and "key confirmation failed" in v["detail"]
                                     for v in verdicts), f"{verdicts}")


def test_json_lines_are_valid_and_text_mode_neutralises_nothing_it_should_not():
    r = run(["verify", "--json", "--key", KEY, capture("v1")])
    lines = r.stdout.decode().splitlines()
    objs = [json.loads(line) for line in lines]
    check(objs[0]["event"] == "connection" and objs[0]["format"] == "v1" and objs[-1]["event"] == "summary",
          f"{objs[0]} ... {objs[-1]}")
    check(objs[0]["began_mid_connection"] is False and objs[0]["server"].startswith("127.0.0.1:"), f"{objs[0]}")


def test_verify_reads_the_capture_from_standard_input():
    with open(capture("v1"), "rb") as f:
        blob = f.read()
    r = run(["verify", "--key", KEY, "-"], input=blob)
    out = r.stdout.decode()
    check(r.returncode == 0 and f'c>s seq 1 genuine DATA "{LINES[0]}"' in out, f"{r.returncode}\n{out}{r.stderr}")


def test_an_unreadable_capture_exits_1_and_usage_errors_exit_2():
    junk = os.path.join(TMP, "junk.pcap")
    with open(junk, "wb") as f:
        f.write(b"this is not a capture file at all")
    r = run(["verify", "--key", KEY, junk])
    check(r.returncode == 1 and b"cannot read capture" in r.stderr, f"{r.returncode} {r.stderr}")
    r = run(["verify", "--key", KEY, os.path.join(TMP, "does-not-exist.pcap")])
    check(r.returncode == 1, f"missing file: exit {r.returncode}")
    r = run(["verify", "--key", KEY])
    check(r.returncode == 2, f"no capture given: exit {r.returncode}")
    r = run(["verify", "--key", KEY, "--v1", "--legacy", capture("v1")])
    check(r.returncode == 2, f"--v1 with --legacy: exit {r.returncode}")
    r = run(["verify", "--key", KEY, "--port", "1", capture("v1")])
    check(r.returncode == 1 and b"no TCP connection carrying data" in r.stderr,
          f"a port with no traffic: {r.returncode} {r.stderr}")


def test_intact_capture_without_wireshark_tools_fails_with_an_install_hint():
    r = run(["capture", "--port", "8080", "-w", os.path.join(TMP, "never.pcapng")], env={"PATH": "/nonexistent"})
    check(r.returncode == 1 and b"neither dumpcap nor tshark is installed" in r.stderr
          and b"apt-get install tshark" in r.stderr, f"{r.returncode} {r.stderr}")
    r = run(["capture", "--port", "not-a-port"])
    check(r.returncode == 2, f"a bad port is a usage error: {r.returncode} {r.stderr}")
    r = run(["capture", "-i", "no-such-interface0", "--port", "8080", "-w", os.path.join(TMP, "never.pcapng")])
    check(r.returncode != 0 and b"no-such-interface0" in r.stderr,
          f"dumpcap's own failure comes through: {r.returncode} {r.stderr}")


if __name__ == "__main__":
    TestRunner(globals()).main()
