"""A minimal, independent protocol v1 client in Python (hmac, hashlib, socket, os only).

Written from docs/protocol.md, not from intact's code: the handshake, HKDF-SHA256 (RFC 5869)
built from hmac, frames sealed and opened with hmac. Tests use it for what the real client
will not do on purpose: stop reading, misbehave half-way, or check the wire independently.
"""
import hashlib
import hmac
import os
import socket
import struct

MAGIC = b"INTACT"
T_CONFIRM, T_DATA, T_CLOSE, T_CHAT, T_NOTICE = 1, 2, 3, 4, 5
# A CLOSE payload is one of these codes (u8), then 0..256 bytes of UTF-8 text (docs/protocol.md).
CLOSE_CODES = {0x00: "normal", 0x01: "shutdown", 0x02: "kicked", 0x03: "idle", 0x04: "refused",
               0x05: "strict", 0x06: "integrity", 0x07: "protocol"}


def close_payload(code=0x00, text=""):
    return bytes([code]) + text.encode("utf-8")


def parse_close(payload):
    """(code name, text) of a CLOSE payload; raises ValueError for a malformed one."""
    if not 1 <= len(payload) <= 257:
        raise ValueError(f"a CLOSE payload of {len(payload)} bytes")
    return CLOSE_CODES.get(payload[0], "unknown"), payload[1:].decode("utf-8", "replace")


# A CHAT payload: u8 name length, name (0..64 bytes), text. The length byte's high bit is the
# lab-format flag: the line came from a lab-format member (docs/protocol.md, "CHAT").
CHAT_LAB_FORMAT = 0x80


def chat_payload(sender, text, lab_format=False):
    name = sender.encode("utf-8")
    assert len(name) <= 64, "a CHAT sender is at most 64 bytes"
    return bytes([len(name) | (CHAT_LAB_FORMAT if lab_format else 0)]) + name + text.encode("utf-8")


def parse_chat(payload):
    """(sender, text, lab_format) of a CHAT payload; raises ValueError for a malformed one."""
    if not payload:
        raise ValueError("an empty CHAT payload")
    n = payload[0] & 0x7F
    if n > 64 or 1 + n > len(payload):
        raise ValueError(f"a CHAT name length byte of {payload[0]:#04x} in {len(payload)} bytes")
    return (payload[1:1 + n].decode("utf-8", "replace"), payload[1 + n:].decode("utf-8", "replace"),
            bool(payload[0] & CHAT_LAB_FORMAT))


def hkdf(ikm, salt, info, length=32):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, t, i = b"", b"", 1
    while len(okm) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        okm += t
        i += 1
    return okm[:length]


def seal(key, ftype, seq, payload):
    header = struct.pack(">BQI", ftype, seq, len(payload))
    return header + payload + hmac.new(key, header + payload, hashlib.sha256).digest()


class V1Client:
    def __init__(self, port, key_hex, name="py", host="127.0.0.1", rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(20)
        self.sock.connect((host, port))
        self.psk = bytes.fromhex(key_hex)
        self.name = name.encode()
        self.buf = b""
        self.tx_seq = 0
        self.rx_seq = 0

    def _read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def handshake(self):
        client_hello = MAGIC + bytes([1]) + b"C" + os.urandom(32)
        self.sock.sendall(client_hello)
        server_hello = self._read_exact(40)
        assert server_hello[:6] == MAGIC and server_hello[7:8] == b"S", server_hello
        salt = client_hello[8:] + server_hello[8:]
        self.k_tx = hkdf(self.psk, salt, b"intact v1 client to server")
        self.k_rx = hkdf(self.psk, salt, b"intact v1 server to client")
        transcript = hashlib.sha256(client_hello + server_hello).digest()
        self.send_frame(T_CONFIRM, transcript + self.name)
        ftype, seq, payload = self.read_frame()
        assert ftype == T_CONFIRM and seq == 0 and payload[:32] == transcript, "server CONFIRM"
        self.peer_name = payload[32:].decode()
        return self

    def send_frame(self, ftype, payload):
        self.sock.sendall(seal(self.k_tx, ftype, self.tx_seq, payload))
        self.tx_seq += 1

    def send(self, text):
        self.send_frame(T_DATA, text.encode() if isinstance(text, str) else text)

    def read_frame(self):
        header = self._read_exact(13)
        ftype, seq, length = struct.unpack(">BQI", header)
        payload = self._read_exact(length)
        tag = self._read_exact(32)
        want = hmac.new(self.k_rx, header + payload, hashlib.sha256).digest()
        if not hmac.compare_digest(tag, want):
            raise ValueError("tag mismatch")
        if seq != self.rx_seq:
            raise ValueError(f"sequence {seq}, expected {self.rx_seq}")
        self.rx_seq += 1
        return ftype, seq, payload

    def read_until_close(self):
        """Reads frames up to the peer's CLOSE; returns (code name, text)."""
        while True:
            ftype, _, payload = self.read_frame()
            if ftype == T_CLOSE:
                return parse_close(payload)

    def close(self, code=0x00, text=""):
        try:
            self.send_frame(T_CLOSE, close_payload(code, text))
        except OSError:
            pass
        self.sock.close()


class V1Server(V1Client):
    """The server side of one v1 connection: listens on 127.0.0.1 port 0, accept() takes one
    client and does the handshake (ServerHello and CONFIRM as soon as the ClientHello is in)."""

    def __init__(self, key_hex, name="pyserver"):  # noqa: super().__init__ connects; this listens
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(20)
        self.port = self.listener.getsockname()[1]
        self.psk = bytes.fromhex(key_hex)
        self.name = name.encode()
        self.buf = b""
        self.tx_seq = 0
        self.rx_seq = 0

    def accept(self):
        self.sock, _ = self.listener.accept()
        self.sock.settimeout(20)
        client_hello = self._read_exact(40)
        assert client_hello[:7] == MAGIC + bytes([1]) and client_hello[7:8] == b"C", client_hello
        server_hello = MAGIC + bytes([1]) + b"S" + os.urandom(32)
        self.sock.sendall(server_hello)
        salt = client_hello[8:] + server_hello[8:]
        self.k_tx = hkdf(self.psk, salt, b"intact v1 server to client")
        self.k_rx = hkdf(self.psk, salt, b"intact v1 client to server")
        transcript = hashlib.sha256(client_hello + server_hello).digest()
        self.send_frame(T_CONFIRM, transcript + self.name)
        ftype, seq, payload = self.read_frame()
        assert ftype == T_CONFIRM and seq == 0 and payload[:32] == transcript, "client CONFIRM"
        self.peer_name = payload[32:].decode()
        return self

    def shut(self):
        for s in (getattr(self, "sock", None), self.listener):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass
