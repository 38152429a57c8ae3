"""intact connect / intact listen: authenticated netcat, end to end.

Each test runs the real binary on 127.0.0.1 (port 0) and checks what reaches
standard output against what went in, with Python's hashlib as the oracle;
attacks come from `intact proxy`, a man in the middle without the key.
"""
import hashlib
import os
import re
import socket
import subprocess
import tempfile
import threading
import time

import intact_testlib as t

KEY_ENV = {"INTACT_KEY": t.KEY}
FRAME = 65536  # --frame-size used by the attack tests: a file on stdin fills every frame


class Started:
    """A process whose stdin/stdout are files or pipes given by the test; stderr is collected."""

    def __init__(self, args, stdin, stdout, env=None):
        full_env = dict(os.environ)
        full_env.update(KEY_ENV)
        if env:
            full_env.update(env)
        self.p = subprocess.Popen([t.BIN] + args, stdin=stdin, stdout=stdout,
                                  stderr=subprocess.PIPE, env=full_env)
        self.err_lines = []
        self._pump = threading.Thread(target=self._read_err, daemon=True)
        self._pump.start()
        _started.append(self)

    def _read_err(self):
        for raw in iter(self.p.stderr.readline, b""):
            self.err_lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def port(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in list(self.err_lines):
                m = re.search(r"listening on [^ ]*:(\d+)", line)
                if m:
                    return int(m.group(1))
            if self.p.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no 'listening on' line; stderr: {self.err_lines}")

    def wait(self, timeout=120):
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.p.args[1]} did not exit within {timeout}s; stderr: {self.err_lines}")
        self._pump.join(timeout=5)
        return rc

    def stderr(self):
        return "\n".join(self.err_lines)


_started = []


def cleanup_started():
    for s in _started:
        if s.p.poll() is None:
            s.p.kill()
            s.p.wait(timeout=5)
    _started.clear()


