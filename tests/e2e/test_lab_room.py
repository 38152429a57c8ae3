"""The lab's own programs in a room, and leaving at once (issue 10).

The lab's reader does one recv(1024) per message, splits it at '|' and sleeps 0.2 s: two
messages in one read crash it. intact sends a lab-format peer one message per write, --lab-pace
apart (300 ms by default), within that peer's queue bound. The lab side is lab_peer.py's
faithful reader (recv(1024), split, sleep(0.2), and it dies as the lab's program does).

And Ctrl-C (SIGINT, SIGTERM) on a client whose server has stopped reading ends it at once,
saying how many lines were not sent, instead of after the 30 s flush timeout.
"""
import fcntl
import os
import signal
import sys
import termios
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from intact_testlib import KEY, LAB_KEY, LOST, Proc, TestRunner, check, wait_until  # noqa: E402
import lab_peer  # noqa: E402




def mixed_room(*extra):
    """A server with a v1 port and a lab-format port."""
    srv = Proc(["server", "--port", "0", "--legacy-port", "0", "--key", KEY, *extra])
    v1_port = int(srv.wait_for(r"listening on .*:(\d+) \(protocol v1\)", "err").group(1))
    lab_port = int(srv.wait_for(r"listening on .*:(\d+) \(lab format", "err").group(1))
    return srv, v1_port, lab_port


def v1_members(port, n):
    members = [Proc(["client", "--port", str(port), "--key", KEY, "--name", f"c{i}"]) for i in range(n)]
    # Joined, not only confirmed: the server joins a member when it takes its CONFIRM, which
    # can be after the client has confirmed the server's; a lab member arriving in between
    # would join first, and its "joined" notice would never reach that member.
    for i, m in enumerate(members):
        m.wait_for(rf"^\*\*\* welcome, c{i};", "out")
    return members


def chat_lines(lab):
    """What the lab client received from members ("cN: ..."), without the room's notices."""
    return [(text, ok) for text, ok in lab.received if not text.startswith("*** ")]


