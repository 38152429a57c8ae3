"""The test vectors of docs/protocol.md, recomputed independently of intact's C++.

Every value is read out of the document itself (so the document cannot drift
from the code) and recomputed here with Python's hmac and hashlib only, with
HKDF written out from RFC 5869. tests/unit/protocol_vectors_test.cpp checks the
same values against the C++ core; together they pin the wire format.
"""
import hashlib
import hmac
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
import intact_testlib as t  # noqa: E402
from v1_peer import hkdf as hkdf_sha256, seal as frame  # noqa: E402  (RFC 5869 HKDF, checked below)

DOC = os.path.join(t.SOURCE_DIR, "docs", "protocol.md")


def read_doc():
    with open(DOC, encoding="utf-8") as f:
        return f.read()


def section(doc, heading):
    """The text under a markdown heading, up to the next heading of any level."""
    m = re.search(r"^#+ " + re.escape(heading) + r"\s*$(.*?)(?=^#+ |\Z)", doc, re.M | re.S)
    t.check(m is not None, f"docs/protocol.md has no section '{heading}'")
    return m.group(1)


def parse_vectors(doc):
    """Returns (inputs, values): the prose inputs and the code block's labelled hex values."""
    text = section(doc, "4. Test vectors")
    inputs = {}
    m = re.search(r"PSK `([0-9A-Fa-f]+)`", text)
    t.check(m is not None, "no PSK in section 4")
    inputs["psk"] = bytes.fromhex(m.group(1))
    for who in ("client", "server"):
        m = re.search(who + r" nonce `([0-9A-F]{2})[0-9A-F]{2}\.\.\.([0-9A-F]{2})` twice", text)
        t.check(m is not None, f"no {who} nonce in section 4")
        first, last = int(m.group(1), 16), int(m.group(2), 16)
        inputs[who + "_nonce"] = bytes(range(first, last + 1)) * 2
        m = re.search(who + r" name `([^`]*)`", text)
        t.check(m is not None, f"no {who} name in section 4")
        inputs[who + "_name"] = m.group(1).encode()

    block = re.search(r"```\n(.*?)```", text, re.S)
    t.check(block is not None, "no code block in section 4")
    values, notes, label = {}, {}, None
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            label, rest = re.split(r"\s{2,}", line.strip(), maxsplit=1)
            values[label] = ""
        else:
            rest = line.strip()
        note = re.search(r'\(("[^"]*"(?:\s+"[^"]*")*)\)\s*$', rest)
        if note:  # ("text") or, for a CHAT frame, ("sender" "text")
            notes[label] = re.findall(r'"([^"]*)"', note.group(1))
            rest = rest[:note.start()]
        hexpart = rest.replace(" ", "")
        t.check(re.fullmatch(r"[0-9A-F]*", hexpart) is not None, f"{label}: not hex: {rest!r}")
        values[label] += hexpart
    return inputs, {k: bytes.fromhex(v) for k, v in values.items()}, notes


def expected_vectors(inputs):
    """Everything section 4 lists, computed from its inputs by the rules of sections 1-2."""
    ch = b"INTACT" + bytes([1]) + b"C" + inputs["client_nonce"]
    sh = b"INTACT" + bytes([1]) + b"S" + inputs["server_nonce"]
    salt = inputs["client_nonce"] + inputs["server_nonce"]
    c2s = hkdf_sha256(inputs["psk"], salt, b"intact v1 client to server", 32)
    s2c = hkdf_sha256(inputs["psk"], salt, b"intact v1 server to client", 32)
    th = hashlib.sha256(ch + sh).digest()
    return {
        "ClientHello": ch,
        "ServerHello": sh,
        "K_client2server": c2s,
        "K_server2client": s2c,
        "transcript": th,
        "client CONFIRM": frame(c2s, 0x01, 0, th + inputs["client_name"]),
        "server CONFIRM": frame(s2c, 0x01, 0, th + inputs["server_name"]),
        "client DATA": frame(c2s, 0x02, 1, b"hello | world"),
        "client CLOSE": frame(c2s, 0x03, 2, bytes([0x00])),  # code 0x00 normal, no text
        "server NOTICE": frame(s2c, 0x05, 1, b"bob joined"),
        "server CHAT": frame(s2c, 0x04, 2, bytes([3]) + b"bob" + b"hi alice"),
        # The same line from a lab-format member: the name length's high bit (0x80) is the flag.
        "server lab CHAT": frame(s2c, 0x04, 2, bytes([0x80 | 3]) + b"bob" + b"hi alice"),
        "server DATA": frame(s2c, 0x02, 3, b"(private) psst"),
        "server CLOSE": frame(s2c, 0x03, 4, bytes([0x01]) + b"server shutting down"),  # 0x01 shutdown
    }


