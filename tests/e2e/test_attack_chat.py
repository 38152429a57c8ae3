"""The tamper proxy between the real chat programs:
intact client -> intact proxy --attack ... -> intact server (both directions; --strict on the client).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from intact_testlib import KEY, LOST, Proc, lost, TestRunner, check  # noqa: E402


def chat_through_proxy(attack, lines, legacy=False):
    fmt = ["--legacy"] if legacy else []
    server = Proc(["server", "--port", "0", "--key", KEY] + fmt)
    sport = server.port()
    proxy_args = ["proxy", "--listen", "0", "--to", f"127.0.0.1:{sport}"]
    if attack:
        proxy_args += ["--attack", attack]
    proxy = Proc(proxy_args)
    pport = proxy.port()
    client = Proc(["client", "--port", str(pport), "--key", KEY, "--name", "alice"] + fmt)
    if not legacy:
        client.wait_for("keys confirmed", "err")
    client.send("".join(line + "\n" for line in lines))
    client.close_stdin()
    return server, proxy, client


def test_flipped_message_is_reported_by_the_server_and_the_next_one_delivered():
    server, proxy, client = chat_through_proxy("flip:c2s:1", ["hello", "second"])
    server.wait_for(r"^alice: second$", "out")
    check("alice: " + LOST in server.out_lines, f"the server names the sender: {server.out_lines}")
    check("alice: hello" not in server.out_lines, "the flipped message was shown as genuine")
    check(client.wait(timeout=30) == 0, f"client stderr: {client.err_lines}")
    proxy.wait_for(r"c2s #1 flip: flipped bit", "out")


def test_untouched_chat_passes_through_the_proxy():
    server, proxy, client = chat_through_proxy(None, ["hello", "world"])
    server.wait_for(r"^alice: world$", "out")
    check("alice: hello" in server.out_lines, server.out_lines)
    check(lost(server.out_lines) == 0, server.out_lines)


def test_lab_format_server_misses_a_deleted_message():
    server, proxy, client = chat_through_proxy("drop:c2s:1", ["first", "second"], legacy=True)
    server.wait_for(r"second$", "out")
    check(not any("first" in line for line in server.out_lines), server.out_lines)
    check(lost(server.out_lines) == 0, "the lab's format cannot notice a deletion")
    proxy.wait_for(r"c2s #1 drop", "out")


def test_strict_client_exits_3_at_a_flipped_server_message_and_does_not_show_it():
    # The README's exit-code table: an integrity failure under --strict is 3, in protocol v1
    # as in the lab's format (tests/e2e/test_legacy_interop.py has the lab-format client).
    server = Proc(["server", "--port", "0", "--key", KEY, "--name", "hub"])
    sport = server.port()
    # s2c #1 is the server's welcome notice; #2 is the first line typed at the server.
    proxy = Proc(["proxy", "--listen", "0", "--to", f"127.0.0.1:{sport}",
                  "--attack", "flip:s2c:2:field=text"])
    pport = proxy.port()
    client = Proc(["client", "--port", str(pport), "--key", KEY, "--name", "alice", "--strict"])
    client.wait_for(r"^\*\*\* welcome, alice", "out")
    server.send("first from the hub\n")
    server.send("second from the hub\n")
    rc = client.wait(15)
    check(rc == 3, f"the client exits 3 under --strict, got {rc}: {client.err_lines}")
    check(any("stopping at an integrity failure (strict mode)" in l for l in client.err_lines),
          f"the client says why: {client.err_lines}")
    check(LOST in client.out_lines, f"the failure is reported: {client.out_lines}")
    check(not any(l.startswith("hub:") for l in client.out_lines),
          f"neither the flipped message nor anything after it is shown: {client.out_lines}")
    proxy.wait_for(r"s2c #2 flip: flipped bit", "out")
    server.wait_for(r"alice left", "out")


if __name__ == "__main__":
    TestRunner(globals()).main()
