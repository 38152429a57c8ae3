"""Helpers for the capture tests (intact capture, intact verify, the Wireshark dissector).

Standard library only. Records real loopback traffic with `intact capture` (dumpcap),
runs chats between real intact processes, relays a connection byte by byte so its
frames are split across TCP segments, and reads and rewrites classic pcap files.
Every wait is bounded; every process and thread started here is cleaned up.
"""
import os
import socket
import struct
import subprocess
import threading
import time

from intact_testlib import BIN, Proc, check

DISSECTOR = os.path.join(os.environ.get("INTACT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../..")),
                         "contrib/wireshark/intact.lua")


class Capture:
    """Records 'tcp port PORT' on lo into PATH with `intact capture` until stop()."""

    def __init__(self, port, path, pcap=False, timeout=20):
        self.path = path
        args = ["capture", "--port", str(port), "-w", path] + (["--pcap"] if pcap else [])
        self.proc = Proc(args)
        deadline = time.time() + timeout
        while not any("Capturing on" in line for line in self.proc.err_lines):
            if self.proc.p.poll() is not None:
                time.sleep(0.2)
                raise AssertionError("capturing on the loopback adapter is impossible here (it needs root "
                                     "or CAP_NET_RAW and dumpcap): intact capture exited "
                                     f"{self.proc.p.returncode}: {self.proc.err_lines}")
            if time.time() > deadline:
                raise AssertionError(f"dumpcap did not start capturing within {timeout}s: {self.proc.err_lines}")
            time.sleep(0.05)

    def stop(self):
        time.sleep(0.6)  # the last packets (FIN, ACK) reach dumpcap and the file
        self.proc.stop()
        check(os.path.exists(self.path) and os.path.getsize(self.path) > 0,
              f"the capture {self.path} was not written: {self.proc.err_lines}")
        return self.path


def start_server(key, legacy=False, name="server"):
    server = Proc(["server", "--port", "0", "--key", key, "--name", name] + (["--legacy"] if legacy else []))
    return server, server.port()


def run_client(port, key, lines, legacy=False, name="alice", timeout=30):
    """Sends each line as one message with `intact client`; returns its exit code."""
    client = Proc(["client", "--port", str(port), "--key", key, "--name", name] + (["--legacy"] if legacy else []))
    client.send("".join(line + "\n" for line in lines))
    client.close_stdin()
    rc = client.wait(timeout)
    check(rc == 0, f"intact client exited {rc}: {client.err_lines}")
    return rc


def wait_for_lines(server, lines, timeout=20):
    """Waits until the server has printed every line (so it read the whole conversation)."""
    for line in lines:
        server.wait_for(re_escape(line), "out", timeout)


def re_escape(text):
    import re
    return re.escape(text)


def record_chat(path, key, lines, legacy=False, pcap=False, via=None):
    """A real chat on loopback, recorded: server, capture on its port, one client.

    `via(server_port)` may return (port_to_connect_to, cleanup) to put something
    (a proxy, a relay) between the client and the server; the capture records the
    leg that reaches the server. Returns the path of the capture.
    """
    server, port = start_server(key, legacy)
    cap = Capture(port, path, pcap=pcap)
    target, cleanup = (port, None) if via is None else via(port)
    try:
        run_client(target, key, lines, legacy)
        wait_for_lines(server, lines)
    finally:
        if cleanup:
            cleanup()
    cap.stop()
    server.stop()
    return path


