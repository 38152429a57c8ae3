"""`intact proxy` as a standalone process between two lab-format peers written in
Python (socket + hmac, as the lab's own programs are): untouched messages pass
verified, and each attack has exactly the effect the Python receiver sees.
"""
import hashlib
import hmac
import json
import os
import re
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from intact_testlib import LAB_KEY, Proc, TestRunner, check, run  # noqa: E402

KEY = bytes.fromhex(LAB_KEY)
TAG_RX = re.compile(rb"\|([0-9A-Fa-f]{64})")


def lab_encode(text, key=KEY):
    msg = text.encode()
    return msg + b"|" + hmac.new(key, msg, hashlib.sha256).hexdigest().upper().encode()


def lab_decode(stream):
    """[(text, verified)] the way a careful lab receiver splits and checks messages."""
    out, start = [], 0
    while True:
        m = TAG_RX.search(stream, start)
        if not m:
            return out
        msg = stream[start:m.start()]
        good = hmac.new(KEY, msg, hashlib.sha256).hexdigest().upper()
        out.append((msg.decode("utf-8", "replace"), hmac.compare_digest(good, m.group(1).decode().upper())))
        start = m.end()


def read_all(conn):
    data = b""
    while True:
        try:
            chunk = conn.recv(65536)
        except (ConnectionResetError, socket.timeout):
            return data
        if not chunk:
            return data
        data += chunk


class LabServer:
    """Accepts one connection, optionally sends `greeting` messages, reads until EOF."""

    def __init__(self, greeting=(), half_close=False):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(20)
        self.port = self.sock.getsockname()[1]
        self.greeting = greeting
        self.half_close = half_close  # send nothing more after the greeting (SHUT_WR)
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
        except socket.timeout:
            return
        with conn:
            conn.settimeout(20)
            for text in self.greeting:
                conn.sendall(lab_encode(text))
            if self.half_close:
                conn.shutdown(socket.SHUT_WR)
            self.received = read_all(conn)
        self.sock.close()

    def messages(self):
        self.thread.join(timeout=20)
        check(not self.thread.is_alive(), "the lab server did not finish")
        return lab_decode(self.received)


