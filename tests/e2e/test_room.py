"""The multi-user room (issue 3): fan-out, bounds, hostile peers, mixed formats, shutdown,
commands, names, --json, admission limits."""
import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from intact_testlib import KEY, LOST, Proc, lost, TestRunner, check  # noqa: E402
import lab_peer  # noqa: E402
import v1_peer  # noqa: E402


def start_server(*extra):
    srv = Proc(["server", "--port", "0", "--key", KEY, *extra])
    return srv, srv.port()


def client(port, name, *extra):
    c = Proc(["client", "--port", str(port), "--key", KEY, "--name", name, *extra])
    return c


def wait_all(cond, what, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def by_sender(lines, prefix_re=r"^(c\d+): (m\d+)$"):
    rx = re.compile(prefix_re)
    out = {}
    for l in lines:
        m = rx.match(l)
        if m:
            out.setdefault(m.group(1), []).append(m.group(2))
    return out


def test_fifty_clients_each_sending_two_hundred_messages_are_heard_once_each_in_order():
    n_clients, n_msgs = 50, 200
    srv, port = start_server("--queue-limit", str(16 << 20), "--max-rate", "0")
    clients = [client(port, f"c{i}") for i in range(n_clients)]
    wait_all(lambda: sum(1 for l in srv.out_lines if " joined from " in l) == n_clients,
             "every client to join", 120)
    for i, c in enumerate(clients):
        c.send("".join(f"m{j}\n" for j in range(n_msgs)))
    want = [f"m{j}" for j in range(n_msgs)]

    def complete(c):
        return sum(1 for l in c.out_lines if re.match(r"^c\d+: m\d+$", l)) >= (n_clients - 1) * n_msgs

    wait_all(lambda: all(complete(c) for c in clients), "every client to hear every message", 300)
    wait_all(lambda: sum(1 for l in srv.out_lines if re.match(r"^c\d+: m\d+$", l)) >= n_clients * n_msgs,
             "the console to show every message", 60)
    console = by_sender(srv.out_lines)
    check(sorted(console) == sorted(f"c{i}" for i in range(n_clients)), "the console hears everyone")
    for name, got in console.items():
        check(got == want, f"console: {name}'s messages once each, in order")
    for i, c in enumerate(clients):
        heard = by_sender(c.out_lines)
        check(f"c{i}" not in heard, f"c{i} is not sent its own messages")
        check(len(heard) == n_clients - 1, f"c{i} hears every other client ({len(heard)})")
        for name, got in heard.items():
            check(got == want, f"c{i} hears {name}'s messages once each, in order")
        check(LOST not in c.out_lines, f"c{i}: no verification failure")
    check(lost(srv.out_lines) == 0, "server: no verification failure")
    for c in clients:
        c.close_stdin()
    for c in clients:
        check(c.wait(60) == 0, "clients exit 0")


def test_a_client_that_stops_reading_is_dropped_at_its_queue_bound_and_others_get_everything():
    # Large enough that an honest reader on a busy machine never lags this far behind (with
    # 64 KiB, "fast" itself was dropped once under load); small enough that the 11 MB the
    # talker sends overflow it for the client that reads nothing, after the kernel's buffers.
    bound = 1 << 20
    srv, port = start_server("--queue-limit", str(bound), "--max-rate", "0")
    slow = v1_peer.V1Client(port, KEY, name="sloth", rcvbuf=4096).handshake()
    fast = client(port, "fast")
    talker = client(port, "talker")
    fast.wait_for("keys confirmed", "err")
    talker.wait_for("keys confirmed", "err")
    srv.wait_for(r"talker joined", "out")
    n = 12000
    body = "x" * 900
    talker.send("".join(f"{i} {body}\n" for i in range(n)))
    m = srv.wait_for(r"sloth \(.*\): too slow: (\d+) bytes were waiting for it to read, over the bound of (\d+)",
                     "err", timeout=120)
    queued, reported_bound = int(m.group(1)), int(m.group(2))
    check(reported_bound == bound, "the configured bound is the one enforced")
    check(bound < queued <= bound + 1024 + 45, f"memory held for the slow client stays at the bound ({queued})")
    srv.wait_for(r"sloth left", "out")
    fast.wait_for(rf"^talker: {n - 1} x+$", "out", timeout=120)
    got = [l.split(" ")[1] for l in fast.out_lines if l.startswith("talker: ")]
    check(got == [str(i) for i in range(n)], "the reading client gets every message, in order")
    slow.sock.close()
    talker.close_stdin()
    fast.close_stdin()
    check(talker.wait(30) == 0 and fast.wait(30) == 0, "the honest clients exit 0")


def hostile_connection(port, kind, rng):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if kind == 0:
            s.sendall(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 3000))))
        elif kind == 1:  # half-finished handshake: a hello, then silence
            s.sendall(b"INTACT\x01C" + os.urandom(32))
            s.recv(40)
        else:  # a hello, then a header claiming an oversized CONFIRM
            s.sendall(b"INTACT\x01C" + os.urandom(32) + struct.pack(">BQI", 1, 0, rng.randint(1 << 21, 0xFFFFFFFF)))
        return s
    except OSError:
        return None


