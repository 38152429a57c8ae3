"""The Wireshark dissector (contrib/wireshark/intact.lua) on real loopback captures of
intact chats recorded during the test: tshark -X lua_script:... -V must show each
message's text, sequence number and tag. The tags it shows are checked against an
independent oracle: Python's hmac and hashlib (HKDF written out from RFC 5869)."""
import atexit
import hashlib
import hmac
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from intact_testlib import KEY, LAB_KEY, TestRunner, check  # noqa: E402
from v1_peer import hkdf as hkdf_sha256  # noqa: E402
from capture_testlib import (DISSECTOR, Capture, TcpView, read_pcap, record_chat,  # noqa: E402
                             via_byte_relay, write_pcap)

TMP = tempfile.mkdtemp(prefix="intact-wireshark-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
LINES = ["hello wireshark", "a bar | inside", "third: ünïcødé text", "four"]
_captures = {}


def capture(name):
    if name not in _captures:
        if name == "v1":
            _captures[name] = record_chat(os.path.join(TMP, "v1.pcap"), KEY, LINES, pcap=True)
        elif name == "legacy":
            _captures[name] = record_chat(os.path.join(TMP, "legacy.pcapng"), LAB_KEY, LINES, legacy=True)
        elif name == "split":
            _captures[name] = record_chat(os.path.join(TMP, "split.pcapng"), KEY, LINES, via=via_byte_relay)
        elif name == "legacy-split":
            _captures[name] = record_chat(os.path.join(TMP, "legacy-split.pcapng"), LAB_KEY, LINES,
                                          legacy=True, via=via_byte_relay)
    return _captures[name]


def tshark(path, *options, fields=None, verbose=True):
    args = ["tshark", "-X", f"lua_script:{DISSECTOR}", "-r", path] + list(options)
    if verbose:
        args.append("-V")
    r = subprocess.run(args, capture_output=True, timeout=60)
    err = r.stderr.decode(errors="replace")
    check(r.returncode == 0, f"tshark exited {r.returncode}: {err}")
    check("Lua: Error" not in err and "lua_script" not in err and "Lua:" not in err, f"the dissector failed to load: {err}")
    return r.stdout.decode("utf-8", errors="replace")


def server_port(path):
    if path.endswith(".pcap"):
        _, _, packets = read_pcap(path)
        return TcpView(packets[0].data).dst_port  # the SYN goes to the server
    out = subprocess.run(["tshark", "-r", path, "-c", "1", "-T", "fields", "-e", "tcp.dstport"],
                         capture_output=True, timeout=60).stdout.decode()
    return int(out.split()[0])


def parse_v1(text):
    """The hellos and frames the dissector shows, each with the TCP ports it travelled on."""
    hellos, frames, src = {}, [], None
    current = None
    for line in text.splitlines():
        m = re.match(r"Transmission Control Protocol, Src Port: (\d+), Dst Port: (\d+)", line)
        if m:
            src = int(m.group(1))
            continue
        if line.startswith("intact v1 hello"):
            current = {"kind": "hello", "src": src}
            continue
        m = re.match(r"intact v1 (\w+), seq (\d+), (\d+) bytes", line)
        if m:
            current = {"kind": "frame", "src": src, "name": m.group(1)}
            frames.append(current)
            continue
        if not line.startswith("    ") or current is None:
            current = None if not line.startswith("    ") else current
            continue
        key, _, value = line.strip().partition(": ")
        current[key] = value
        if current["kind"] == "hello" and key == "Nonce":
            hellos[current["Role"].split()[0]] = (src, bytes.fromhex(value))
    return hellos, frames


def check_v1_dissection(text):
    hellos, frames = parse_v1(text)
    check(set(hellos) == {"client", "server"}, f"both hellos shown with their role: {hellos}")
    (client_port, cn), (server_port_, sn) = hellos["client"], hellos["server"]
    psk = bytes.fromhex(KEY)
    keys = {client_port: hkdf_sha256(psk, cn + sn, b"intact v1 client to server"),
            server_port_: hkdf_sha256(psk, cn + sn, b"intact v1 server to client")}
    data = [f for f in frames if f["name"] == "DATA" and f["src"] == client_port]
    check([f.get("Payload text") for f in data] == LINES, f"each message's text: {[f.get('Payload text') for f in data]}")
    check([int(f["Sequence number"]) for f in data] == list(range(1, len(LINES) + 1)),
          f"sequence numbers 1..N: {[f['Sequence number'] for f in data]}")
    for f in frames:
        if f["name"] not in ("DATA", "CLOSE", "NOTICE"):
            continue
        if f["name"] == "CLOSE":  # u8 reason code, then its text
            m = re.search(r"\(0x([0-9a-fA-F]{2})\)$", f.get("Close code", ""))
            check(m is not None, f"a CLOSE shows its reason code: {f}")
            payload = bytes([int(m.group(1), 16)]) + f.get("Close reason", "").encode()
        else:
            payload = f.get("Payload text", "").encode()
        header = bytes([{"DATA": 2, "CLOSE": 3, "NOTICE": 5}[f["name"]]]) + struct.pack(
            "!QI", int(f["Sequence number"]), int(f["Payload length"]))
        check(len(payload) == int(f["Payload length"]), f"shown text has the frame's length: {f}")
        want = hmac.new(keys[f["src"]], header + payload, hashlib.sha256).hexdigest()
        check(f["Tag (HMAC-SHA256)"] == want, f"the tag shown for {f} is the frame's HMAC-SHA256 {want}")
    confirms = [f for f in frames if f["name"] == "CONFIRM"]
    transcript = hashlib.sha256(b"INTACT\x01C" + cn + b"INTACT\x01S" + sn).hexdigest()
    check(len(confirms) == 2 and all(c["Transcript hash (SHA-256 of both hellos)"] == transcript for c in confirms),
          f"both CONFIRMs carry the transcript hash {transcript}: {confirms}")
    check(sorted(c["Sender's name"] for c in confirms) == ["alice", "server"], f"names: {confirms}")
    return frames


def test_tshark_shows_every_v1_message_with_its_text_sequence_number_and_tag():
    path = capture("v1")
    text = tshark(path, "-d", f"tcp.port=={server_port(path)},intact")
    frames = check_v1_dissection(text)
    closes = [f for f in frames if f["name"] == "CLOSE"]
    check(len(closes) == 2, "both authenticated closes are shown")
    check(all(c["Close code"].startswith("normal") for c in closes), f"each close's code is shown: {closes}")


def check_legacy_dissection(text):
    messages = re.findall(r"^    Message: (.*)\n    Tag \(HMAC-SHA256, hex\): ([0-9A-Fa-f]{64})$", text, re.M)
    key = bytes.fromhex(LAB_KEY)
    client_side = [m for m in messages if m[0] in LINES]
    check([m[0] for m in client_side] == LINES, f"each message's text in order: {messages}")
    for message, tag in messages:
        want = hmac.new(key, message.encode(), hashlib.sha256).hexdigest().upper()
        check(tag == want, f"tag of {message!r} shown as {tag}, the lab's HMAC is {want}")
    check("Format: legacy" in text, "the format is shown")


def test_tshark_shows_every_lab_format_message_and_its_tag():
    path = capture("legacy")
    check_legacy_dissection(tshark(path, "-d", f"tcp.port=={server_port(path)},intact"))


def test_tshark_reassembles_frames_split_across_many_tcp_segments():
    path = capture("split")
    text = tshark(path, "-d", f"tcp.port=={server_port(path)},intact")
    check_v1_dissection(text)
    check(re.search(r"\[\d+ Reassembled TCP Segments", text), "the frames were put together from segments")


def test_tshark_reassembles_lab_format_messages_split_across_many_tcp_segments():
    path = capture("legacy-split")
    text = tshark(path, "-d", f"tcp.port=={server_port(path)},intact")
    check_legacy_dissection(text)
    check(re.search(r"\[\d+ Reassembled TCP Segments", text), "the messages were put together from segments")


def test_tshark_shows_several_frames_carried_in_one_segment():
    source = capture("v1")
    header, _, packets = read_pcap(source)
    client = TcpView(packets[0].data).src_port
    first, merged, out = None, b"", []
    for p in packets:  # the client's whole stream in its first data segment
        v = TcpView(p.data)
        if v.src_port == client and v.payload:
            merged += v.payload
            if first is None:
                first = (len(out), v)
                out.append(p)
            continue
        out.append(p)
    at, v = first
    out[at] = type(out[at])(out[at].ts_sec, out[at].ts_usec, v.rebuild(v.seq, merged))
    path = os.path.join(TMP, "merged.pcap")
    write_pcap(path, header, out)
    rows = tshark(path, "-d", f"tcp.port=={server_port(source)},intact", "-T", "fields",
                  "-e", "frame.number", "-e", "intact.seq", verbose=False)
    seqs = [r.split("\t")[1] for r in rows.splitlines() if "\t" in r and r.split("\t")[1]]
    check(any(s.count(",") >= len(LINES) for s in seqs), f"one packet shows all client frames: {seqs}")
    check_v1_dissection(tshark(path, "-d", f"tcp.port=={server_port(source)},intact"))


def test_the_port_preference_decides_which_port_is_dissected():
    path = capture("legacy")  # the lab's format has no heuristic: only the port finds it
    port = server_port(path)
    default = tshark(path, verbose=False)
    check("INTACT" not in default, f"port {port} is not the default 8080, nothing is dissected:\n{default[:500]}")
    chosen = tshark(path, "-o", f"intact.port:{port}", verbose=False)
    check("INTACT-LAB" in chosen and '"hello wireshark"' in chosen,
          f"with intact.port:{port} the lab's messages are shown:\n{chosen[:800]}")


def test_v1_is_recognised_on_any_port_unless_the_heuristic_is_off():
    path = capture("v1")
    found = tshark(path, verbose=False)
    check("Hello (client)" in found and "DATA seq=1" in found, f"v1 found by its hello:\n{found[:800]}")
    off = tshark(path, "-o", "intact.heuristic:FALSE", verbose=False)
    check("INTACT" not in off, f"heuristic off, default port: nothing dissected:\n{off[:500]}")


def test_tshark_shows_a_lab_format_members_line_as_a_flagged_chat():
    # A mixed room recorded on its v1 port: the lab-format member's line reaches a v1 client as
    # a CHAT whose name length byte carries the lab-format flag (0x80).
    import lab_peer
    from intact_testlib import Proc
    srv = Proc(["server", "--port", "0", "--legacy-port", "0", "--key", KEY])
    v1_port = int(srv.wait_for(r"listening on .*:(\d+) \(protocol v1\)", "err").group(1))
    lab_port = int(srv.wait_for(r"listening on .*:(\d+) \(lab format", "err").group(1))
    path = os.path.join(TMP, "mixed.pcap")
    cap = Capture(v1_port, path, pcap=True)
    client = Proc(["client", "--port", str(v1_port), "--key", KEY, "--name", "alice"])
    client.wait_for("keys confirmed", "err")
    lab = lab_peer.lab_client(lab_port, KEY)
    name = "127.0.0.1:%d" % lab.sock.getsockname()[1]
    client.wait_for(re.escape(name) + " joined", "out")
    lab.send("from the lab")
    client.wait_for(r"^\[lab format\] " + re.escape(name) + ": from the lab$", "out")
    client.close_stdin()
    check(client.wait(30) == 0, f"the client exits 0: {client.err_lines}")
    lab.close()
    cap.stop()
    srv.stop()
    text = tshark(path, "-d", f"tcp.port=={v1_port},intact")
    hellos, frames = parse_v1(text)
    chats = [f for f in frames if f["name"] == "CHAT"]
    check(len(chats) == 1, f"one CHAT: {chats}")
    chat = chats[0]
    flag = [v for k, v in chat.items() if k.endswith("= From a lab-format member")]
    check(flag and flag[0].startswith("yes"), f"the flag is shown: {chat}")
    length = [v for k, v in chat.items() if k.endswith("= Name length")]
    check(length == [str(len(name))], f"the name length without the flag: {chat}")
    check(chat.get("Relayed from") == name and chat.get("Payload text") == "from the lab", f"fields: {chat}")
    # The tag shown is the HMAC of the flagged payload under the server's direction key.
    (_, cn), (_, sn) = hellos["client"], hellos["server"]
    s2c = hkdf_sha256(bytes.fromhex(KEY), cn + sn, b"intact v1 server to client")
    payload = bytes([0x80 | len(name)]) + name.encode() + b"from the lab"
    header = bytes([4]) + struct.pack("!QI", int(chat["Sequence number"]), int(chat["Payload length"]))
    check(len(payload) == int(chat["Payload length"]), f"the payload's length: {chat}")
    want = hmac.new(s2c, header + payload, hashlib.sha256).hexdigest()
    check(chat["Tag (HMAC-SHA256)"] == want, f"the tag shown is the flagged frame's HMAC {want}: {chat}")
    summary = tshark(path, "-d", f"tcp.port=={v1_port},intact", verbose=False)
    check(re.search(r"CHAT seq=\d+ \[lab format\] \"" + re.escape(name), summary), f"the Info column:\n{summary}")


if __name__ == "__main__":
    TestRunner(globals()).main()
