"""Garbage on the server port closes only that connection, with a logged reason, while a chat
between two honest clients on the same server goes on unharmed (foundation issue)."""
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from intact_testlib import KEY, LOST, Proc, TestRunner, check  # noqa: E402


def hello(role=b"C"):
    return b"INTACT" + bytes([1]) + role + os.urandom(32)


def test_garbage_connections_are_closed_with_a_reason_and_honest_chat_goes_on():
    srv = Proc(["server", "--port", "0", "--key", KEY, "--handshake-timeout", "1s"])
    port = srv.port()
    alice = Proc(["client", "--port", str(port), "--key", KEY, "--name", "alice"])
    bob = Proc(["client", "--port", str(port), "--key", KEY, "--name", "bob"])
    alice.wait_for("keys confirmed", "err")
    bob.wait_for("keys confirmed", "err")
    alice.send("before the attack\n")
    bob.wait_for(r"^alice: before the attack$", "out")

    rng = random.Random(1234)
    hostile = []
    # 1. random bytes
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(bytes(rng.getrandbits(8) for _ in range(4096)))
    hostile.append(s)
    # 2. a valid hello, then a frame header claiming a 4 GiB frame
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(hello())
    s.sendall(struct.pack(">BQI", 0x01, 0, 0xFFFFFFFF))
    hostile.append(s)
    # 3. a client that connects and never speaks
    silent = socket.create_connection(("127.0.0.1", port))
    hostile.append(silent)
    # 4. a lab-format message sent to the v1 port
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"hello|" + b"A" * 64)
    hostile.append(s)

    srv.wait_for(r"does not speak intact v1", "err")
    srv.wait_for(r"claims 4294967295 bytes, over the maximum", "err")
    srv.wait_for(r"no handshake within", "err", timeout=10)
    # each hostile socket is closed by the server
    for s in hostile:
        s.settimeout(5)
        try:
            while s.recv(65536):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
        s.close()

    for i in range(50):
        alice.send(f"during {i}\n")
        bob.send(f"reply {i}\n")
    bob.wait_for(r"^alice: during 49$", "out")
    alice.wait_for(r"^bob: reply 49$", "out")
    got_b = [l for l in bob.out_lines if l.startswith("alice: during ")]
    got_a = [l for l in alice.out_lines if l.startswith("bob: reply ")]
    check(got_b == [f"alice: during {i}" for i in range(50)], "bob gets every message, in order")
    check(got_a == [f"bob: reply {i}" for i in range(50)], "alice gets every message, in order")
    check(LOST not in alice.out_lines + bob.out_lines, "no honest message fails")
    alice.close_stdin()
    bob.close_stdin()
    check(alice.wait(15) == 0 and bob.wait(15) == 0, "honest clients exit 0")


def test_a_legacy_server_bounds_input_that_never_produces_a_tag():
    srv = Proc(["server", "--legacy", "--port", "0", "--key", KEY])
    port = srv.port()
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.sendall(b"x" * (200 * 1024))
    except OSError:
        pass  # the server may close before we finish
    srv.wait_for(r"no tag in \d+ bytes", "err")
    s.close()
    lab = socket.create_connection(("127.0.0.1", port))
    import hashlib
    import hmac
    msg = b"still serving"
    lab.sendall(msg + b"|" + hmac.new(bytes.fromhex(KEY), msg, hashlib.sha256).hexdigest().upper().encode())
    srv.wait_for(r": still serving$", "out")
    lab.close()


if __name__ == "__main__":
    TestRunner(globals()).main()
