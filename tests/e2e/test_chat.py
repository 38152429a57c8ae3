"""Two-party and multi-party chat through the real binary, protocol v1 (foundation issue).

Covers: messages with '|', non-ASCII UTF-8 and up to the maximum size arrive exactly;
10,000 messages arrive once each, in order; server lines reach every client; a client with
another key is refused at connect on both sides and nothing is accepted; --port 0; IPv6;
clean exit codes; the server keeps serving after its input ends.
"""
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from intact_testlib import KEY, OTHER_KEY, LOST, Proc, lost, TestRunner, check, run  # noqa: E402

MAX_PAYLOAD = 1 << 20


def start_server(*extra, key=KEY):
    srv = Proc(["server", "--port", "0", "--key", key, *extra])
    return srv, srv.port()


def test_message_with_bar_and_utf8_arrives_exactly_both_ways():
    srv, port = start_server("--name", "hub")
    cli = Proc(["client", "--port", str(port), "--key", KEY, "--name", "alice"])
    cli.wait_for(r"keys confirmed", "err")
    texts = ["a|b||c|" + "F" * 64, "héllo wörld ✓ 日本語 🚀", "  leading and trailing spaces  "]
    for t in texts:
        cli.send(t + "\n")
    for t in texts:
        srv.wait_for("^" + "alice: " + __import__("re").escape(t) + "$", "out")
    srv.send("reply from the server|x\n")
    cli.wait_for(r"^hub: reply from the server\|x$", "out")
    cli.close_stdin()
    check(cli.wait(15) == 0, f"client exit code {cli.p.returncode}")
    check(lost(srv.out_lines) == 0, "no integrity failure expected")
    check(not any("without an authenticated close" in l for l in srv.out_lines + srv.err_lines),
          f"a clean close must not look truncated: {srv.out_lines}")