def test_python_hkdf_matches_rfc5869_test_case_1():
    # The oracle's oracle: RFC 5869 appendix A.1.
    okm = hkdf_sha256(bytes([0x0B] * 22), bytes(range(0x00, 0x0D)), bytes(range(0xF0, 0xFA)), 42)
    t.check(okm.hex() == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                         "34007208d5b887185865", okm.hex())


def test_doc_section_4_lists_exactly_the_expected_vectors():
    inputs, values, _ = parse_vectors(read_doc())
    want = expected_vectors(inputs)
    t.check(sorted(values) == sorted(want), f"labels in the doc: {sorted(values)}")
    t.check(len(inputs["psk"]) == 32 and len(inputs["client_nonce"]) == 32 and
            len(inputs["server_nonce"]) == 32, "the inputs are not 32 bytes each")


def test_every_vector_in_the_doc_matches_an_independent_python_computation():
    inputs, values, _ = parse_vectors(read_doc())
    want = expected_vectors(inputs)
    bad = [f"{k}: doc {values[k].hex().upper()} != python {v.hex().upper()}"
           for k, v in want.items() if values.get(k) != v]
    t.check(not bad, "\n".join(bad))


def test_the_data_vectors_payload_is_the_text_the_doc_says():
    _, values, notes = parse_vectors(read_doc())
    data = values["client DATA"]
    (length,) = struct.unpack(">I", data[9:13])
    t.check([data[13:13 + length].decode()] == notes["client DATA"] == ["hello | world"],
            f"payload {data[13:13 + length]!r}, note {notes.get('client DATA')!r}")


def test_the_server_frames_carry_the_notes_and_verify_under_the_server_key():
    # Straight from hmac and struct, not through v1_peer.seal: a second oracle for the frame layout.
    inputs, values, notes = parse_vectors(read_doc())
    s2c = expected_vectors(inputs)["K_server2client"]
    for label, ftype, seq in (("server NOTICE", 0x05, 1), ("server CHAT", 0x04, 2),
                              ("server lab CHAT", 0x04, 2), ("server DATA", 0x02, 3)):
        f = values[label]
        t.check(len(f) >= 45, f"{label}: {len(f)} bytes")
        got_type, got_seq, length = struct.unpack(">BQI", f[:13])
        t.check((got_type, got_seq, length) == (ftype, seq, len(f) - 45), f"{label}: header {f[:13].hex()}")
        payload, tag = f[13:13 + length], f[13 + length:]
        t.check(hmac.compare_digest(hmac.new(s2c, f[:13] + payload, hashlib.sha256).digest(), tag),
                f"{label}: the tag does not verify under K_server2client")
        if ftype == 0x04:
            n = payload[0] & 0x7F  # the seven low bits are the name's length
            t.check(n <= 64 and (payload[0] & 0x80 != 0) == (label == "server lab CHAT"),
                    f"{label}: the lab-format flag is set only on the lab-format line: {payload[0]:#04x}")
            fields = [payload[1:1 + n].decode(), payload[1 + n:].decode()]
        else:
            fields = [payload.decode()]
        t.check(fields == notes[label], f"{label}: payload {fields!r}, note {notes.get(label)!r}")
    t.check(values["server DATA"][13:].startswith(b"(private) "), "the console's private line")


def test_the_lab_format_chat_differs_from_the_v1_chat_only_in_the_flag_bit_and_its_tag():
    inputs, values, _ = parse_vectors(read_doc())
    s2c = expected_vectors(inputs)["K_server2client"]
    plain, lab = values["server CHAT"], values["server lab CHAT"]
    t.check(len(plain) == len(lab), "same length")
    t.check(plain[13] == 0x03 and lab[13] == 0x83, f"first payload bytes {plain[13]:#04x}, {lab[13]:#04x}")
    t.check(plain[:13] + plain[14:-32] == lab[:13] + lab[14:-32], "header, name and text are the same")
    body = lab[:-32]
    t.check(hmac.compare_digest(hmac.new(s2c, body, hashlib.sha256).digest(), lab[-32:]),
            "the flag is under the tag: the flagged frame verifies with its own tag")
    t.check(not hmac.compare_digest(hmac.new(s2c, body, hashlib.sha256).digest(), plain[-32:]),
            "clearing the flag breaks the tag (a proxy cannot strip it)")
    chat = section(read_doc(), "CHAT")
    t.check("0x80" in chat and "lab-format flag" in chat, "the CHAT section documents the flag")


