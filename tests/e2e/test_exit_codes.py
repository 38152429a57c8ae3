"""Exit codes from what the peer said, never from its words (docs/protocol.md, "CLOSE").

After the handshake a server ends a member with an authenticated CLOSE whose typed code says
why; the client's exit comes from that code: shutdown or a normal close 0; kicked, idle,
refused 1; strict or integrity 3. Before the handshake (an admission refusal) the server
closes at once without a byte of its own, and the client exits 1 saying so. A format mismatch
is named from both sides: a v1 server answers lab-format bytes with the opening of its hello.
"""
import os
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
import lab_peer  # noqa: E402
import v1_peer  # noqa: E402
from intact_testlib import BIN, KEY, LAB_KEY, Proc, TestRunner, check  # noqa: E402

REFUSED = "the server closed the connection before the handshake (refused, or not an intact server)"
DROP_LEGACY = "the server speaks intact v1: drop --legacy"
ADD_LEGACY = "the server does not speak intact v1 (the lab's format? add --legacy)"


def start_server(*extra):
    srv = Proc(["server", "--port", "0", "--key", KEY, *extra])
    return srv, srv.port()


def client(port, name, *extra):
    return Proc(["client", "--port", str(port), "--key", KEY, "--name", name, *extra])


def joined(srv, name):
    srv.wait_for(rf"{name} joined from ", "out")


def any_line(lines, text):
    return any(text in line for line in lines)


# ---------------------------------------------------------------- after the handshake: the room

def test_a_kicked_client_exits_1():
    srv, port = start_server()
    c = client(port, "carol")
    c.wait_for("keys confirmed", "err")
    joined(srv, "carol")
    srv.send("/kick carol\n")
    rc = c.wait(15)
    check(rc == 1, f"a kicked client exits 1, got {rc}: {c.out_lines[-3:]} {c.err_lines[-3:]}")
    check(any_line(c.out_lines, "disconnected by the server"), f"the client is told: {c.out_lines}")
    check(not any_line(c.out_lines + c.err_lines, "without an authenticated close"), "not a truncation")


def test_an_idle_client_exits_1():
    srv, port = start_server("--idle-timeout", "1s")
    c = client(port, "sleepy")
    c.wait_for("keys confirmed", "err")
    c.wait_for(r"idle for too long", "out", timeout=15)
    rc = c.wait(15)
    check(rc == 1, f"an idle client exits 1, got {rc}: {c.err_lines[-3:]}")
    srv.wait_for(r"sleepy left \(", "out")


def test_a_server_shutdown_exits_0():
    srv, port = start_server()
    c = client(port, "dave")
    c.wait_for("keys confirmed", "err")
    joined(srv, "dave")
    check(srv.stop() == 0, "the server exits 0")
    rc = c.wait(15)
    check(rc == 0, f"the server's shutdown is no failure of the client: exit {rc}: {c.err_lines[-3:]}")
    check(any_line(c.out_lines, "server shutting down"), f"the text is shown: {c.out_lines}")


def test_a_member_quitting_exits_0_and_its_close_is_normal():
    srv, port = start_server()
    p = v1_peer.V1Client(port, KEY, name="quitter").handshake()
    p.send("/quit")
    code, text = p.read_until_close()
    check((code, text) == ("normal", "quit"), f"the room closes a /quit with code normal: {code} {text!r}")
    p.close()


def test_a_strict_server_ends_a_tampered_client_with_close_integrity_and_the_client_exits_3():
    srv, port = start_server("--strict")
    proxy = Proc(["proxy", "--listen", "0", "--to", f"127.0.0.1:{port}", "--attack", "flip:c2s:1:field=text"])
    pport = proxy.port()
    c = client(pport, "alice")
    c.wait_for("keys confirmed", "err")
    c.send("this one is flipped on the way\n")  # stdin stays open: the client does not close first
    srv.wait_for(r"stopping at an integrity failure \(strict mode\)", "err")
    rc = c.wait(15)
    check(rc == 3, f"the client exits 3 from the server's close code, got {rc}: {c.err_lines[-3:]}")
    check(not any_line(c.out_lines + c.err_lines, "without an authenticated close"),
          f"the server told it why, with an authenticated CLOSE: {c.out_lines} {c.err_lines}")


