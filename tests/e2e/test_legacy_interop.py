"""--legacy talks to the lab's programs byte for byte, both ways, including a wrong key.

The lab side is an independent implementation with Python's socket and hmac modules
(lab_peer.py), faithful to the lab: one sendall per message, one recv(1024) per message.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from intact_testlib import LAB_KEY, LOST, Proc, lost, TestRunner, check, run, wait_until  # noqa: E402
import lab_peer  # noqa: E402

OTHER_LAB_KEY = "5D2A7139232AD22B23"




def test_mac_command_prints_the_labs_captured_tag_and_matches_python_hmac():
    r = run(["mac", "--key", LAB_KEY, "NMP-B19DCAT141 server send"])
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    check(r.stdout.decode().strip() == "3F9A2961157A24D60475383AC498ADB92D2519844317F2BC1A746CBB59C7DD60",
          f"got {r.stdout!r}")
    r = run(["mac", "--key", "5D2A7139232AD22B23", "PYTHON | language"])
    check(r.stdout.decode().strip() == lab_peer.tag("5D2A7139232AD22B23", "PYTHON | language"),
          "the lab hash module's second example matches Python's hmac")


def test_lab_client_to_intact_legacy_server_both_ways():
    srv = Proc(["server", "--legacy", "--port", "0", "--key", LAB_KEY])
    port = srv.port()
    lab = lab_peer.lab_client(port, LAB_KEY)
    srv.wait_for(r"^\*\*\* 127\.0\.0\.1:\d+ joined \(lab format\)$", "out")
    lab.send("NMP-B19DCAT141 client send")
    srv.wait_for(r": NMP-B19DCAT141 client send$", "out")
    lab.send("tiếng Việt có dấu")
    srv.wait_for(r": tiếng Việt có dấu$", "out")
    srv.send("NMP-B19DCAT141 server send\n")
    wait_until(lambda: len(lab.received) >= 1, "the lab client to receive the server's line")
    check(lab.received[0] == ("NMP-B19DCAT141 server send", True),
          f"the lab client verifies the server's message: {lab.received}")
    check(lost(srv.out_lines) == 0, "no integrity failure")
    lab.close()
    srv.wait_for(r"left", "out")


def test_intact_legacy_server_sends_exactly_the_labs_captured_bytes():
    srv = Proc(["server", "--legacy", "--port", "0", "--key", "5D2E44719232EA78CD2B32"])
    port = srv.port()
    import socket
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    srv.wait_for(r"joined", "out")
    srv.send("NMP-B19DCAT141 server send\n")
    want = b"NMP-B19DCAT141 server send|3F9A2961157A24D60475383AC498ADB92D2519844317F2BC1A746CBB59C7DD60"
    got = b""
    s.settimeout(10)
    while len(got) < len(want):
        chunk = s.recv(1024)
        if not chunk:
            break
        got += chunk
    s.close()
    check(got == want, f"the 91 bytes the lab captured in Wireshark, got {got!r}")


def test_lab_client_with_another_key_is_reported_as_lost_integrity():
    srv = Proc(["server", "--legacy", "--port", "0", "--key", LAB_KEY])
    port = srv.port()
    lab = lab_peer.lab_client(port, OTHER_LAB_KEY)
    srv.wait_for(r"joined", "out")
    for i in range(3):
        lab.send(f"forged {i}")
        wait_until(lambda: lost(srv.out_lines) >= i + 1, f"report {i + 1}")
    check(lost(srv.out_lines) == 3, f"one report per message: {srv.out_lines}")
    check(not any("forged" in l for l in srv.out_lines), "no forged text is shown")
    lab.close()


def test_intact_legacy_client_to_lab_server_both_ways():
    lab_srv = lab_peer.LabServer(LAB_KEY)
    cli = Proc(["client", "--legacy", "--port", str(lab_srv.port), "--key", LAB_KEY])
    peer = lab_srv.accept()
    cli.send("hello from intact\n")
    wait_until(lambda: len(peer.received) >= 1, "the lab server to receive")
    check(peer.received[0] == ("hello from intact", True), f"lab server verifies: {peer.received}")
    peer.send("hello from the lab")
    cli.wait_for(r": hello from the lab$", "out")
    cli.close_stdin()
    wait_until(lambda: peer.closed.is_set(), "the client to close")
    lab_srv.close()
    check(cli.wait(10) == 0, f"client exit {cli.p.returncode}")


def test_intact_legacy_client_with_another_key_fails_the_lab_servers_check_and_vice_versa():
    lab_srv = lab_peer.LabServer(LAB_KEY)
    cli = Proc(["client", "--legacy", "--port", str(lab_srv.port), "--key", OTHER_LAB_KEY])
    peer = lab_srv.accept()
    cli.send("tampered in key\n")
    wait_until(lambda: len(peer.received) >= 1, "the lab server to receive")
    check(peer.received[0] == ("tampered in key", False), f"lab server rejects: {peer.received}")
    peer.send("lab says hi")
    cli.wait_for("^" + LOST.replace(".", r"\.") + "$", "out")
    check(not any("lab says hi" in l for l in cli.out_lines), "the unverified text is not shown")
    cli.close_stdin()
    lab_srv.close()
    cli.wait(10)


def test_a_text_the_labs_format_cannot_carry_is_refused_for_lab_peers_only():
    # '|' followed by 64 hex digits would be taken for the tag by a lab receiver.
    tricky = "look: |" + "AB" * 32 + " here"
    srv = Proc(["server", "--port", "0", "--legacy-port", "0", "--key", LAB_KEY, "--weak-key"])
    v1_port = int(srv.wait_for(r"listening on .*:(\d+) \(protocol v1\)", "err").group(1))
    lab_port = int(srv.wait_for(r"listening on .*:(\d+) \(lab format", "err").group(1))
    import re
    import socket
    raw = socket.create_connection(("127.0.0.1", lab_port), timeout=10)
    v1a = Proc(["client", "--port", str(v1_port), "--key", LAB_KEY, "--weak-key", "--name", "alice"])
    v1b = Proc(["client", "--port", str(v1_port), "--key", LAB_KEY, "--weak-key", "--name", "bob"])
    v1a.wait_for("keys confirmed", "err")
    v1b.wait_for("keys confirmed", "err")
    srv.wait_for(r"bob joined", "out")
    v1a.send(tricky + "\n")
    v1a.send("plain after\n")
    v1b.wait_for("^alice: " + tricky.replace("|", r"\|") + "$", "out")
    # Several messages may share one read here, so parse the stream rather than one per recv.
    data = b""
    while b"alice: plain after|" not in data:
        chunk = raw.recv(4096)
        check(chunk, "the server keeps the lab client connected")
        data += chunk
    data += raw.recv(4096) if not re.search(rb"alice: plain after\|[0-9A-F]{64}", data) else b""
    messages = re.findall(rb"(.*?)\|([0-9A-F]{64})", data, re.S)
    check(messages, f"lab-format messages arrive: {data!r}")
    for text, tag in messages:
        check(lab_peer.tag(LAB_KEY, text.decode()) == tag.decode(), f"{text!r} verifies")
    check(not any(b"AB" * 32 in t for t, _ in messages), "the lab client is not sent the ambiguous text")
    check(any(b"could not be relayed" in t for t, _ in messages), "the lab client is told")
    v1a.close_stdin()
    check(v1a.wait(15) == 0, "the sender is not disconnected")
    raw.close()
    cli = Proc(["client", "--legacy", "--port", str(lab_port), "--key", LAB_KEY])
    cli.send(tricky + "\n")
    cli.wait_for(r"cannot carry a message containing", "err")
    cli.send("carried\n")
    cli.close_stdin()
    # The refused line does not end the client (the next one is still sent), but
    # the exit status does not claim that everything arrived.
    check(cli.wait(15) == 1, f"exit 1 when a line was not sent, got {cli.p.returncode}")
    check(any("1 line was not sent" in l for l in cli.err_lines), f"{cli.err_lines[-3:]}")


def test_strict_ends_a_lab_format_connection_at_its_first_integrity_failure_on_both_sides():
    # --strict used to be passed to v1 sessions only: in the lab's format it was ignored.
    lab_srv = lab_peer.LabServer(OTHER_LAB_KEY)
    cli = Proc(["client", "--legacy", "--strict", "--port", str(lab_srv.port), "--key", LAB_KEY])
    peer = lab_srv.accept()
    peer.send("forged for the client")
    cli.wait_for("^" + LOST.replace(".", r"\.") + "$", "out")
    check(cli.wait(15) == 3, f"the client exits 3 under --strict, got {cli.p.returncode}")
    check(any("stopping at an integrity failure (strict mode)" in l for l in cli.err_lines), f"{cli.err_lines}")
    wait_until(lambda: peer.closed.is_set(), "the client to close the connection")
    lab_srv.close()

    srv = Proc(["server", "--legacy", "--strict", "--port", "0", "--key", LAB_KEY])
    port = srv.port()
    bad = lab_peer.lab_client(port, OTHER_LAB_KEY)
    bad.send("forged for the server")
    srv.wait_for(r"stopping at an integrity failure \(strict mode\)", "err")
    wait_until(lambda: bad.closed.is_set(), "the server to close that connection")
    good = lab_peer.lab_client(port, LAB_KEY)
    good.send("honest after")
    srv.wait_for(r": honest after$", "out")
    good.close()


if __name__ == "__main__":
    TestRunner(globals()).main()