def test_two_hundred_hostile_connections_during_a_twenty_client_chat_deliver_every_honest_message():
    srv, port = start_server("--handshake-timeout", "2s")
    clients = [client(port, f"c{i}") for i in range(20)]
    wait_all(lambda: sum(1 for l in srv.out_lines if " joined from " in l) == 20, "20 joins", 60)
    rng = random.Random(99)
    socks = []

    def attack():
        for k in range(200):
            s = hostile_connection(port, k % 3, rng)
            if s:
                socks.append(s)

    t = threading.Thread(target=attack)
    t.start()
    for c in clients:
        c.send("".join(f"m{j}\n" for j in range(30)))
    t.join(60)
    want = [f"m{j}" for j in range(30)]
    wait_all(lambda: all(sum(1 for l in c.out_lines if re.match(r"^c\d+: m\d+$", l)) >= 19 * 30 for c in clients),
             "every honest message to arrive", 180)
    for i, c in enumerate(clients):
        heard = by_sender(c.out_lines)
        check(len(heard) == 19 and all(v == want for v in heard.values()), f"c{i} hears everything in order")
    check(sum(1 for l in srv.err_lines if "does not speak intact v1" in l or "over the maximum" in l
              or "no handshake within" in l or "closed the connection" in l) >= 100,
          "hostile connections are closed with logged reasons")
    for s in socks:
        s.close()
    for c in clients:
        c.close_stdin()
    for c in clients:
        check(c.wait(60) == 0, "clients exit 0")


def test_legacy_and_v1_clients_in_one_room_hear_each_other():
    srv = Proc(["server", "--port", "0", "--legacy-port", "0", "--key", KEY])
    v1_port = int(srv.wait_for(r"listening on .*:(\d+) \(protocol v1\)", "err").group(1))
    lab_port = int(srv.wait_for(r"listening on .*:(\d+) \(lab format", "err").group(1))
    v1c = client(v1_port, "alice")
    v1c.wait_for("keys confirmed", "err")
    lab = lab_peer.lab_client(lab_port, KEY)
    v1c.wait_for(r"127\.0\.0\.1:\d+ joined", "out")
    lab.send("hello from the lab")
    v1c.wait_for(r"^\[lab format\] 127\.0\.0\.1:\d+: hello from the lab$", "out")  # the CHAT's flag
    v1c.send("hello from v1\n")
    wait_all(lambda: ("alice: hello from v1", True) in lab.received, "the lab client to hear alice", 15)
    lab.close()
    v1c.close_stdin()
    check(v1c.wait(15) == 0, "v1 client exits 0")


