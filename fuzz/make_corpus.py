#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target into fuzz/corpus/<target>/.

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