def test_message_of_the_maximum_size_arrives_exactly_and_one_over_is_refused():
    srv, port = start_server()
    cli = Proc(["client", "--port", str(port), "--key", KEY, "--name", "big"])
    cli.wait_for(r"keys confirmed", "err")
    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789|é"
    big = "".join(rng.choice(alphabet) for _ in range(MAX_PAYLOAD // 2))
    big = big.encode()[:MAX_PAYLOAD].decode("utf-8", "ignore")
    big = big + "x" * (MAX_PAYLOAD - len(big.encode()))
    check(len(big.encode()) == MAX_PAYLOAD, "test payload must be exactly the maximum")
    cli.send(big + "\n")
    cli.send("y" * (MAX_PAYLOAD + 1) + "\n")
    cli.send("after\n")
    srv.wait_for(r"^big: after$", "out", timeout=60)
    got = [l for l in srv.out_lines if l.startswith("big: ") and len(l) > 1000]
    check(len(got) == 1, f"expected exactly one big message, got {len(got)}")
    check(got[0] == "big: " + big, "the maximum-size message must arrive byte for byte")
    cli.wait_for(r"over the maximum message size", "err")
    cli.close_stdin()
    # A line that was not sent is not a success: exit 1, and a last line says how many.
    check(cli.wait(15) == 1, f"client exit code {cli.p.returncode}: {cli.err_lines[-3:]}")
    check(any("1 line was not sent" in l for l in cli.err_lines), f"{cli.err_lines[-3:]}")


def test_ten_thousand_messages_arrive_once_each_in_order():
    srv, port = start_server("--max-rate", "0")  # a piped file, not a flood
    n = 10000
    data = "".join(f"message {i}\n" for i in range(n)).encode()
    cli = Proc(["client", "--port", str(port), "--key", KEY, "--name", "bulk"])
    cli.send(data)
    cli.close_stdin()
    check(cli.wait(120) == 0, f"client exit code {cli.p.returncode}: {cli.err_lines[-5:]}")
    srv.wait_for(rf"^bulk: message {n - 1}$", "out", timeout=60)
    got = [l[len("bulk: "):] for l in srv.out_lines if l.startswith("bulk: ")]
    check(got == [f"message {i}" for i in range(n)],
          f"expected {n} messages in order exactly once; got {len(got)}")


def test_server_lines_go_to_every_client_and_clients_hear_each_other():
    srv, port = start_server("--name", "hub")
    a = Proc(["client", "--port", str(port), "--key", KEY, "--name", "alice"])
    b = Proc(["client", "--port", str(port), "--key", KEY, "--name", "bob"])
    a.wait_for(r"keys confirmed", "err")
    b.wait_for(r"keys confirmed", "err")
    srv.wait_for(r"bob joined", "out")
    srv.send("hello everyone\n")
    a.wait_for(r"^hub: hello everyone$", "out")
    b.wait_for(r"^hub: hello everyone$", "out")
    a.send("hi bob\n")
    b.wait_for(r"^alice: hi bob$", "out")
    srv.wait_for(r"^alice: hi bob$", "out")
    a.close_stdin()
    b.close_stdin()
    check(a.wait(15) == 0 and b.wait(15) == 0, "clients exit 0")


def test_wrong_key_is_refused_at_connect_on_both_sides_and_nothing_is_accepted():
    srv, port = start_server()
    cli = Proc(["client", "--port", str(port), "--key", OTHER_KEY, "--name", "mallory"])
    cli.send("this must never be shown\n")
    cli.close_stdin()
    rc = cli.wait(20)
    check(rc == 3, f"a client with another key exits 3, got {rc}: {cli.err_lines}")
    check(any("key confirmation failed" in l for l in cli.err_lines), f"client says why: {cli.err_lines}")
    srv.wait_for(r"key confirmation failed", "err")
    time.sleep(0.3)
    check(not any("never be shown" in l for l in srv.out_lines), "nothing is accepted")
    check(not any("mallory joined" in l for l in srv.out_lines), "the client never joins")


def test_missing_key_is_refused_with_a_hint():
    r = run(["client", "--port", "1"], env={"INTACT_KEY": ""})
    check(r.returncode == 2, f"usage error exit code 2, got {r.returncode}")
    err = r.stderr.decode()
    check("--key" in err and "INTACT_KEY" in err and "keygen" in err, f"hint lists the ways: {err}")


def test_key_from_environment_and_from_file():
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"intact-key-{os.getpid()}")
    with open(path, "w") as f:
        f.write(KEY + "\n")
    os.chmod(path, 0o600)
    try:
        srv = Proc(["server", "--port", "0", "--key-file", path])
        port = srv.port()
        cli = Proc(["client", "--port", str(port), "--name", "envy"], env={"INTACT_KEY": KEY})
        cli.send("from env\n")
        srv.wait_for(r"^envy: from env$", "out")
        cli.close_stdin()
        check(cli.wait(15) == 0, "client exit code")
    finally:
        os.unlink(path)


def test_ipv6_and_host_names_work():
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
    except OSError:
        print("no IPv6 loopback here: checking host names only")
        srv, port = start_server()
        cli = Proc(["client", "--host", "localhost", "--port", str(port), "--name", "v4"])
        return
    srv = Proc(["server", "--bind", "::1", "--port", "0", "--key", KEY])
    port = srv.port()
    cli = Proc(["client", "--host", "::1", "--port", str(port), "--key", KEY, "--name", "six"])
    cli.send("over ipv6\n")
    srv.wait_for(r"^six: over ipv6$", "out")
    cli.close_stdin()
    check(cli.wait(15) == 0, "client exit code")
    srv2 = Proc(["server", "--bind", "localhost", "--port", "0", "--key", KEY])
    port2 = srv2.port()
    cli2 = Proc(["client", "--host", "localhost", "--port", str(port2), "--key", KEY, "--name", "named"])
    cli2.send("by name\n")
    srv2.wait_for(r"^named: by name$", "out")
    cli2.close_stdin()
    check(cli2.wait(15) == 0, "client exit code")


def test_server_keeps_serving_after_its_input_ends_and_stops_on_sigterm_with_clean_close():
    srv = Proc(["server", "--port", "0", "--key", KEY], stdin=subprocess.DEVNULL)
    port = srv.port()
    cli = Proc(["client", "--port", str(port), "--key", KEY, "--name", "late"])
    cli.wait_for(r"keys confirmed", "err")
    cli.send("still here\n")
    srv.wait_for(r"^late: still here$", "out")
    rc = srv.stop()
    check(rc == 0, f"server exits 0 on SIGTERM, got {rc}")
    crc = cli.wait(15)
    check(crc == 0, f"client exits 0 after the server's authenticated close, got {crc}")
    check(not any("without an authenticated close" in l for l in cli.out_lines),
          f"no truncation warning: {cli.out_lines}")


def test_every_line_before_the_end_of_input_is_delivered_even_when_the_server_reads_slowly():
    # The linger bounds the wait for the server's answering close, not the flushing of our own
    # queued lines: a client whose input ended while megabytes still waited for a slow server
    # used to give up after the linger (exit 0!) and drop the rest of its lines.
    import signal
    srv, port = start_server("--max-rate", "0")
    cli = Proc(["client", "--port", str(port), "--key", KEY, "--name", "slow", "--linger", "1s"])
    cli.wait_for(r"keys confirmed", "err")
    n = 10000
    line = "z" * 2000
    srv.p.send_signal(signal.SIGSTOP)
    try:
        # From a thread: the client reads its input only as fast as the server takes it.
        writer = threading.Thread(
            target=lambda: (cli.send("".join(f"{i} {line}\n" for i in range(n))), cli.close_stdin()),
            daemon=True)
        writer.start()
        time.sleep(2.5)  # longer than the linger, while the server reads nothing
    finally:
        srv.p.send_signal(signal.SIGCONT)
    rc = cli.wait(60)
    srv.wait_for(rf"^slow: {n - 1} z+$", "out", timeout=60)
    got = [l.split(" ")[1] for l in srv.out_lines if l.startswith("slow: ")]
    check(got == [str(i) for i in range(n)], f"every line once, in order; got {len(got)}")
    check(rc == 0, f"client exit code {rc}: {cli.err_lines[-3:]}")
    srv.wait_for(r"slow left \(the client closed\)", "out")


def test_piped_input_larger_than_the_send_queue_waits_for_a_slow_server_instead_of_failing():
    # The client reads its input only as fast as the server takes the messages: it used to
    # queue everything and drop its own connection as "too slow" past 64 MiB.
    import signal
    srv, port = start_server()
    cli = Proc(["client", "--port", str(port), "--key", KEY, "--name", "pipe"])
    cli.wait_for(r"keys confirmed", "err")
    n = 80
    srv.p.send_signal(signal.SIGSTOP)
    try:
        writer = threading.Thread(
            target=lambda: (cli.send("".join(f"{i} {'p' * 1000000}\n" for i in range(n))), cli.close_stdin()),
            daemon=True)
        writer.start()
        time.sleep(2)  # the client reads what it can while the server reads nothing
    finally:
        srv.p.send_signal(signal.SIGCONT)
    rc = cli.wait(120)
    check(rc == 0, f"client exit code {rc}: {cli.err_lines[-3:]}")
    srv.wait_for(rf"^pipe: {n - 1} p+$", "out", timeout=60)
    got = [l.split(" ")[1] for l in srv.out_lines if l.startswith("pipe: ")]
    check(got == [str(i) for i in range(n)], f"every line once, in order; got {len(got)}")


def test_ctrl_c_while_the_last_lines_wait_for_a_stalled_server_ends_the_client_with_exit_1():
    # Waiting for a slow server to take our last lines is bounded only by 30 s without
    # progress; Ctrl-C cuts it short at once (a second one finds the client gone), and the
    # client says how many lines were not sent instead of claiming success.
    import signal
    srv, port = start_server()
    cli = Proc(["client", "--port", str(port), "--key", KEY, "--name", "stuck"])
    cli.wait_for(r"keys confirmed", "err")
    srv.p.send_signal(signal.SIGSTOP)
    try:
        writer = threading.Thread(
            target=lambda: (cli.send("".join(f"{i} {'q' * 2000}\n" for i in range(10000))), cli.close_stdin()),
            daemon=True)
        writer.start()
        time.sleep(1)
        cli.p.send_signal(signal.SIGINT)
        time.sleep(0.5)
        cli.p.send_signal(signal.SIGINT)
        rc = cli.wait(15)
    finally:
        srv.p.send_signal(signal.SIGCONT)
    check(rc == 1, f"exit 1 when lines were not sent, got {rc}: {cli.err_lines[-3:]}")
    check(any(re.search(r"interrupted: \d+ lines? (was|were) not sent", l) for l in cli.err_lines),
          f"the client says why: {cli.err_lines[-3:]}")


def test_ctrl_c_before_the_handshake_finished_is_not_a_success():
    # A server that accepts and never speaks: the client is interrupted while it waits for the
    # handshake. Nothing was said, so the exit code must not be 0.
    import signal
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        port = listener.getsockname()[1]
        cli = Proc(["client", "--port", str(port), "--key", KEY, "--name", "early", "--linger", "1s"])
        cli.wait_for(r"connected to", "err")
        conn, _ = listener.accept()
        cli.p.send_signal(signal.SIGINT)
        rc = cli.wait(15)
        check(rc == 1, f"exit 1 when interrupted before the handshake, got {rc}: {cli.err_lines[-2:]}")
        conn.close()
    finally:
        listener.close()


def test_server_console_quit_command_stops_it():
    srv, port = start_server()
    srv.send("/quit\n")
    check(srv.wait(10) == 0, "server exits 0 on /quit")


def test_vanished_server_is_reported_as_truncation_not_a_crash():
    srv, port = start_server()
    cli = Proc(["client", "--port", str(port), "--key", KEY, "--name", "orphan"])
    cli.wait_for(r"keys confirmed", "err")
    srv.p.kill()
    rc = cli.wait(15)
    check(rc == 4, f"client exits 4 when the stream ends without an authenticated close, got {rc}")
    check(any("without an authenticated close" in l for l in cli.out_lines), f"{cli.out_lines}")


def test_server_reports_lost_integrity_replay_gap_and_truncation_distinctly():
    import v1_peer
    srv, port = start_server()
    p = v1_peer.V1Client(port, KEY, name="py").handshake()
    frames = [v1_peer.seal(p.k_tx, v1_peer.T_DATA, seq, f"frame {seq}".encode()) for seq in range(1, 6)]
    p.sock.sendall(frames[0])                      # seq 1: accepted
    srv.wait_for(r"^py: frame 1$", "out")
    p.sock.sendall(frames[0])                      # seq 1 again: a replay
    srv.wait_for(r"py: frame 1 was rejected: older than a frame already received \(replayed, duplicated or reordered\)", "out")
    bad = bytearray(frames[1]); bad[20] ^= 0x01    # seq 2 with a changed payload byte
    p.sock.sendall(bytes(bad))
    srv.wait_for("^py: " + LOST.replace(".", r"\.") + "$", "out")
    p.sock.sendall(frames[3])                      # seq 4: seq 3 never came (2 was reported already)
    srv.wait_for(r"py: 1 message is missing before frame 4 \(deleted, or reordered, on the way\)", "out")
    srv.wait_for(r"^py: frame 4$", "out")
    p.sock.close()                                 # no CLOSE frame
    srv.wait_for(r"py: the stream ended without an authenticated close", "out")
    check(not any(l in ("py: frame 2", "py: frame 3") for l in srv.out_lines), "nothing unverified shown")
    check(sum(1 for l in srv.out_lines if l == "py: frame 1") == 1, "the replay is not shown twice")
    srv.wait_for(r"^\*\*\* py left \(stream cut\)$", "out")
    said = [l for l in srv.out_lines + srv.err_lines if "without an authenticated close" in l]
    check(len(said) == 1, f"the cut stream is reported once, not {len(said)} times: {said}")


def test_strict_server_closes_a_connection_at_its_first_integrity_failure():
    import v1_peer
    srv, port = start_server("--strict")
    p = v1_peer.V1Client(port, KEY, name="py").handshake()
    bad = bytearray(v1_peer.seal(p.k_tx, v1_peer.T_DATA, 1, b"changed")); bad[15] ^= 0x80
    p.sock.sendall(bytes(bad))
    srv.wait_for(r"stopping at an integrity failure \(strict mode\)", "err")
    p.sock.settimeout(10)
    try:
        while p.sock.recv(4096):
            pass
    except OSError:
        pass
    ok = Proc(["client", "--port", str(port), "--key", KEY, "--name", "honest"])
    ok.send("still served\n")
    srv.wait_for(r"^honest: still served$", "out")
    ok.close_stdin()
    check(ok.wait(15) == 0, "other clients are served as before")


def test_a_zero_handshake_timeout_is_a_usage_error_not_a_server_that_drops_everyone():
    for sub in ("server", "client"):
        r = run([sub, "--port", "0" if sub == "server" else "1", "--key", KEY, "--handshake-timeout", "0"],
                timeout=15)
        check(r.returncode == 2, f"{sub}: exit 2, got {r.returncode}: {r.stderr[-300:]}")
        check(b"--handshake-timeout" in r.stderr, f"{sub}: the message names the option")


def test_usage_errors_exit_2_and_help_works_for_every_subcommand():
    r = run(["server", "--port", "notaport", "--key", KEY])
    check(r.returncode == 2, f"bad port exit 2, got {r.returncode}")
    r = run(["client", "--bogus"])
    check(r.returncode == 2, f"unknown option exit 2, got {r.returncode}")
    for sub in ["server", "client", "mac", "keygen"]:
        r = run([sub, "--help"])
        check(r.returncode == 0 and b"Usage" in r.stdout, f"{sub} --help")


if __name__ == "__main__":
    TestRunner(globals()).main()