def test_a_strict_server_sends_close_integrity_or_strict_naming_the_failure():
    srv, port = start_server("--strict")
    p = v1_peer.V1Client(port, KEY, name="py").handshake()
    bad = bytearray(v1_peer.seal(p.k_tx, v1_peer.T_DATA, 1, b"changed"))
    bad[15] ^= 0x80
    p.sock.sendall(bytes(bad))
    code, text = p.read_until_close()
    check(code == "integrity", f"a lost integrity: code {code}, text {text!r}")
    check("integrity" in text, f"the text is for people: {text!r}")
    p.sock.close()

    q = v1_peer.V1Client(port, KEY, name="py2").handshake()
    frame = v1_peer.seal(q.k_tx, v1_peer.T_DATA, 1, b"once")
    q.sock.sendall(frame + frame)  # the second is a replay
    code, _ = q.read_until_close()
    check(code == "strict", f"a replay under --strict: code {code}")
    q.sock.close()


# ---------------------------------------------------------------- the client's table, code by code

def serve_one_close(code, text="why"):
    """A Python v1 server that, after the handshake, sends CLOSE(code, text) and reads the answer."""
    server = v1_peer.V1Server(KEY)
    answer = {}

    def run():
        try:
            server.accept()
            server.send_frame(v1_peer.T_CLOSE, bytes([code]) + text.encode())
            answer["close"] = server.read_until_close()
        except (OSError, EOFError, ValueError, AssertionError) as e:
            answer["error"] = repr(e)
        finally:
            server.shut()

    th = threading.Thread(target=run, daemon=True)
    th.start()
    return server.port, th, answer


CODE_TABLE = [(0x00, 0), (0x01, 0), (0x02, 1), (0x03, 1), (0x04, 1), (0x05, 3), (0x06, 3),
              (0x07, 1), (0x2A, 1)]  # 0x2A: no known code, never read as a normal close


def test_the_client_exit_comes_from_the_close_code():
    for code, want in CODE_TABLE:
        port, th, answer = serve_one_close(code, "the same words every time")
        c = client(port, "tabled")
        rc = c.wait(20)
        th.join(20)
        check(rc == want, f"code 0x{code:02X}: exit {rc}, want {want}: {c.out_lines[-2:]} {c.err_lines[-2:]}")
        check(answer.get("close", ("?",))[0] == "normal",
              f"code 0x{code:02X}: the client answers with its own normal close: {answer}")


def test_netcat_connect_exits_from_the_close_code_too():
    env = dict(os.environ, INTACT_KEY=KEY)
    for code, want in ((0x00, 0), (0x01, 0), (0x02, 1), (0x03, 1), (0x06, 3), (0x05, 3)):
        port, th, _ = serve_one_close(code)
        r = subprocess.run([BIN, "connect", "127.0.0.1", str(port)],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60, env=env)
        th.join(20)
        check(r.returncode == want, f"code 0x{code:02X}: connect exits {r.returncode}, want {want}: "
                                    f"{r.stderr.decode()[-300:]}")


# ---------------------------------------------------------------- before the handshake: admission

