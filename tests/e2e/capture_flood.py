"""Writes the three hostile captures of issue 14, fast (classic pcap, Ethernet, IPv4), for the
test of the verifier's memory bounds (test_verify_bounds.py) and for `make bench` (scripts/bench).

Standard library only. Each capture is made of one packet template per direction whose
sequence number (and, for many connections, client port and address) is patched in place, so
writing 100 MB takes a second or two. Usage: capture_flood.py KIND PATH [MEGABYTES]
  no-server-hello  one v1 connection: the client's hello, then its bytes; the server's hello never comes
  tiny-segments    2 connections whose client sends 1-byte segments behind a hole that never fills
  half-open        SYNs of distinct connections (1 in 1,000 then sends a client hello); none finishes
"""
import array
import os
import struct
import sys

LINKTYPE_ETHERNET = 1
SERVER_PORT = 8080
CLIENT_HELLO = b"INTACT" + bytes([1]) + b"C" + bytes(range(32))  # a well-formed v1 client hello
SYN, ACK, PSH = 0x02, 0x10, 0x08
MB = 1000 * 1000


def _header():
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, LINKTYPE_ETHERNET)


class Template:
    """One Ethernet + IPv4 + TCP packet with `payload_len` bytes, as a pcap record; seq, the
    source address's last two bytes and the source port are patched per packet."""

    def __init__(self, src, dst, sport, dport, flags, payload, trailer=0):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, 0, 0, 5 << 4, flags, 65535, 0, 0)
        total = 20 + len(tcp) + len(payload)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, bytes(src), bytes(dst))
        # `trailer`: bytes after the IP packet, as Ethernet pads a frame (the decoder goes by the
        # IP total length): a bigger file of the same packets.
        frame = b"\x00" * 6 + b"\x00" * 6 + b"\x08\x00" + ip + tcp + payload + b"\x00" * trailer
        self.record = bytearray(struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame)
        self.seq_at = 16 + 14 + 20 + 4
        self.sport_at = 16 + 14 + 20
        self.saddr_at = 16 + 14 + 12 + 2  # the source address's last two bytes

    def patch(self, seq=None, sport=None, host=None):
        """Sets the template's own fields (for every record made from it afterwards)."""
        for at, fmt, value in ((self.seq_at, "!I", seq), (self.sport_at, "!H", sport), (self.saddr_at, "!H", host)):
            if value is not None:
                struct.pack_into(fmt, self.record, at, value)

    def emit(self, out, seq, sport=None, host=None):
        out.write(self.bulk([seq], None if sport is None else [sport], None if host is None else [host]))

    def bulk(self, seqs, sports=None, hosts=None):
        """len(seqs) records, each with its seq (and port, host), patched with strided slices."""
        n, size = len(seqs), len(self.record)
        out = self.record * n
        for at, code, values in ((self.seq_at, "I", seqs), (self.sport_at, "H", sports), (self.saddr_at, "H", hosts)):
            if values is None:
                continue
            packed = array.array(code, values)
            if sys.byteorder == "little":
                packed.byteswap()
            packed = packed.tobytes()
            width = packed and len(packed) // n
            for k in range(width):
                out[at + k::size] = packed[k::width]
        return out

    def bulk_ports(self, sports):
        """len(sports) records as they are but for the source port."""
        n, size = len(sports), len(self.record)
        out = self.record * n
        packed = array.array("H", sports)
        if sys.byteorder == "little":
            packed.byteswap()
        packed = packed.tobytes()
        out[self.sport_at::size] = packed[0::2]
        out[self.sport_at + 1::size] = packed[1::2]
        return out


CLIENT, SERVER = (10, 0, 0, 1), (10, 0, 0, 2)


def no_server_hello(path, megabytes):
    """The server's hello is missing: the client's hello, then `megabytes` of its bytes."""
    chunk = 65000
    with open(path, "wb") as f:
        f.write(_header())
        isn = 1000
        Template(CLIENT, SERVER, 40000, SERVER_PORT, SYN, b"").emit(f, isn)
        Template(SERVER, CLIENT, SERVER_PORT, 40000, SYN | ACK, b"").emit(f, 5000)
        Template(CLIENT, SERVER, 40000, SERVER_PORT, ACK | PSH, CLIENT_HELLO).emit(f, isn + 1)
        data = Template(CLIENT, SERVER, 40000, SERVER_PORT, ACK | PSH, bytes([0x42]) * chunk)
        seq = isn + 1 + len(CLIENT_HELLO)
        for _ in range(megabytes * MB // chunk + 1):
            data.emit(f, seq)
            seq += chunk


def tiny_segments(path, megabytes, connections=2):
    """1-byte segments behind a hole (stream byte 0 never comes), round robin over connections."""
    with open(path, "wb") as f:
        f.write(_header())
        for c in range(connections):
            Template(CLIENT, SERVER, 40000 + c, SERVER_PORT, SYN, b"").emit(f, 1000)
        one = Template(CLIENT, SERVER, 40000, SERVER_PORT, ACK | PSH, b"x")
        rounds = megabytes * MB // (len(one.record) * connections) + 1
        per_block = 65536
        for first in range(0, rounds, per_block):
            n = min(rounds, first + per_block) - first
            seqs = array.array("I", range(1002 + 2 * first, 1002 + 2 * (first + n), 2))
            # Round r carries one segment per connection, all at stream byte 2 * (r + 1).
            block = one.bulk([s for s in seqs for _ in range(connections)],
                             list(range(40000, 40000 + connections)) * n)
            f.write(block)


def half_open(path, megabytes, connections=None):
    """Distinct connections that never finish: a SYN each; 1 in 1,000 also sends a client hello.
    `connections`: that many, each SYN padded (an Ethernet trailer) so the file still holds
    `megabytes`; without it, as many unpadded SYNs as fill it (1.4 million per 100 MB)."""
    trailer = 0
    if connections:
        trailer = max(0, -(-megabytes * MB // connections) - len(Template(CLIENT, SERVER, 1, 1, SYN, b"").record))
    with open(path, "wb") as f:
        f.write(_header())
        syn = Template(CLIENT, SERVER, 1, SERVER_PORT, SYN, b"", trailer)
        hello = Template(CLIENT, SERVER, 1, SERVER_PORT, ACK | PSH, CLIENT_HELLO)
        syn.patch(seq=1000)  # every SYN's sequence number
        count = connections or megabytes * MB // len(syn.record) + 1
        for first in range(0, count, 1000):
            n = min(count, first + 1000) - first
            host, port = divmod(first, 60000)  # 60,000 is a multiple of 1,000: a block keeps its host
            syn.patch(host=host + 1)
            f.write(syn.bulk_ports(range(1024 + port, 1024 + port + n)))
            if n == 1000:
                hello.emit(f, 1001, sport=1024 + port + n - 1, host=host + 1)


KINDS = {"no-server-hello": no_server_hello, "tiny-segments": tiny_segments, "half-open": half_open}


def write(kind, path, megabytes=100, **options):
    KINDS[kind](path, megabytes, **options)
    return os.path.getsize(path)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in KINDS:
        sys.exit(__doc__)
    size = write(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 100)
    print(f"{sys.argv[2]}: {size} bytes")