def test_sigterm_sends_every_client_the_authenticated_close_and_they_exit_0():
    srv, port = start_server()
    clients = [client(port, f"c{i}") for i in range(5)]
    for c in clients:
        c.wait_for("keys confirmed", "err")
    wait_all(lambda: sum(1 for l in srv.out_lines if " joined from " in l) == 5, "joins", 30)
    check(srv.stop() == 0, "server exits 0")
    for c in clients:
        check(c.wait(15) == 0, f"client exits 0: {c.err_lines}")
        check(any("server shutting down" in l for l in c.out_lines), "the client is told why")
        check(not any("without an authenticated close" in l for l in c.out_lines), "no truncation warning")


def test_who_msg_nick_and_kick():
    srv, port = start_server()
    a, b, c = client(port, "alice"), client(port, "bob"), client(port, "carol")
    for p in (a, b, c):
        p.wait_for("keys confirmed", "err")
    wait_all(lambda: sum(1 for l in srv.out_lines if " joined from " in l) == 3, "joins", 30)
    a.send("/who\n")
    who = a.wait_for(r"^\*\*\* 4 here: (.*)$", "out").group(1)
    check(sorted(who.split(", ")) == ["alice", "bob", "carol", "server"], f"/who lists everyone: {who}")
    a.send("/msg bob psst\n")
    b.wait_for(r"^alice: \(private\) psst$", "out")
    a.wait_for(r"private message sent to bob", "out")
    a.send("/nick alicia\n")
    c.wait_for(r"alice is now known as alicia", "out")
    a.send("public after\n")
    c.wait_for(r"^alicia: public after$", "out")
    time.sleep(0.3)
    check(not any("psst" in l for l in c.out_lines + srv.out_lines), "a private message reaches only its target")
    b.send("/nick carol\n")
    b.wait_for(r"the name 'carol' is taken", "out")
    srv.send("/kick carol\n")
    c.wait_for(r"disconnected by the server", "out")
    check(c.wait(15) == 1, "a kicked client exits 1, from the close code kicked")
    srv.wait_for(r"carol left", "out")
    a.send("/bogus\n")
    a.wait_for(r"unknown command /bogus", "out")


def test_a_maximum_size_line_or_command_neither_wedges_its_sender_nor_is_lost_silently():
    # A relayed frame adds the author's name to the text, and replies quote the command:
    # a 1 MiB line must not make the server's sealing fail (which used to end the sender's
    # reader silently: nothing it sent afterwards was ever read).
    srv, port = start_server()
    a, b = client(port, "alice"), client(port, "bob")
    for p in (a, b):
        p.wait_for("keys confirmed", "err")
    b.wait_for(r"alice joined|here: .*alice", "out")
    a.send("y" * (1 << 20) + "\n")
    b.wait_for(r"a message from alice \(1048576 bytes\) is too long to relay to you", "out")
    a.send("/" + "x" * ((1 << 20) - 1) + "\n")
    a.wait_for(r"^\*\*\* unknown command /xxx.*\.\.\.$", "out")
    a.send("after\n")
    srv.wait_for(r"^alice: after$", "out")
    b.wait_for(r"^alice: after$", "out")
    a.close_stdin()
    check(a.wait(15) == 0, f"alice exits 0: {a.err_lines}")


def test_names_are_unique_and_control_characters_are_neutralised():
    srv, port = start_server()
    a1 = client(port, "alice")
    a1.wait_for("keys confirmed", "err")
    a2 = client(port, "alice")
    a2.wait_for(r"you are alice-2", "out")
    a2.send("evil \x1b[2J\x1b]0;pwned\x07 text\n")
    a1.wait_for(r"^alice-2: evil \\x1B\[2J\\x1B\]0;pwned\\x07 text$", "out")
    srv.wait_for(r"^alice-2: evil \\x1B\[2J", "out")
    check(not any("\x1b" in l for l in a1.out_lines + srv.out_lines), "no escape byte reaches the output")