def raw_hello_gets_no_byte_back(port):
    """Connects and sends a ClientHello: a refused address must receive nothing at all."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    got = b""
    try:
        s.sendall(v1_peer.MAGIC + bytes([1]) + b"C" + os.urandom(32))
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    return got


def test_a_denied_address_is_refused_before_the_handshake_and_the_client_exits_1():
    srv, port = start_server("--deny", "127.0.0.0/8")
    c = client(port, "denied")
    rc = c.wait(15)
    check(rc == 1, f"a denied client exits 1, got {rc}: {c.err_lines}")
    check(any_line(c.err_lines, REFUSED), f"the client says why: {c.err_lines}")
    srv.wait_for(r"refused: address not allowed", "any")
    check(raw_hello_gets_no_byte_back(port) == b"", "a refused address gets no ServerHello, no CONFIRM")


def test_a_full_server_refuses_before_the_handshake_and_the_client_exits_1():
    srv, port = start_server("--max-clients", "1")
    a = client(port, "first")
    a.wait_for("keys confirmed", "err")
    joined(srv, "first")
    b = client(port, "second")
    rc = b.wait(15)
    check(rc == 1, f"the refused client exits 1, got {rc}: {b.err_lines}")
    check(any_line(b.err_lines, REFUSED), f"the client says why: {b.err_lines}")
    srv.wait_for(r"refused: the server is full \(--max-clients 1\)", "any")
    check(raw_hello_gets_no_byte_back(port) == b"", "a refused connection gets no ServerHello, no CONFIRM")
    a.close_stdin()
    check(a.wait(15) == 0, "the member already in is served as before")


# ---------------------------------------------------------------- format mismatch, both ways

def test_a_v1_server_answers_lab_bytes_with_its_hello_opening_and_a_legacy_client_exits_1():
    srv, port = start_server()
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(lab_peer.encode(KEY, "hello"))
    got = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except ConnectionResetError:
        pass
    s.close()
    check(got == b"INTACT\x01", f"the answer is the magic and the version, nothing else: {got!r}")
    srv.wait_for(r"does not speak intact v1", "any")

    c = Proc(["client", "--legacy", "--port", str(port), "--key", KEY])
    c.send("hello\n")  # stdin stays open: the answer, not our end of input, ends it
    rc = c.wait(15)
    check(rc == 1, f"a --legacy client facing a v1 server exits 1, got {rc}: {c.err_lines}")
    check(any_line(c.err_lines, DROP_LEGACY), f"the client names the fix: {c.err_lines}")


def test_a_silent_legacy_client_learns_at_the_handshake_deadline_that_the_server_speaks_v1():
    # A person who has not typed yet when the server's handshake timeout passes.
    srv = Proc(["server", "--port", "0", "--key", KEY, "--handshake-timeout", "1s"])
    port = srv.port()
    c = Proc(["client", "--legacy", "--port", str(port), "--key", KEY])  # stdin open, nothing sent
    rc = c.wait(20)
    check(rc == 1, f"a silent --legacy client facing a v1 server exits 1, got {rc}: {c.err_lines}")
    check(any_line(c.err_lines, DROP_LEGACY), f"the client names the fix: {c.err_lines}")
    srv.wait_for(r"no handshake within 1 s", "any")


def test_a_v1_client_facing_the_labs_server_exits_1_with_the_hint():
    lab = lab_peer.LabServer(LAB_KEY)

    def serve():
        try:
            lab.accept().send("hello from the lab")  # the lab's server speaks when its user types
        except OSError:
            pass

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    c = Proc(["client", "--port", str(lab.port), "--key", LAB_KEY, "--weak-key", "--name", "v1"])
    rc = c.wait(20)
    th.join(10)
    lab.close()
    check(rc == 1, f"a v1 client facing the lab's server exits 1, got {rc}: {c.err_lines}")
    check(any_line(c.err_lines, ADD_LEGACY), f"the client names the likely fix: {c.err_lines}")


def test_a_v1_client_whose_server_closes_after_its_hello_exits_1_naming_both_causes():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(20)

    def serve():
        try:
            conn, _ = listener.accept()
            conn.settimeout(20)
            conn.recv(40)  # a lab-format server reads the hello, finds no tag, and ends
            conn.close()
        except OSError:
            pass

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    c = Proc(["client", "--port", str(listener.getsockname()[1]), "--key", KEY, "--name", "v1"])
    rc = c.wait(20)
    th.join(10)
    listener.close()
    check(rc == 1, f"exit 1, got {rc}: {c.err_lines}")
    check(any_line(c.err_lines, REFUSED), f"refused, or not an intact server: {c.err_lines}")
    check(any_line(c.err_lines, "add --legacy"), f"the hint names --legacy: {c.err_lines}")


if __name__ == "__main__":
    TestRunner(globals()).main()