def five_members_send_eight_lines_each(srv, v1_port, lab_port):
    members = v1_members(v1_port, 5)
    lab = lab_peer.lab_client(lab_port, KEY, faithful=True)
    srv.wait_for(r"127\.0\.0\.1:\d+ joined", "out")
    for m in members:
        m.wait_for(r"127\.0\.0\.1:\d+ joined", "out")
    batches = {f"c{i}": "".join(f"c{i} line {j}\n" for j in range(8)) for i in range(5)}
    threads = [threading.Thread(target=m.send, args=(batches[f"c{i}"],)) for i, m in enumerate(members)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return members, lab


def test_the_labs_client_stays_alive_in_a_busy_room_and_receives_all_forty_messages():
    srv, v1_port, lab_port = mixed_room()
    members, lab = five_members_send_eight_lines_each(srv, v1_port, lab_port)
    want = {f"c{i}: c{i} line {j}" for i in range(5) for j in range(8)}
    # 40 messages and the room's notices, 0.3 s apart: some 15 s; generous for a loaded machine.
    wait_until(lambda: lab.crash is not None or lab.closed.is_set() or
               want <= {t for t, _ in chat_lines(lab)}, "the lab client to receive all 40", 120)
    check(lab.crash is None, f"the lab's reader did not crash: {lab.crash!r}")
    check(not lab.closed.is_set(), "the lab client is still connected")
    got = chat_lines(lab)
    check(all(ok for _, ok in got), f"every message verifies under the key: {got}")
    check(sorted(t for t, _ in got) == sorted(want), f"each of the 40 exactly once: {got}")
    for i in range(5):
        mine = [t for t, _ in got if t.startswith(f"c{i}: ")]
        check(mine == [f"c{i}: c{i} line {j}" for j in range(8)], f"c{i}'s lines in order: {mine}")
    check(LOST not in srv.out_lines, "the server verified everything")
    lab.close()
    srv.wait_for(r"127\.0\.0\.1:\d+ left", "out")
    for m in members:
        m.close_stdin()
    for m in members:
        check(m.wait(30) == 0, "members exit 0")


def test_without_pacing_the_same_room_crashes_the_labs_client():
    # The control: the faithful reader is the lab's, and --lab-pace 0 turns pacing off.
    srv, v1_port, lab_port = mixed_room("--lab-pace", "0")
    members, lab = five_members_send_eight_lines_each(srv, v1_port, lab_port)
    wait_until(lambda: lab.crash is not None, "the lab's reader to crash on two messages in one read", 60)
    check("too many values to unpack" in str(lab.crash), f"the lab's error: {lab.crash!r}")
    lab.close()
    for m in members:
        m.close_stdin()
    for m in members:
        m.wait(30)


def test_a_legacy_client_piping_twenty_lines_does_not_crash_the_labs_server():
    server = lab_peer.LabServer(LAB_KEY, faithful=True)
    try:
        c = Proc(["client", "--legacy", "--port", str(server.port), "--key", LAB_KEY])
        peer = server.accept()
        want = [f"line {i} from a file" for i in range(20)]
        c.send("".join(w + "\n" for w in want))
        c.close_stdin()
        wait_until(lambda: peer.crash is not None or peer.closed.is_set() or len(peer.received) >= 20,
                   "the lab's server to receive 20 messages", 90)
        check(peer.crash is None, f"the lab's server did not crash: {peer.crash!r}")
        check(peer.received == [(w, True) for w in want], f"all 20, in order, verified: {peer.received}")
        # The lab's server never closes: the client waits its linger time, having sent everything.
        check(c.wait(30) == 0, f"the client exits 0: {c.err_lines}")
    finally:
        server.close()


def test_a_lab_member_past_its_queue_bound_is_dropped_and_the_others_get_everything():
    # Paced at 300 ms, a lab member takes 3 messages a second: a burst of 1500 lines of 900
    # bytes (1.35 MB) waits in its queue and passes a 1 MiB bound within seconds. A v1 member
    # reads as fast as they come: its queue, past what the kernel takes, stays far below.
    bound = 1 << 20
    srv, v1_port, lab_port = mixed_room("--queue-limit", str(bound), "--max-rate", "0")
    talker, listener = v1_members(v1_port, 2)
    lab = lab_peer.lab_client(lab_port, KEY, faithful=True)
    for m in (talker, listener):
        m.wait_for(r"127\.0\.0\.1:\d+ joined", "out")
    n = 1500
    talker.send("".join(f"burst {i} {'x' * 900}\n" for i in range(n)))
    m = srv.wait_for(r"127\.0\.0\.1:\d+ \(127\.0\.0\.1:\d+\): too slow: (\d+) bytes were waiting for it to "
                     r"read, over the bound of (\d+)", "err", timeout=120)
    check(int(m.group(2)) == bound and int(m.group(1)) > bound, f"the bound enforced: {m.group(0)}")
    srv.wait_for(r"^\*\*\* 127\.0\.0\.1:\d+ left", "out", timeout=30)
    wait_until(lambda: lab.closed.is_set(), "the dropped lab client to see its connection end", 30)
    check(lab.crash is None, f"what it did receive came one message per read: {lab.crash!r}")
    check(lab.received and all(ok for _, ok in lab.received), f"and verified: {lab.received[:3]}")
    listener.wait_for(rf"^c0: burst {n - 1} x+$", "out", timeout=120)
    got = [l.split(" ")[2] for l in listener.out_lines if l.startswith("c0: burst ")]
    check(got == [str(i) for i in range(n)], "the v1 member gets every message, in order")
    talker.send("after the drop\n")
    listener.wait_for(r"^c0: after the drop$", "out")
    check(not any("too slow" in l and "c1 (" in l for l in srv.err_lines), "the v1 member was not dropped")
    for c in (talker, listener):
        c.close_stdin()
    for c in (talker, listener):
        check(c.wait(30) == 0, "the other members exit 0")


def kernel_queued(port):
    """Bytes the kernel holds on the loopback connections to `port`: the client's send queue
    and the server's receive queue (/proc/net/tcp: tx_queue, rx_queue)."""
    total = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for row in f:
            fields = row.split()
            local, remote, state, queues = fields[1], fields[2], fields[3], fields[4]
            if state != "01":  # ESTABLISHED
                continue
            if int(local.split(":")[1], 16) == port or int(remote.split(":")[1], 16) == port:
                tx, rx = (int(x, 16) for x in queues.split(":"))
                total += tx + rx
    return total


def pipe_content(fd):
    buf = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return int.from_bytes(buf, sys.byteorder)


def feed_until_it_exits(proc, chunk):
    """Writes chunk after chunk into proc's standard input until it exits; returns the running
    count of bytes written (a one-element list) and the feeding thread."""
    written = [0]

    def feed():
        try:
            while proc.p.poll() is None:
                proc.p.stdin.write(chunk)
                proc.p.stdin.flush()
                written[0] += len(chunk)
        except (BrokenPipeError, OSError, ValueError):
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    return written, feeder


def test_ctrl_c_ends_a_client_at_once_when_the_server_has_stopped_reading():
    srv = Proc(["server", "--port", "0", "--key", KEY])
    port = srv.port()
    for sig in (signal.SIGINT, signal.SIGTERM):
        c = Proc(["client", "--port", str(port), "--key", KEY, "--name", "piper"])
        c.wait_for("keys confirmed", "err")
        srv.wait_for(r"piper joined", "out")
        os.kill(srv.p.pid, signal.SIGSTOP)
        try:
            line = "y" * 1000 + "\n"
            written, feeder = feed_until_it_exits(c, (line * 64).encode())
            # The condition, not a guess: more input has left the pipe than the kernel holds
            # on the connection (and than the client's 64 KiB read buffer): lines wait in the
            # client's own queue, for a server that does not read.
            stdin_fd = c.p.stdin.fileno()
            wait_until(lambda: written[0] - pipe_content(stdin_fd) - kernel_queued(port) > 1 << 20,
                       "lines to wait in the client for the stopped server", 120)
            start = time.time()
            c.p.send_signal(sig)
            rc = c.wait(10)
            took = time.time() - start
            check(rc == 1, f"{sig.name}: exit 1 (something was not sent), got {rc}: {c.err_lines[-5:]}")
            m = c.wait_for(r"interrupted: (\d+) lines? (?:was|were) not sent", "err", timeout=1)
            n = int(m.group(1))
            check(0 < n <= written[0] // len(line), f"{sig.name}: a count of lines not sent ({n})")
            check(took < 10, f"{sig.name}: at once, not after the 30 s flush timeout ({took:.1f}s)")
            feeder.join(5)
        finally:
            os.kill(srv.p.pid, signal.SIGCONT)
        srv.wait_for(r"piper left", "out", timeout=60)
        srv.out_lines.clear()
    check(srv.stop() == 0, "the server, continued, shuts down cleanly")


def test_ctrl_c_ends_intact_connect_at_once_when_the_listener_has_stopped_reading():
    listener = Proc(["listen", "--port", "0", "--key", KEY])
    port = listener.port()
    c = Proc(["connect", "127.0.0.1", str(port), "--key", KEY])
    listener.send("ready\n")  # arrives once the handshake is done
    c.wait_for(r"^ready$", "out")
    os.kill(listener.p.pid, signal.SIGSTOP)
    try:
        written, feeder = feed_until_it_exits(c, b"z" * 65536)
        stdin_fd = c.p.stdin.fileno()
        # It holds a buffer it cannot write (its kernel buffers are full): it is blocked.
        wait_until(lambda: written[0] - pipe_content(stdin_fd) - kernel_queued(port) > 16 << 10,
                   "data to wait in intact connect for the stopped listener", 120)
        start = time.time()
        c.p.send_signal(signal.SIGINT)
        rc = c.wait(10)
        check(time.time() - start < 10, "intact connect ends at once on Ctrl-C")
        check(rc != 0, f"and not with success ({rc}: killed by SIGINT, as netcat is)")
    finally:
        os.kill(listener.p.pid, signal.SIGCONT)
    listener.stop(signal.SIGKILL)


if __name__ == "__main__":
    TestRunner(globals()).main()
