"""Shared helpers for intact's end-to-end tests (Python standard library only).

Each test script starts the real binary ($INTACT_BIN) on 127.0.0.1 with port 0,
reads the port it prints, and cleans up every process it started, even on failure.
Every wait is bounded.
"""
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time

BIN = os.environ.get("INTACT_BIN", os.path.join(os.path.dirname(__file__), "../../build/intact"))
SOURCE_DIR = os.environ.get("INTACT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
LAB_KEY = "5D2E44719232EA78CD2B32"
KEY = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"
OTHER_KEY = "FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA99887766554433221100"
LOST = "The received message has lost its integrity."

_procs = []


def lost(lines):
    """How many lines report a lost integrity: the lab's sentence alone (a client), or after
    the sender's name in a room ("alice: The received message has lost its integrity.")."""
    return sum(1 for line in lines if line == LOST or line.endswith(": " + LOST))


class Proc:
    """A running intact process whose stdout and stderr lines are collected by threads."""

    def __init__(self, args, stdin=subprocess.PIPE, env=None, binary=True):
        full_env = dict(os.environ)
        full_env.setdefault("NO_COLOR", "1")
        if env:
            full_env.update(env)
        cmd = [BIN] + list(args) if binary else list(args)
        self.p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=full_env)
        self.out_lines, self.err_lines = [], []
        self._out_q, self._err_q = queue.Queue(), queue.Queue()
        self._threads = [
            threading.Thread(target=self._pump, args=(self.p.stdout, self.out_lines, self._out_q), daemon=True),
            threading.Thread(target=self._pump, args=(self.p.stderr, self.err_lines, self._err_q), daemon=True),
        ]
        for t in self._threads:
            t.start()
        _procs.append(self)

    @staticmethod
    def _pump(stream, lines, q):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            lines.append(line)
            q.put(line)
        q.put(None)

    def send(self, text):
        """Writes to the process's stdin; a process that already exited is not an error here
        (tests assert on its exit code and output instead)."""
        try:
            self.p.stdin.write(text.encode() if isinstance(text, str) else text)
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def close_stdin(self):
        try:
            self.p.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def wait_for(self, pattern, stream="any", timeout=20):
        """Waits until a line matching the regex appears; returns the match."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        while time.time() < deadline:
            pools = []
            if stream in ("any", "out"):
                pools.append(self.out_lines)
            if stream in ("any", "err"):
                pools.append(self.err_lines)
            for pool in pools:
                for line in list(pool):
                    m = rx.search(line)
                    if m:
                        return m
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for /{pattern}/ in {stream}\n"
                             f"stdout: {self.out_lines[-20:]}\nstderr: {self.err_lines[-20:]}")

    def port(self, timeout=20):
        # "intact: listening on ADDR:PORT" on stderr, or with --json a "listening" event.
        m = self.wait_for(r"listening on .*:(\d+)|\"event\":\"listening\".*\"port\":(\d+)", "any", timeout)
        return int(m.group(1) or m.group(2))

    def wait(self, timeout=30):
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"process did not exit within {timeout}s\n"
                                 f"stdout: {self.out_lines[-20:]}\nstderr: {self.err_lines[-20:]}")
        for t in self._threads:
            t.join(timeout=5)
        return rc

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        for t in self._threads:
            t.join(timeout=5)
        return self.p.returncode


def cleanup():
    for pr in _procs:
        if pr.p.poll() is None:
            pr.p.kill()
            try:
                pr.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def run(args, input=None, timeout=30, env=None):
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run([BIN] + list(args), input=input, capture_output=True, timeout=timeout,
                          env=full_env)


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def wait_until(cond, what, timeout=15):
    """Polls cond() until it is true; fails naming `what` after `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class TestRunner:
    """Runs the test_* functions of a module in order, prints 'N passed, N failed'."""

    def __init__(self, module_globals):
        self.tests = [(n, f) for n, f in module_globals.items() if n.startswith("test_") and callable(f)]

    def main(self):
        only = sys.argv[1:]
        passed = failed = 0
        for name, fn in self.tests:
            if only and name not in only:
                continue
            start = time.time()
            try:
                fn()
                passed += 1
                print(f"PASS {name} ({time.time() - start:.1f}s)", flush=True)
            except Exception as e:  # noqa: BLE001 - report every failure and go on
                failed += 1
                print(f"FAIL {name}: {e}", flush=True)
            finally:
                cleanup()
        print(f"{passed} passed, {failed} failed")
        sys.exit(1 if failed or passed == 0 else 0)