def random_file(directory, name, size):
    """Writes `size` random bytes; returns (path, sha256 hex)."""
    path = os.path.join(directory, name)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(left, 4 << 20))
            h.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    return path, h.hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(4 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_200_mib_both_ways_at_once_arrive_bit_for_bit():
    size = 200 << 20
    with tempfile.TemporaryDirectory() as d:
        a_in, a_sha = random_file(d, "a.in", size)
        b_in, b_sha = random_file(d, "b.in", size)
        with open(a_in, "rb") as ai, open(os.path.join(d, "a.out"), "wb") as ao, \
                open(b_in, "rb") as bi, open(os.path.join(d, "b.out"), "wb") as bo:
            listener = Started(["listen", "--port", "0"], ai, ao)
            client = Started(["connect", "127.0.0.1", str(listener.port())], bi, bo)
            crc, lrc = client.wait(), listener.wait()
        t.check(crc == 0, f"connect exited {crc}: {client.stderr()}")
        t.check(lrc == 0, f"listen exited {lrc}: {listener.stderr()}")
        t.check(sha256_file(os.path.join(d, "a.out")) == b_sha,
                "the listener's output differs from the client's input")
        t.check(sha256_file(os.path.join(d, "b.out")) == a_sha,
                "the client's output differs from the listener's input")


def test_every_byte_value_passes_unchanged():
    data = bytes(range(256)) * 64 + b"\r\n\x00|" + bytes(range(255, -1, -1))
    listener = Started(["listen", "--port", "0"], subprocess.DEVNULL, subprocess.PIPE)
    client = Started(["connect", "127.0.0.1", str(listener.port())], subprocess.PIPE, subprocess.DEVNULL)
    client.p.stdin.write(data)
    client.p.stdin.close()
    out = listener.p.stdout.read()
    t.check(client.wait() == 0 and listener.wait() == 0, f"exit codes: {client.stderr()} {listener.stderr()}")
    t.check(out == data, f"got {len(out)} bytes back, expected {len(data)}, or different bytes")


def test_a_lone_line_is_delivered_while_input_stays_open():
    listener = Started(["listen", "--port", "0"], subprocess.PIPE, subprocess.PIPE)
    client = Started(["connect", "127.0.0.1", str(listener.port())], subprocess.PIPE, subprocess.PIPE)
    client.p.stdin.write(b"ping\n")
    client.p.stdin.flush()
    # Nothing more is coming on the client's input: the line must not wait for a fuller frame.
    got = listener.p.stdout.readline()
    t.check(got == b"ping\n", f"listener printed {got!r}")
    listener.p.stdin.write(b"pong\n")
    listener.p.stdin.flush()
    got = client.p.stdout.readline()
    t.check(got == b"pong\n", f"client printed {got!r}")
    client.p.stdin.close()
    listener.p.stdin.close()
    t.check(client.wait(30) == 0, f"connect: {client.stderr()}")
    t.check(listener.wait(30) == 0, f"listen: {listener.stderr()}")


def test_each_direction_ends_on_its_own_half_close():
    listener = Started(["listen", "--port", "0"], subprocess.PIPE, subprocess.PIPE)
    client = Started(["connect", "127.0.0.1", str(listener.port())], subprocess.PIPE, subprocess.PIPE)
    client.p.stdin.write(b"request\n")
    client.p.stdin.close()  # the client's direction ends here ...
    t.check(listener.p.stdout.read() == b"request\n", "the listener did not get the whole request")
    # ... the listener saw the authenticated end of it, and can still answer.
    t.check(client.p.poll() is None, "the client exited before the listener's direction ended")
    listener.p.stdin.write(b"answer after the client's close\n")
    listener.p.stdin.close()
    t.check(client.p.stdout.read() == b"answer after the client's close\n", "the answer did not arrive")
    t.check(client.wait(30) == 0, f"connect: {client.stderr()}")
    t.check(listener.wait(30) == 0, f"listen: {listener.stderr()}")


def attack_run(attack, frames=16):
    """Sends `frames` full frames through `intact proxy --attack ATTACK`; returns
    (listener exit code, listener stderr, bytes the listener wrote, bytes sent)."""
    with tempfile.TemporaryDirectory() as d:
        path, _ = random_file(d, "in", frames * FRAME)
        out_path = os.path.join(d, "out")
        with open(path, "rb") as src, open(out_path, "wb") as out:
            listener = Started(["listen", "--port", "0", "--frame-size", str(FRAME)], subprocess.DEVNULL, out)
            proxy = t.Proc(["proxy", "--listen", "127.0.0.1:0", "--to", f"127.0.0.1:{listener.port()}",
                            "--attack", attack], stdin=subprocess.DEVNULL)
            proxy_port = int(proxy.wait_for(r"listening on [^ ]*:(\d+)", "err").group(1))
            client = Started(["connect", "127.0.0.1", str(proxy_port), "--frame-size", str(FRAME)],
                             src, subprocess.DEVNULL)
            lrc = listener.wait(60)
            client.wait(60)
            proxy.stop()
        return lrc, listener.stderr(), read(out_path), read(path)


def test_a_flipped_bit_anywhere_in_frame_3_stops_the_receiver_with_exit_3_after_frame_2():
    for field in ("payload", "tag", "seq", "length", "type"):
        rc, err, out, sent = attack_run(f"flip:c2s:3:field={field}")
        t.check(rc == 3, f"flip {field}: listener exited {rc}, expected 3: {err}")
        t.check(out == sent[:2 * FRAME],
                f"flip {field}: the listener wrote {len(out)} bytes; expected exactly frames 1-2 "
                f"({2 * FRAME} bytes) and nothing unverified")


def test_deleted_replayed_or_reordered_frames_stop_the_receiver_with_exit_3():
    # attack -> how many leading frames are verified and written before the stop
    cases = {"drop:c2s:4": 3, "replay:c2s:2:after=3": 3, "swap:c2s:5": 4, "dup:c2s:6": 6}
    for attack, good in cases.items():
        rc, err, out, sent = attack_run(attack)
        t.check(rc == 3, f"{attack}: listener exited {rc}, expected 3: {err}")
        t.check(out == sent[:good * FRAME],
                f"{attack}: the listener wrote {len(out)} bytes, expected {good * FRAME}")


def test_a_cut_connection_exits_4_after_writing_what_was_verified():
    rc, err, out, sent = attack_run("cut:c2s:5")
    t.check(rc == 4, f"listener exited {rc}, expected 4: {err}")
    t.check("without an authenticated close" in err, f"stderr does not say why: {err}")
    t.check(out == sent[:4 * FRAME], f"the listener wrote {len(out)} bytes, expected frames 1-4")


def test_a_peer_with_another_key_is_refused_at_connect_and_nothing_is_written():
    listener = Started(["listen", "--port", "0"], subprocess.PIPE, subprocess.PIPE)
    client = Started(["connect", "127.0.0.1", str(listener.port())], subprocess.PIPE, subprocess.PIPE,
                     env={"INTACT_KEY": t.OTHER_KEY})
    client.p.stdin.write(b"secret plans\n")
    client.p.stdin.close()
    listener.p.stdin.close()
    crc, lrc = client.wait(30), listener.wait(30)
    t.check(crc == 3 and lrc == 3, f"exit codes {crc}, {lrc}; expected 3 and 3 (README: a wrong key at connect)")
    t.check(listener.p.stdout.read() == b"" and client.p.stdout.read() == b"", "something was written")
    for side, err in (("client", client.stderr()), ("listener", listener.stderr())):
        t.check("key confirmation failed" in err, f"the {side} did not report the key mismatch: {err}")


def test_a_peer_that_does_not_speak_intact_is_refused():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(20)

    def lab_server():
        try:
            conn, _ = srv.accept()
            conn.sendall(b"hello|" + b"A" * 64)
            conn.recv(100)
            conn.close()
        except OSError:
            pass

    th = threading.Thread(target=lab_server, daemon=True)
    th.start()
    client = Started(["connect", "127.0.0.1", str(srv.getsockname()[1])], subprocess.DEVNULL, subprocess.PIPE)
    rc = client.wait(30)
    srv.close()
    t.check(rc == 1, f"exit {rc}, expected 1")
    t.check("does not speak intact v1" in client.stderr(), f"stderr: {client.stderr()}")
    t.check(client.p.stdout.read() == b"", "bytes from a non-intact peer were written")


def test_keep_open_serves_one_connection_after_another():
    listener = Started(["listen", "--port", "0", "-k"], subprocess.DEVNULL, subprocess.PIPE)
    port = listener.port()
    for word in (b"first\n", b"second\n", b"third\n"):
        client = Started(["connect", "127.0.0.1", str(port)], subprocess.PIPE, subprocess.DEVNULL)
        client.p.stdin.write(word)
        client.p.stdin.close()
        t.check(client.wait(30) == 0, f"connect: {client.stderr()}")
        t.check(listener.p.stdout.readline() == word, f"the listener did not print {word!r}")
    t.check(listener.p.poll() is None, "the -k listener exited")


def test_progress_goes_to_stderr_only_when_asked():
    for flag, want in (([], False), (["--progress"], True)):
        listener = Started(["listen", "--port", "0"], subprocess.DEVNULL, subprocess.DEVNULL)
        client = Started(["connect", "127.0.0.1", str(listener.port())] + flag, subprocess.PIPE, subprocess.PIPE)
        client.p.stdin.write(b"x" * 100000)
        client.p.stdin.close()
        t.check(client.wait(30) == 0 and listener.wait(30) == 0, "a transfer failed")
        t.check(client.p.stdout.read() == b"", "progress or anything else leaked to standard output")
        has = any(re.search(r"sent 97\.66 KiB .*received 0 B", line) for line in client.err_lines)
        t.check(has == want, f"{flag}: stderr was {client.err_lines}")


def test_usage_errors_exit_2():
    for args in (["connect", "127.0.0.1"], ["listen"], ["connect", "127.0.0.1", "99999"],
                 ["listen", "--port", "0", "--frame-size", "2000000"]):
        r = t.run(args, env=KEY_ENV)
        t.check(r.returncode == 2, f"{args}: exit {r.returncode}, expected 2; {r.stderr!r}")


def test_exec_runs_a_command_with_the_channel_as_its_input_and_output():
    listener = Started(["listen", "--port", "0", "--exec", "tr a-z A-Z"], subprocess.DEVNULL, subprocess.PIPE)
    client = Started(["connect", "127.0.0.1", str(listener.port())], subprocess.PIPE, subprocess.PIPE)
    client.p.stdin.write(b"hello, command\n")
    client.p.stdin.close()  # tr sees its end of input when the client's CLOSE arrives
    out = client.p.stdout.read()
    t.check(out == b"HELLO, COMMAND\n", f"the client got {out!r} back")
    t.check(client.wait(30) == 0, f"connect: {client.stderr()}")
    t.check(listener.wait(30) == 0, f"listen: {listener.stderr()}")
    t.check(listener.p.stdout.read() == b"", "the listener wrote the channel to its own output")


def test_exec_on_the_connecting_side_and_a_failing_command_exits_1():
    listener = Started(["listen", "--port", "0"], subprocess.PIPE, subprocess.PIPE)
    client = Started(["connect", "127.0.0.1", str(listener.port()), "-e", "cat; exit 7"],
                     subprocess.DEVNULL, subprocess.PIPE)
    listener.p.stdin.write(b"echo me\n")
    listener.p.stdin.close()
    t.check(listener.p.stdout.read() == b"echo me\n", "cat at the client did not echo the line")
    t.check(listener.wait(30) == 0, f"listen: {listener.stderr()}")
    rc = client.wait(30)
    t.check(rc == 1, f"connect exited {rc}, expected 1 for a command that exited 7: {client.stderr()}")
    t.check("exited with status 7" in client.stderr(), f"stderr does not say why: {client.stderr()}")


def test_exec_does_not_hand_the_key_to_the_command():
    # The channel is not encrypted: a command that prints its environment must not put the key on it.
    listener = Started(["listen", "--port", "0", "--exec", "env"], subprocess.DEVNULL, subprocess.PIPE,
                       env={"INTACT_TEST_MARK": "passed-on"})
    client = Started(["connect", "127.0.0.1", str(listener.port())], subprocess.DEVNULL, subprocess.PIPE)
    out = client.p.stdout.read().decode()
    t.check(client.wait(30) == 0 and listener.wait(30) == 0, f"{client.stderr()} {listener.stderr()}")
    t.check("INTACT_TEST_MARK=passed-on" in out, f"the command did not get the rest of the environment: {out!r}")
    t.check("INTACT_KEY" not in out and t.KEY not in out, "the command's environment holds the key")


def test_exec_help_says_the_channel_is_not_encrypted():
    for cmd in ("listen", "connect"):
        r = t.run([cmd, "--help"])
        text = " ".join(r.stdout.decode().split())
        t.check("NOT encrypted" in text, f"{cmd} --help does not say --exec's channel is not encrypted")


def test_send_only_and_recv_only_each_carry_one_direction():
    listener = Started(["listen", "--port", "0", "--recv-only"], subprocess.PIPE, subprocess.PIPE)
    client = Started(["connect", "127.0.0.1", str(listener.port()), "--send-only"],
                     subprocess.PIPE, subprocess.PIPE)
    # The listener never reads its input: it stays open, and the run still ends.
    listener.p.stdin.write(b"never sent\n")
    listener.p.stdin.flush()
    client.p.stdin.write(b"one way\n")
    client.p.stdin.close()
    t.check(listener.p.stdout.read() == b"one way\n", "the listener did not get the client's bytes")
    t.check(client.wait(30) == 0, f"connect: {client.stderr()}")
    t.check(listener.wait(30) == 0, f"listen: {listener.stderr()}")
    t.check(client.p.stdout.read() == b"", "the --send-only client wrote something")


def test_send_only_verifies_and_discards_what_the_peer_sends():
    listener = Started(["listen", "--port", "0"], subprocess.PIPE, subprocess.PIPE)
    client = Started(["connect", "127.0.0.1", str(listener.port()), "--send-only"],
                     subprocess.PIPE, subprocess.PIPE)
    listener.p.stdin.write(b"from the listener\n")
    listener.p.stdin.close()
    client.p.stdin.write(b"from the client\n")
    client.p.stdin.close()
    t.check(listener.p.stdout.read() == b"from the client\n", "the listener did not get the bytes")
    t.check(client.wait(30) == 0 and listener.wait(30) == 0,
            f"exit codes: {client.stderr()} {listener.stderr()}")
    t.check(client.p.stdout.read() == b"", "--send-only wrote the peer's bytes")


def test_send_only_and_recv_only_together_are_a_usage_error():
    r = t.run(["connect", "127.0.0.1", "1", "--send-only", "--recv-only"], env=KEY_ENV)
    t.check(r.returncode == 2, f"exit {r.returncode}: {r.stderr!r}")


def full_backlog_listener():
    """A listening socket that never accepts, its queue full: a connect to it gets no answer."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    fillers = []
    for _ in range(16):
        c = socket.socket()
        c.settimeout(1)
        fillers.append(c)
        try:
            c.connect(srv.getsockname())
        except (socket.timeout, OSError):
            return srv, fillers  # this one got no answer: the queue is full
    raise AssertionError("could not fill the listen queue of a socket")


def test_connect_timeout_w_gives_up_with_a_clear_error():
    srv, fillers = full_backlog_listener()
    try:
        start = time.time()
        client = Started(["connect", "-w", "1s", "127.0.0.1", str(srv.getsockname()[1])],
                         subprocess.DEVNULL, subprocess.PIPE)
        rc = client.wait(60)
        took = time.time() - start
    finally:
        for c in fillers:
            c.close()
        srv.close()
    t.check(rc == 1, f"exit {rc}, expected 1 (a timeout): {client.stderr()}")
    t.check("no answer within 1 s" in client.stderr(), f"stderr: {client.stderr()}")
    t.check(took < 50, f"-w 1s took {took:.0f}s")  # the system's own limit is over a minute
    t.check("-w" in client.stderr(), f"the hint does not name -w: {client.stderr()}")


def ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def test_minus_6_uses_ipv6_and_minus_4_refuses_an_ipv6_address():
    r = t.run(["connect", "-4", "::1", "9"], env=KEY_ENV)
    t.check(r.returncode == 2, f"-4 ::1: exit {r.returncode}, expected 2: {r.stderr!r}")
    t.check(b"::1 is an IPv6 address, and -4 asks for IPv4" in r.stderr, f"stderr: {r.stderr!r}")
    r = t.run(["listen", "-6", "--bind", "127.0.0.1", "--port", "0"], env=KEY_ENV)
    t.check(r.returncode == 2 and b"is an IPv4 address, and -6 asks for IPv6" in r.stderr,
            f"listen -6 --bind 127.0.0.1: exit {r.returncode}: {r.stderr!r}")
    if not ipv6_loopback():
        print("(no IPv6 loopback here: the -6 transfer is not tried)")
        return
    listener = Started(["listen", "-6", "--port", "0"], subprocess.DEVNULL, subprocess.PIPE)
    port = listener.port()
    t.check(any("listening on [::1]:" in line for line in listener.err_lines),
            f"listen -6 did not listen on ::1: {listener.err_lines}")
    client = Started(["connect", "-6", "::1", str(port)],
                     subprocess.PIPE, subprocess.DEVNULL)
    client.p.stdin.write(b"over IPv6\n")
    client.p.stdin.close()
    t.check(listener.p.stdout.read() == b"over IPv6\n", "the bytes did not arrive over IPv6")
    t.check(client.wait(30) == 0 and listener.wait(30) == 0,
            f"exit codes: {client.stderr()} {listener.stderr()}")


class Runner(t.TestRunner):
    pass


if __name__ == "__main__":
    _orig = t.cleanup

    def _cleanup():
        cleanup_started()
        _orig()

    t.cleanup = _cleanup
    Runner(globals()).main()
