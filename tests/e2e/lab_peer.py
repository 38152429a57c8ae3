"""An independent implementation of the lab's programs, with Python's socket and hmac.

Faithful to the lab (see shared docs/seed-lab.md): the key is hex text converted to bytes;
each message is sent as `text|HMAC-hex-UPPER` with one sendall; the receiver does one
recv(1024) per message and splits at '|'. Used as the oracle for intact's --legacy mode.

With faithful=True the receiver is the lab's reader thread exactly: it also sleeps 0.2 s after
each message (the lab's `sleep(0.2)`), and a read it cannot split (two messages in one recv:
"too many values to unpack") ends it as it ends the lab's program; `crash` keeps that error.
"""
import hashlib
import hmac
import socket
import threading
import time

LAB_READ_SLEEP = 0.2  # the lab's reader sleeps this long after each message

LAB_LOST = "The received message has lost its integrity"


def tag(key_hex, text):
    return hmac.new(bytes.fromhex(key_hex), text.encode("utf-8"), hashlib.sha256).hexdigest().upper()


def encode(key_hex, text):
    return (text + "|" + tag(key_hex, text)).encode("utf-8")


class LabEndpoint:
    """One side of a lab conversation over a connected socket; a thread collects what arrives."""

    def __init__(self, sock, key_hex, faithful=False):
        self.sock = sock
        self.key_hex = key_hex
        self.faithful = faithful
        self.received = []  # (text, verified) per recv
        self.crash = None  # the exception that ended the reader, as it would end the lab's program
        self.closed = threading.Event()
        self._t = threading.Thread(target=self._receive, daemon=True)
        self._t.start()

    def _receive(self):
        try:
            while True:
                data = self.sock.recv(1024)
                if not data:
                    break
                message, received_hmac = data.decode("utf-8").split("|")
                ok = hmac.compare_digest(tag(self.key_hex, message), received_hmac.upper())
                self.received.append((message, ok))
                if self.faithful:
                    time.sleep(LAB_READ_SLEEP)
        except ValueError as e:  # the lab's program dies of it (a traceback, the thread ends)
            self.crash = e
        except OSError:
            pass
        finally:
            self.closed.set()

    def send(self, text):
        self.sock.sendall(encode(self.key_hex, text))

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def lab_client(port, key_hex, host="127.0.0.1", faithful=False):
    s = socket.create_connection((host, port), timeout=10)
    s.settimeout(None)
    return LabEndpoint(s, key_hex, faithful)


class LabServer:
    """The lab's server: accepts one client and talks to it."""

    def __init__(self, key_hex, faithful=False):
        self.key_hex = key_hex
        self.faithful = faithful
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(20)
        self.port = self.listener.getsockname()[1]
        self.peer = None

    def accept(self):
        conn, addr = self.listener.accept()
        conn.settimeout(None)
        self.peer = LabEndpoint(conn, self.key_hex, self.faithful)
        return self.peer

    def close(self):
        if self.peer:
            self.peer.close()
        self.listener.close()