def test_json_output_has_one_object_per_event():
    srv, port = start_server("--json")
    a = client(port, "alice")
    a.wait_for("keys confirmed", "err")
    a.send("hi there\n")
    srv.wait_for(r'"event":"message"', "out")
    bad = v1_peer.V1Client(port, KEY, name="mallory").handshake()
    bad.sock.sendall(v1_peer.seal(b"\0" * 32, v1_peer.T_DATA, 1, b"forged"))
    srv.wait_for(r'"event":"integrity_failure"', "out")
    bad.sock.close()
    srv.wait_for(r'"event":"disconnect".*"name":"mallory"', "out")
    events = [json.loads(l) for l in srv.out_lines]
    kinds = [e["event"] for e in events]
    for k in ("connect", "message", "integrity_failure", "disconnect"):
        check(k in kinds, f"{k} event present: {kinds}")
    msg = next(e for e in events if e["event"] == "message")
    check(msg["from"] == "alice" and msg["text"] == "hi there", f"message fields: {msg}")
    fail = next(e for e in events if e["event"] == "integrity_failure")
    check(fail["from"] == "mallory" and fail["text"] == LOST, f"failure fields: {fail}")


def test_max_clients_and_address_lists_refuse_with_a_logged_reason():
    srv, port = start_server("--max-clients", "1")
    a = client(port, "first")
    a.wait_for("keys confirmed", "err")
    b = client(port, "second")
    srv.wait_for(r"refused: the server is full \(--max-clients 1\)", "err")
    check(b.wait(15) != 0, "the refused client exits non-zero")
    srv2, port2 = start_server("--deny", "127.0.0.0/8")
    c = client(port2, "denied")
    srv2.wait_for(r"refused: address not allowed", "err")
    check(c.wait(15) != 0, "a denied client exits non-zero")
    srv3, port3 = start_server("--allow", "10.0.0.0/8", "--allow", "::1")
    d = client(port3, "notlisted")
    srv3.wait_for(r"refused: address not allowed", "err")
    d.wait(15)


def test_idle_timeout_disconnects_a_silent_client_with_a_notice():
    srv, port = start_server("--idle-timeout", "1s")
    a = client(port, "sleepy")
    a.wait_for("keys confirmed", "err")
    a.wait_for(r"idle for too long", "out", timeout=10)
    check(a.wait(15) == 1, "the idle client gets an authenticated close (code idle) and exits 1")
    srv.wait_for(r"sleepy left \(", "out")


def test_a_large_room_lists_a_few_names_and_stops_announcing_every_arrival():
    srv, port = start_server()
    first = v1_peer.V1Client(port, KEY, name="p0").handshake()
    first.read_frame()  # its welcome
    others = [v1_peer.V1Client(port, KEY, name=f"p{i}").handshake() for i in range(1, 105)]
    late = client(port, "latecomer")
    m = late.wait_for(r"welcome, latecomer; (\d+) here: (.*)\. /help", "out")
    check(int(m.group(1)) == 107, f"the count includes everyone: {m.group(0)}")
    check(m.group(2).endswith(" and 87 more") and len(m.group(2).split(", ")) == 20,
          f"the welcome lists 20 names: {m.group(2)}")
    srv.wait_for(r"latecomer joined from", "out")
    first.sock.settimeout(2)
    notices = []
    try:
        while True:
            ftype, _, payload = first.read_frame()
            if ftype == v1_peer.T_NOTICE:
                notices.append(payload.decode())
    except OSError:
        pass
    joined = [n for n in notices if n.endswith(" joined")]
    check("p1 joined" in joined and "p98 joined" in joined, f"arrivals in a small room are announced")
    check("latecomer joined" not in joined and "p104 joined" not in joined,
          "arrivals past 100 members are not announced to every member")
    for o in others:
        o.sock.close()
    first.sock.close()


if __name__ == "__main__":
    TestRunner(globals()).main()
