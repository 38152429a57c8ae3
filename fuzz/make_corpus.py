#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target into fuzz/corpus/<target>/.

The capture targets get small pcap and pcapng files of real v1 and lab exchanges
(built here packet by packet); the others get streams, specs and command lines.

The seeds are computed here with Python's hmac/hashlib only (HKDF from RFC
5869), from the inputs of docs/protocol.md section 4, which the v1 fuzz targets
use as their fixed key, nonces and names (fuzz/fuzz_inputs.hpp). So the seeds
complete the handshake and carry frames with valid tags, and mutations of them
reach every receiver path. Re-run after a wire format change:
    python3 fuzz/make_corpus.py
ctest runs it with --check (fuzz_corpus_current), which fails when the
checked-in seeds no longer match.
"""
import hashlib
import hmac
import os
import struct
import sys

# The same HKDF and frame sealing the e2e tests use (tests/e2e/v1_peer.py, checked there
# against RFC 5869 and docs/protocol.md).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from v1_peer import hkdf as hkdf_sha256, seal as frame  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

PSK = bytes(range(0x00, 0x20))
CLIENT_NONCE = bytes(range(0xC0, 0xD0)) * 2
SERVER_NONCE = bytes(range(0x50, 0x60)) * 2
LAB_KEY = bytes.fromhex("5D2E44719232EA78CD2B32")

CONFIRM, DATA, CLOSE, CHAT, NOTICE = 1, 2, 3, 4, 5


def chat(sender, text):
    return bytes([len(sender)]) + sender + text


def flip(b, pos, bit=0):
    b = bytearray(b)
    b[pos] ^= 1 << bit
    return bytes(b)


def legacy(key, message, lower=False):
    tag = hmac.new(key, message, hashlib.sha256).hexdigest()
    return message + b"|" + (tag if lower else tag.upper()).encode()


CLIENT_HELLO = b"INTACT\x01C" + CLIENT_NONCE
SERVER_HELLO = b"INTACT\x01S" + SERVER_NONCE
SALT = CLIENT_NONCE + SERVER_NONCE
C2S = hkdf_sha256(PSK, SALT, b"intact v1 client to server", 32)
S2C = hkdf_sha256(PSK, SALT, b"intact v1 server to client", 32)
TRANSCRIPT = hashlib.sha256(CLIENT_HELLO + SERVER_HELLO).digest()
CLIENT_CONFIRM = frame(C2S, CONFIRM, 0, TRANSCRIPT + b"alice")
SERVER_CONFIRM = frame(S2C, CONFIRM, 0, TRANSCRIPT + b"server")

# Frames of the client->server direction after the handshake.
MIXED = (frame(C2S, DATA, 1, b"hello | world") + frame(C2S, CHAT, 2, chat(b"bob", b"hi all")) +
         frame(C2S, NOTICE, 3, b"carol joined") + frame(C2S, DATA, 4, b"") +
         frame(C2S, CLOSE, 5, b"bye"))
ATTACKED = (frame(C2S, DATA, 1, b"one") + frame(C2S, DATA, 1, b"one") +      # replay
            flip(frame(C2S, DATA, 2, b"two"), 20) +                           # tampered
            frame(C2S, DATA, 4, b"four") +                                    # 3 deleted
            frame(C2S, DATA, 5, b"five"))                                     # no close
ODD = (frame(C2S, DATA, 1, b"x") + frame(C2S, CONFIRM, 2, TRANSCRIPT) +
       frame(C2S, CHAT, 3, b"\x0abo"))                                        # bad sender field
HUGE_HEADER = struct.pack(">BQI", DATA, 1, 0xFFFFFFFF)
UNKNOWN_TYPE = flip(frame(C2S, DATA, 1, b"retyped"), 0, 2)
LAB_WIRE = legacy(LAB_KEY, b"NMP-B19DCAT141 server send")

SEEDS = {
    "v1_server": {
        "documented_client_stream": CLIENT_HELLO + CLIENT_CONFIRM + frame(C2S, DATA, 1, b"hello | world")
                                    + frame(C2S, CLOSE, 2, b""),
        "client_stream_mixed": CLIENT_HELLO + CLIENT_CONFIRM + MIXED,
        "client_stream_attacked": CLIENT_HELLO + CLIENT_CONFIRM + ATTACKED,
        "client_hello_only": CLIENT_HELLO,
        "wrong_key_confirm": CLIENT_HELLO + frame(bytes(32), CONFIRM, 0, TRANSCRIPT + b"alice"),
        "reflected_server_hello": SERVER_HELLO,
        "version_2_hello": b"INTACT\x02C" + CLIENT_NONCE,
        "lab_message": LAB_WIRE,
    },
    "v1_established": {
        "data_and_close": frame(C2S, DATA, 1, b"hello | world") + frame(C2S, CLOSE, 2, b""),
        "mixed": MIXED,
        "attacked": ATTACKED,
        "odd_frames": ODD,
        "header_claims_4gib": HUGE_HEADER,
        "unknown_type": UNKNOWN_TYPE,
        "cut_inside_a_frame": frame(C2S, DATA, 1, b"cut short")[:30],
        "reflected_server_frame": frame(S2C, DATA, 1, b"from the server"),
    },
    "legacy": {
        "lab_vector": LAB_WIRE,
        "several_with_bars": legacy(LAB_KEY, b"a|b") + legacy(LAB_KEY, b"x|DEADBEEF y", lower=True)
                             + legacy(LAB_KEY, b"PYTHON | language"),
        "wrong_key": legacy(bytes.fromhex("5D2E44719232EA78CD2B33"), b"changed key"),
        "no_tag": b"a" * 300,
        "almost_tags": (b"|" + b"A" * 63 + b"x") * 5,
        "cut_inside_tag": LAB_WIRE[:60],
        "intact_hello": CLIENT_HELLO,
    },
    "frame_splitter": {
        "client_stream": CLIENT_HELLO + CLIENT_CONFIRM + MIXED,
        "server_stream": SERVER_HELLO + SERVER_CONFIRM + frame(S2C, DATA, 1, b"welcome"),
        "header_claims_4gib": CLIENT_HELLO + HUGE_HEADER,
        "unknown_type": CLIENT_HELLO + UNKNOWN_TYPE,
        "not_intact": LAB_WIRE,
    },
}


# ---- captures (pcap_file, capture_verifier) and the capture layer's inputs ----

def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", v6=False):
    """An IP packet (v4 or v6) carrying one TCP segment; checksums 0 (nothing checks them)."""
    th = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags,
                     65535, 0, 0)
    if v6:
        return struct.pack(">IHBB", 6 << 28, len(th) + len(payload), 6, 64) + src + dst + th + payload
    return (struct.pack(">BBHHHBBH", 0x45, 0, 20 + len(th) + len(payload), 1, 0x4000, 64, 6, 0)
            + src + dst + th + payload)


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
LO4 = bytes([127, 0, 0, 1])
LO6 = bytes(15) + b"\x01"


def conversation(c2s, s2c, v6=False, cport=40000, sport=7000, isn_c=1000, isn_s=5000):
    """IP packets of one TCP connection: handshake, then each (direction, bytes) in turn, then FINs."""
    lo = LO6 if v6 else LO4
    seq = {0: isn_c + 1, 1: isn_s + 1}
    out = [tcp(lo, lo, cport, sport, isn_c, 0, SYN, v6=v6),
           tcp(lo, lo, sport, cport, isn_s, isn_c + 1, SYN | ACK, v6=v6),
           tcp(lo, lo, cport, sport, isn_c + 1, isn_s + 1, ACK, v6=v6)]
    order = []
    for i in range(max(len(c2s), len(s2c))):
        if i < len(c2s):
            order.append((0, c2s[i]))
        if i < len(s2c):
            order.append((1, s2c[i]))
    for d, data in order:
        a, b = (cport, sport) if d == 0 else (sport, cport)
        out.append(tcp(lo, lo, a, b, seq[d], seq[1 - d], PSH | ACK, data, v6=v6))
        seq[d] += len(data)
    out.append(tcp(lo, lo, cport, sport, seq[0], seq[1], FIN | ACK, v6=v6))
    out.append(tcp(lo, lo, sport, cport, seq[1], seq[0] + 1, FIN | ACK, v6=v6))
    return out


def ethernet(ip):
    return bytes(12) + (b"\x86\xdd" if ip[0] >> 4 == 6 else b"\x08\x00") + ip


def null_loop(ip):
    return struct.pack("<I", 30 if ip[0] >> 4 == 6 else 2) + ip


def sll(ip):
    return struct.pack(">HHH8sH", 0, 772, 6, bytes(8), 0x86DD if ip[0] >> 4 == 6 else 0x0800) + ip


def pcap(link, packets, snap=262144):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snap, link)
    for i, p in enumerate(packets):
        cap = p[:snap]
        out += struct.pack("<IIII", 1700000000 + i, 0, len(cap), len(p)) + cap
    return out


def pcapng(link, packets):
    def block(kind, body):
        body += bytes(-len(body) % 4)
        return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", link, 0, 262144))
    for i, p in enumerate(packets):
        out += block(6, struct.pack("<IIIII", 0, 0, i, len(p), len(p)) + p)
    return out


DLT_EN10MB, DLT_NULL, DLT_RAW, DLT_LINUX_SLL = 1, 0, 101, 113

CLOSE_NORMAL = bytes([0]) + b"bye"
V1_C2S = [CLIENT_HELLO, CLIENT_CONFIRM, frame(C2S, DATA, 1, b"hello | world"),
          frame(C2S, CLOSE, 2, CLOSE_NORMAL)]
V1_S2C = [SERVER_HELLO, SERVER_CONFIRM, frame(S2C, DATA, 1, b"welcome"),
          frame(S2C, CLOSE, 2, CLOSE_NORMAL)]
V1_EXCHANGE = conversation(V1_C2S, V1_S2C)
# A frame split across segments and an attacked stream (a flipped tag, a replay, a deletion).
V1_ATTACKED = conversation([CLIENT_HELLO + CLIENT_CONFIRM[:20], CLIENT_CONFIRM[20:],
                            frame(C2S, DATA, 1, b"one"), frame(C2S, DATA, 1, b"one"),
                            flip(frame(C2S, DATA, 2, b"two"), 30), frame(C2S, DATA, 4, b"four")],
                           V1_S2C[:3])
LEGACY_KEY = PSK  # the verifier judges the lab's format under the same key
LEGACY_EXCHANGE = conversation([legacy(LEGACY_KEY, b"hi | there"), legacy(LEGACY_KEY, b"second")],
                               [legacy(LEGACY_KEY, b"server send")])
V1_IPV6 = conversation(V1_C2S, V1_S2C, v6=True)
# Out of order and lost: the DATA segment swapped with the CLOSE, and one segment never recorded.
_reordered = list(V1_EXCHANGE)
_reordered[7], _reordered[9] = _reordered[9], _reordered[7]
_lossy = V1_EXCHANGE[:5] + V1_EXCHANGE[6:]

CAPTURES = {
    "v1_exchange": pcap(DLT_EN10MB, [ethernet(p) for p in V1_EXCHANGE]),
    "v1_attacked": pcap(DLT_EN10MB, [ethernet(p) for p in V1_ATTACKED]),
    "legacy_exchange_loopback": pcap(DLT_NULL, [null_loop(p) for p in LEGACY_EXCHANGE]),
    "v1_ipv6_cooked": pcap(DLT_LINUX_SLL, [sll(p) for p in V1_IPV6]),
    "v1_reordered_raw": pcap(DLT_RAW, _reordered),
    "v1_lost_segment": pcap(DLT_EN10MB, [ethernet(p) for p in _lossy]),
    "v1_exchange_pcapng": pcapng(DLT_EN10MB, [ethernet(p) for p in V1_EXCHANGE]),
    "v1_snap_64": pcap(DLT_EN10MB, [ethernet(p) for p in V1_EXCHANGE], snap=64),
}

# packet_decoder: a selector byte (index into the target's link types: 0 Ethernet,
# 1 BSD null, 3 Linux cooked, 4 Linux cooked v2, 5 raw IP), then the packet.
_data4 = tcp(LO4, LO4, 40000, 7000, 1001, 5001, PSH | ACK, frame(C2S, DATA, 1, b"hello"))
_data6 = tcp(LO6, LO6, 40000, 7000, 1001, 5001, PSH | ACK, b"payload over IPv6")
_ext6 = bytearray(_data6)
_ext6[6] = 0  # hop-by-hop options header before TCP
_ext6 = bytes(_ext6[:40]) + bytes([6, 0, 1, 4, 0, 0, 0, 0]) + _data6[40:]
_ext6 = _ext6[:4] + struct.pack(">H", len(_ext6) - 40) + _ext6[6:]
_frag4 = bytearray(_data4)
_frag4[6:8] = b"\x20\x00"
DECODER_SEEDS = {
    "ethernet_ipv4_data": bytes([0]) + ethernet(_data4),
    "ethernet_vlan_ipv6": bytes([0]) + bytes(12) + b"\x81\x00\x00\x07\x86\xdd" + _data6,
    "null_ipv4": bytes([1]) + null_loop(_data4),
    "cooked_ipv6_ext_header": bytes([3]) + sll(_ext6),
    "cooked_v2_ipv4": bytes([4]) + b"\x08\x00" + bytes(18) + _data4,
    "raw_ipv4_fragment": bytes([5]) + bytes(_frag4),
    "raw_ipv4_padded": bytes([5]) + _data4 + bytes(6),
    "raw_ipv4_cut": bytes([5]) + _data4[:50],
    "raw_ipv6_syn": bytes([5]) + tcp(LO6, LO6, 1, 2, 0xFFFFFFFF, 0, SYN, v6=True),
}


def segs(isn, mode, *segments):
    """tcp_reassembler input: ISN, mode, then (flags, offset, length, cut) per segment."""
    return struct.pack(">IB", isn, mode) + b"".join(struct.pack(">BHBB", *s) for s in segments)


SEG_SYN, SEG_FIN, SEG_RST, SEG_CUT, SEG_FAR = 1, 2, 4, 8, 16
REASSEMBLER_SEEDS = {
    "in_order": segs(1000, 0, (SEG_SYN, 0, 0, 0), (0, 1, 10, 0), (0, 11, 20, 0), (SEG_FIN, 31, 0, 0)),
    "out_of_order": segs(1000, 0, (SEG_SYN, 0, 0, 0), (0, 21, 10, 0), (0, 11, 10, 0), (0, 1, 10, 0)),
    "overlaps": segs(7, 0, (0, 0, 30, 0), (0, 10, 40, 0), (0, 5, 10, 0), (0, 45, 50, 0)),
    "wraps": segs(0xFFFFFFF0, 0, (SEG_SYN, 0, 0, 0), (0, 1, 100, 0), (0, 101, 100, 0)),
    "hole_and_overflow": segs(1, 2, (SEG_SYN, 0, 0, 0), (0, 50, 200, 0), (0, 300, 200, 0)),
    "snap_cut": segs(1, 0, (SEG_SYN, 0, 0, 0), (SEG_CUT, 1, 20, 30), (0, 21, 30, 0), (0, 51, 5, 0)),
    "reset": segs(1, 0, (SEG_SYN, 0, 0, 0), (0, 1, 5, 0), (SEG_RST, 6, 0, 0), (0, 6, 5, 0)),
    "stale_far": segs(1, 0, (0, 0, 10, 0), (SEG_FAR, 0, 10, 0), (0, 10, 10, 0)),
    # Found by fuzzing: data after a SYN+FIN was delivered (tests/unit/capture_reassembler_fin_test.cpp).
    "syn_fin_then_data": bytes.fromhex("00000001000300000000080001141e0000151e0000003305" "00"),
    "own_bytes": segs(1, 1, (0, 0, 4, 0)) + b"abcd" + struct.pack(">BHBB", 0, 2, 4, 0) + b"XXef",
}

V1_CLIENT_STREAM = b"".join(V1_C2S)
V1_SERVER_STREAM = b"".join(V1_S2C)
LEGACY_STREAM = legacy(LAB_KEY, b"a|b") + legacy(LAB_KEY, b"PYTHON | language") + LAB_WIRE


def chunks(direction, data, eof=False, size=40):
    """tamper_engine chunks: header (bit 7 s2c, bit 6 end after it, 6 bits of length), bytes."""
    out = b""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        last = eof and i + size >= len(data)
        out += bytes([(0x80 if direction else 0) | (0x40 if last else 0) | len(piece)]) + piece
    return out


def v1_both_ways(eof=True):
    return (chunks(0, CLIENT_HELLO) + chunks(1, SERVER_HELLO) + chunks(0, CLIENT_CONFIRM)
            + chunks(1, SERVER_CONFIRM) + chunks(0, frame(C2S, DATA, 1, b"one") + frame(C2S, DATA, 2, b"two")
                                                  + frame(C2S, DATA, 3, b"three"))
            + chunks(1, frame(S2C, DATA, 1, b"welcome")) + chunks(0, frame(C2S, CLOSE, 4, CLOSE_NORMAL), eof)
            + chunks(1, frame(S2C, CLOSE, 2, CLOSE_NORMAL), eof))


# Spec indexes into the target's kSpecs: 0 flip, 6 replace, 9 replay after, 10 swap, 11 drop,
# 13 reflect, 14 inject, 16 splice, 17 cut, 19 random.
TAMPER_SEEDS = {
    "v1_no_attack": bytes([0, 0]) + v1_both_ways(),
    "v1_flip_drop_swap": bytes([1, 3, 0, 11, 10]) + v1_both_ways(),
    "v1_replay_reflect_inject": bytes([0, 3, 9, 13, 14]) + v1_both_ways(),
    "v1_splice_cut": bytes([0, 2, 16, 17]) + v1_both_ways(),
    "v1_random_operator": bytes([4, 1, 19]) + v1_both_ways(eof=False),
    "legacy_replace_dup": bytes([2, 2, 6, 12]) + chunks(0, LEGACY_STREAM, True) + chunks(1, LAB_WIRE, True),
    "legacy_detected": bytes([0, 1, 7]) + chunks(0, LEGACY_STREAM) + chunks(1, LAB_WIRE),
}

SPLITTER_SEEDS = {
    "v1_client": b"\x00" + V1_CLIENT_STREAM,
    "v1_server": b"\x00" + V1_SERVER_STREAM,
    "v1_mid_stream": b"\x00" + frame(C2S, DATA, 5, b"mid") + frame(C2S, CHAT, 6, chat(b"bob", b"hi")),
    "v1_cut_short": b"\x00" + V1_CLIENT_STREAM[:-10],
    "v1_huge_header": b"\x00" + CLIENT_HELLO + HUGE_HEADER,
    "legacy": b"\x01" + LEGACY_STREAM,
    "legacy_no_tag": b"\x01" + b"x" * 200 + b"|" + b"A" * 63,
}

ATTACK_SPECS = {
    "flip": b"flip:c2s:3", "flip_field": b"flip:s2c:2:field=tag", "replace": b"replace:c2s:1:text=HELLO",
    "replace_retag": b"replace:c2s:1:retag=00112233AABBCCDD:text=a:b:c", "replay": b"replay:c2s:2:after=4",
    "swap": b"swap:c2s:2", "drop_p": b"drop:c2s:p=0.25:seed=9", "inject": b"inject:s2c:1:text=forged",
    "random": b"random:p=0.1:seed=42:dir=both:do=flip,drop,dup", "cut": b"cut:c2s:3",
    # A retag= value that is the error message's own words (a harness false positive, fixed there).
    "retag_value_in_message": b"reretag=eplacpla\x122retag=elp' for:ceC",
    "bad_retag_in_action": b"retag=00112233445566778899:c2s:1",
    "bad_option": b"flip:c2s:1:after=2", "bad_retag": b"inject:c2s:1:retag=XYZ0011223344:text=t",
}

ROOM_COMMANDS = {
    "msg": b"\x00msg bob hello there", "msg_usage": b"\x00msg bob", "nick": b"\x00nick carol",
    "nick_bad": b"\x00nick two words", "kick": b"\x01kick  bob", "kick_member": b"\x00kick bob",
    "who": b"\x00who", "help_host": b"\x01help", "quit": b"\x00quit now", "unknown": b"\x01nick x",
}

SEEDS.update({
    "pcap_file": dict(CAPTURES, **{
        "cut_inside_record": CAPTURES["v1_exchange"][:100],
        "header_only": pcap(DLT_EN10MB, []),
        "big_endian": struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
                           + struct.pack(">IIII", 1, 0, 8, 8) + bytes(8),
        "unsupported_link": pcap(147, [b"\x00" * 20]),
    }),
    "capture_verifier": CAPTURES,
    "packet_decoder": DECODER_SEEDS,
    "tcp_reassembler": REASSEMBLER_SEEDS,
    "record_splitter": SPLITTER_SEEDS,
    "tamper_engine": TAMPER_SEEDS,
    "attack_spec": ATTACK_SPECS,
    "room_command": ROOM_COMMANDS,
})


def check():
    """Exit 1 when the checked-in seeds differ from what this script writes."""
    stale = []
    for target, seeds in SEEDS.items():
        d = os.path.join(HERE, "corpus", target)
        have = set(os.listdir(d)) if os.path.isdir(d) else set()
        if have != set(seeds):
            stale.append(f"{target}: files {sorted(have ^ set(seeds))} differ")
        for name, data in seeds.items():
            path = os.path.join(d, name)
            if os.path.exists(path) and open(path, "rb").read() != data:
                stale.append(f"{target}/{name}: content differs")
    if stale:
        print("the fuzz seeds are stale; run: python3 fuzz/make_corpus.py\n  " + "\n  ".join(stale))
        sys.exit(1)
    print(f"{sum(len(s) for s in SEEDS.values())} seeds are current")


def main():
    if sys.argv[1:] == ["--check"]:
        check()
        return
    for target, seeds in SEEDS.items():
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name in os.listdir(d):
            os.remove(os.path.join(d, name))
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