def test_the_close_vectors_carry_a_code_byte_then_the_text():
    # Straight from hmac and struct: a CLOSE payload is u8 code, then 0..256 bytes of UTF-8.
    inputs, values, notes = parse_vectors(read_doc())
    keys = expected_vectors(inputs)
    for label, key, seq, code in (("client CLOSE", keys["K_client2server"], 2, 0x00),
                                  ("server CLOSE", keys["K_server2client"], 4, 0x01)):
        f = values[label]
        got_type, got_seq, length = struct.unpack(">BQI", f[:13])
        t.check((got_type, got_seq, length) == (0x03, seq, len(f) - 45), f"{label}: header {f[:13].hex()}")
        payload, tag = f[13:13 + length], f[13 + length:]
        t.check(hmac.compare_digest(hmac.new(key, f[:13] + payload, hashlib.sha256).digest(), tag),
                f"{label}: the tag does not verify")
        t.check(1 <= len(payload) <= 257 and payload[0] == code, f"{label}: payload {payload.hex()}")
        text = payload[1:].decode()
        t.check([text] == notes.get(label, [""]), f"{label}: text {text!r}, note {notes.get(label)!r}")
    # The codes table of section 2 gives the same numbers.
    table = section(read_doc(), "CLOSE")
    for code, name in ((0x00, "normal"), (0x01, "shutdown"), (0x02, "kicked"), (0x03, "idle"),
                       (0x04, "refused"), (0x05, "strict"), (0x06, "integrity"), (0x07, "protocol")):
        t.check(re.search(r"\| 0x%02X \| `%s` \|" % (code, name), table) is not None,
                f"code 0x{code:02X} {name} is not in the CLOSE section's table")


def test_a_vector_frame_does_not_verify_under_the_other_direction_key():
    inputs, values, _ = parse_vectors(read_doc())
    want = expected_vectors(inputs)
    data = values["client DATA"]
    body, tag = data[:-32], data[-32:]
    t.check(hmac.compare_digest(hmac.new(want["K_client2server"], body, hashlib.sha256).digest(), tag),
            "the DATA frame does not verify under K_client2server")
    t.check(not hmac.compare_digest(hmac.new(want["K_server2client"], body, hashlib.sha256).digest(),
                                    tag), "the DATA frame verifies under K_server2client")


def parse_legacy_vector(doc):
    text = section(doc, "Legacy format (the lab's)")
    m = re.search(r"key `([0-9A-F]+)`:\s*`([^`]*)`\s*\((\d+) bytes\)", text, re.S)
    t.check(m is not None, "no legacy vector in the doc")
    return bytes.fromhex(m.group(1)), m.group(2).encode(), int(m.group(3))


def test_the_legacy_vector_in_the_doc_is_the_labs_hmac_of_its_message():
    key, wire, size = parse_legacy_vector(read_doc())
    t.check(len(wire) == size == 91, f"{len(wire)} bytes, doc says {size}")
    message, tag = wire.rsplit(b"|", 1)
    want = hmac.new(key, message, hashlib.sha256).hexdigest().upper().encode()
    t.check(tag == want, f"doc tag {tag!r} != python {want!r}")


def test_intact_mac_prints_the_same_tags_as_python():
    key, wire, _ = parse_legacy_vector(read_doc())
    message = wire.rsplit(b"|", 1)[0].decode()
    cases = [(key.hex().upper(), message), ("5D2A7139232AD22B23", "PYTHON | language"),
             ("00112233445566778899AABBCCDDEEFF", "Gr\u00fc\u00dfe | \u2713")]
    for key_hex, text in cases:
        r = t.run(["mac", "--key", key_hex, text], timeout=30)
        t.check(r.returncode == 0, f"intact mac failed: {r.stderr.decode()}")
        want = hmac.new(bytes.fromhex(key_hex), text.encode(), hashlib.sha256).hexdigest().upper()
        t.check(r.stdout.decode().strip() == want, f"{text!r}: {r.stdout!r} != {want}")


if __name__ == "__main__":
    t.TestRunner(globals()).main()