def lab_client(port, texts):
    """Sends each text as the lab does (one sendall each), half-closes, returns what came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as c:
        for t in texts:
            c.sendall(lab_encode(t))
        c.shutdown(socket.SHUT_WR)
        return read_all(c)


def start_proxy(server_port, *extra, stdin=None):
    args = ["proxy", "--listen", "0", "--to", f"127.0.0.1:{server_port}", "--json"] + list(extra)
    p = Proc(args) if stdin is None else Proc(args, stdin=stdin)
    return p, p.port()


def proxy_log(p):
    rc = p.stop()
    check(rc == 0, f"the proxy exited {rc} on SIGTERM; stderr: {p.err_lines[-10:]}")
    check(not any("Sanitizer" in line for line in p.err_lines), "\n".join(p.err_lines[-40:]))
    return [json.loads(line) for line in p.out_lines if line.startswith("{")]


def test_untouched_messages_pass_through_verified():
    server = LabServer()
    proxy, port = start_proxy(server.port)
    lab_client(port, ["hello | world", "second", "third"])
    got = server.messages()
    check(got == [("hello | world", True), ("second", True), ("third", True)], f"server got {got}")
    log = proxy_log(proxy)
    check(any(e["action"] == "connect" for e in log), f"no connect entry in {log}")


def test_flip_fails_the_python_receivers_hmac_check_for_that_message_only():
    server = LabServer()
    proxy, port = start_proxy(server.port, "--attack", "flip:c2s:2:field=text:seed=5")
    lab_client(port, ["first", "second", "third"])
    got = server.messages()
    check(len(got) == 3, f"server got {got}")
    check(got[0] == ("first", True) and got[2] == ("third", True), f"server got {got}")
    check(got[1][1] is False, f"a flipped message verified: {got[1]}")
    check(got[1][0] != "second", "the text was not altered")
    flips = [e for e in proxy_log(proxy) if e["action"] == "flip"]
    check(len(flips) == 1 and flips[0]["dir"] == "c2s" and flips[0]["message"] == 2, f"log: {flips}")
    check("bit" in flips[0]["detail"], flips[0])


def test_replay_and_drop_go_unnoticed_by_the_lab_format():
    server = LabServer()
    proxy, port = start_proxy(server.port, "--attack", "replay:c2s:1:after=2", "--attack", "drop:c2s:3")
    lab_client(port, ["pay 10", "pay 20", "pay 30", "pay 40"])
    got = server.messages()
    check(got == [("pay 10", True), ("pay 20", True), ("pay 10", True), ("pay 40", True)], f"server got {got}")
    actions = [e["action"] for e in proxy_log(proxy)]
    check("replay" in actions and "drop" in actions, actions)


def test_reflected_message_verifies_at_its_own_sender():
    server = LabServer()
    proxy, port = start_proxy(server.port, "--attack", "reflect:c2s:1")
    back = lab_client(port, ["I owe you 5"])
    check(lab_decode(back) == [("I owe you 5", True)], f"client got back {back!r}")
    check(server.messages() == [], "the reflected message also reached the server")
    proxy.stop()


def test_server_to_client_direction_is_attacked_separately():
    server = LabServer(greeting=["welcome", "news"])
    proxy, port = start_proxy(server.port, "--attack", "replace:s2c:2:text=fake news")
    back = lab_decode(lab_client(port, ["hi"]))
    check(back == [("welcome", True), ("fake news", False)], f"client got {back}")
    check(server.messages() == [("hi", True)], "the c2s direction was touched")
    proxy.stop()


def test_interactive_operator_line_replaces_the_next_message_from_a_pipe():
    server = LabServer()
    import subprocess
    proxy, port = start_proxy(server.port, "--interactive", stdin=subprocess.PIPE)
    proxy.send("EVIL TEXT\n")
    proxy.wait_for("replacement queued", "err")
    lab_client(port, ["hello", "world"])
    got = server.messages()
    check(got == [("EVIL TEXT", False), ("world", True)], f"server got {got}")
    log = proxy_log(proxy)
    shown = [e for e in log if e["action"] == "message"]
    check([e["detail"] for e in shown] == ['"hello"', '"world"'], f"messages shown: {shown}")
    check(any(e["action"] == "replace" and "operator" in e["detail"] for e in log), log)


def test_cut_closes_both_sides_even_after_the_other_direction_ended():
    server = LabServer(greeting=["welcome"], half_close=True)
    proxy, port = start_proxy(server.port, "--attack", "cut:c2s:2")
    with socket.create_connection(("127.0.0.1", port), timeout=20) as c:
        back = read_all(c)  # the server's side is finished before the client says anything
        check(lab_decode(back) == [("welcome", True)], f"client got {back!r}")
        for t in ("one", "two", "three"):
            c.sendall(lab_encode(t))
    check(server.messages() == [("one", True)], "the cut let more than message 1 through")
    actions = [e["action"] for e in proxy_log(proxy)]
    check("cut" in actions and "disconnect" in actions, actions)


def test_a_large_stream_passes_byte_for_byte():
    texts = [f"{i:04d} " + "x" * 16000 for i in range(200)]  # about 3 MB
    server = LabServer()
    proxy, port = start_proxy(server.port)
    lab_client(port, texts)
    got = server.messages()
    check(len(got) == len(texts), f"{len(got)} of {len(texts)} messages arrived")
    check(all(ok for _, ok in got), "a message failed verification without any attack")
    check([t for t, _ in got] == texts, "messages arrived altered or out of order")
    proxy.stop()


def test_bad_attack_spec_is_a_usage_error_naming_the_problem():
    r = run(["proxy", "--listen", "0", "--to", "127.0.0.1:1", "--attack", "flip:sideways:1"])
    check(r.returncode == 2, f"exit {r.returncode}")
    check(b"c2s (client to server) or s2c" in r.stderr, r.stderr.decode())
    r = run(["proxy", "--listen", "0", "--to", "nowhere", "--attack", "drop:c2s:1"])
    check(r.returncode == 2 and b"HOST:PORT" in r.stderr, r.stderr.decode())


def test_help_documents_the_spec_syntax():
    r = run(["proxy", "--help"])
    out = r.stdout.decode()
    check(r.returncode == 0, out)
    for word in ("flip", "replace", "replay", "swap", "drop", "dup", "reflect", "inject", "splice", "cut",
                 "random:p=PROB"):
        check(word in out, f"--help does not mention {word}")


def test_unreachable_server_closes_only_that_client():
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    dead_port = dead.getsockname()[1]
    dead.close()  # nothing listens there now
    proxy, port = start_proxy(dead_port)
    back = lab_client(port, ["anyone?"])
    check(back == b"", f"got {back!r}")
    check(proxy.p.poll() is None, "the proxy exited after one failed upstream connection")
    log = proxy_log(proxy)
    check(any(e["action"] == "error" and "cannot connect" in e["detail"] for e in log), log)


if __name__ == "__main__":
    TestRunner(globals()).main()