class ByteRelay:
    """A TCP relay on 127.0.0.1 that forwards every byte in its own send() with
    TCP_NODELAY, so each frame crosses the wire split over many TCP segments."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(20)
        self.port = self.listener.getsockname()[1]
        self.socks = []
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        server = socket.create_connection(("127.0.0.1", self.target_port), timeout=20)
        for s in (client, server):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.settimeout(20)
        self.socks += [client, server]
        pumps = [threading.Thread(target=self._pump, args=(client, server), daemon=True),
                 threading.Thread(target=self._pump, args=(server, client), daemon=True)]
        for t in pumps:
            t.start()
        self.threads += pumps

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(4096)
                if not data:
                    break
                for i in range(len(data)):
                    dst.sendall(data[i:i + 1])
                    time.sleep(0.0005)  # one segment per byte, not coalesced by the kernel
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        for t in self.threads[1:]:
            t.join(timeout=20)
        for s in self.socks + [self.listener]:
            try:
                s.close()
            except OSError:
                pass


def via_byte_relay(server_port):
    relay = ByteRelay(server_port)
    return relay.port, relay.close


def via_proxy(*attacks):
    """Puts `intact proxy` with these attack specs between client and server."""

    def start(server_port):
        args = ["proxy", "--listen", "127.0.0.1:0", "--to", f"127.0.0.1:{server_port}"]
        for a in attacks:
            args += ["--attack", a]
        proxy = Proc(args)
        # Its line also names the server's address: take the port of the first one.
        port = int(proxy.wait_for(r"listening on [^ ]*:(\d+)", "err").group(1))
        return port, lambda: (time.sleep(0.3), proxy.stop())

    return start


# ---- classic pcap files (what `intact capture --pcap` writes) ----

PCAP_MAGIC_US = 0xA1B2C3D4


class Packet:
    def __init__(self, ts_sec, ts_usec, data):
        self.ts_sec, self.ts_usec, self.data = ts_sec, ts_usec, data


def read_pcap(path):
    """Returns (global header bytes, link type, [Packet]) of a classic little-endian pcap."""
    with open(path, "rb") as f:
        blob = f.read()
    magic, = struct.unpack_from("<I", blob, 0)
    check(magic == PCAP_MAGIC_US, f"{path} is not a little-endian microsecond pcap (magic {magic:#x})")
    header = blob[:24]
    linktype, = struct.unpack_from("<I", blob, 20)
    packets, at = [], 24
    while at + 16 <= len(blob):
        sec, usec, incl, orig = struct.unpack_from("<IIII", blob, at)
        packets.append(Packet(sec, usec, blob[at + 16:at + 16 + incl]))
        at += 16 + incl
    return header, linktype, packets


def write_pcap(path, header, packets):
    with open(path, "wb") as f:
        f.write(header)
        for p in packets:
            f.write(struct.pack("<IIII", p.ts_sec, p.ts_usec, len(p.data), len(p.data)))
            f.write(p.data)


class TcpView:
    """The Ethernet + IPv4 + TCP fields of one captured packet (what loopback captures hold)."""

    def __init__(self, data):
        check(struct.unpack_from("!H", data, 12)[0] == 0x0800, "not an IPv4 Ethernet frame")
        self.eth = data[:14]
        ip = data[14:]
        ihl = (ip[0] & 0x0F) * 4
        total, = struct.unpack_from("!H", ip, 2)
        self.ip_header = ip[:ihl]
        tcp = ip[ihl:total]
        off = (tcp[12] >> 4) * 4
        self.tcp_header = tcp[:off]
        self.payload = tcp[off:]
        self.src_port, self.dst_port, self.seq = struct.unpack_from("!HHI", tcp, 0)
        self.flags = tcp[13]

    def rebuild(self, seq, payload, flags=None):
        """The same packet with another sequence number, payload (and flags)."""
        tcp = bytearray(self.tcp_header)
        struct.pack_into("!I", tcp, 4, seq & 0xFFFFFFFF)
        if flags is not None:
            tcp[13] = flags
        ip = bytearray(self.ip_header)
        struct.pack_into("!H", ip, 2, len(ip) + len(tcp) + len(payload))
        return self.eth + bytes(ip) + bytes(tcp) + payload


def verify_json(capture_path, key, *extra, timeout=60):
    """Runs intact verify --json; returns (exit code, [verdict objects], summary, stderr)."""
    import json
    r = subprocess.run([BIN, "verify", "--json", "--key", key, capture_path] + list(extra),
                       capture_output=True, timeout=timeout)
    objs = [json.loads(line) for line in r.stdout.decode().splitlines() if line.strip()]
    verdicts = [o for o in objs if o["event"] == "verdict"]
    summary = [o for o in objs if o["event"] == "summary"]
    return r.returncode, verdicts, (summary[0] if summary else None), r.stderr.decode()


def verdict_story(verdicts):
    """Per direction, the (seq, verdict, type, text) of every verdict: what a capture says,
    without packet numbers, which differ from one capture of the same chat to another."""
    story = {"c2s": [], "s2c": []}
    for v in verdicts:
        story[v["direction"]].append((v.get("seq", v.get("message")), v["verdict"], v.get("type"), v.get("text")))
    return story
