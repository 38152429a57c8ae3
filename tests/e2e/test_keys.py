"""Keys at the command line (README "Keys", docs/protocol.md "Passphrases" and "Offline
guessing"): a short v1 key is refused without --weak-key by every command that uses one, the
lab's key still works in the lab's format, a passphrase goes through Argon2id (its server's
CONFIRM does not verify under the plain key schedule of the passphrase), an --attack spec's key
is never echoed, and a process that loaded a key is not dumpable.
"""
import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import v1_peer  # noqa: E402
from intact_testlib import BIN, KEY, LAB_KEY, Proc, TestRunner, check, run  # noqa: E402

TMP = tempfile.mkdtemp(prefix="intact-keys-")

# Argon2id (t=2, m=64 MiB, p=1, 32 bytes, salt "intact-v1-pwhash") of "fox", from the reference
# implementation (Debian package argon2), not from libsodium:
#   echo -n fox | argon2 intact-v1-pwhash -id -t 2 -m 16 -p 1 -l 32 -r
FOX_ARGON2ID = "b09f4c42e8e059c27d8592bd20899b1a4bf474d406e8356607aed5ced639956d"


def key_file(name, content, mode=0o600):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(content)
    os.chmod(path, mode)
    return path


def err_text(r):
    return r.stderr.decode("utf-8", "replace")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_a_server_with_a_raw_four_byte_key_file_refuses_v1_without_weak_key():
    fox = key_file("wolf", b"wolf\n")  # four raw bytes (the trimmed line ending is not key)
    r = run(["server", "--port", "0", "--key-file", fox], timeout=60)
    err = err_text(r)
    check(r.returncode == 2, f"exit {r.returncode}, want 2: {err}")
    for hint in ("--weak-key", "intact keygen", "--passphrase-file", "offline", "4 bytes"):
        check(hint in err, f"'{hint}' not in: {err}")
    check("wolf" not in err.replace(fox, ""), f"the key is echoed: {err}")
    check("listening" not in err, "the server listened")

    # With --weak-key it is used as it is, and the warning names the risk.
    srv = Proc(["server", "--port", "0", "--key-file", fox, "--weak-key", "--name", "srv"])
    port = srv.port(timeout=60)
    check(any("offline" in l and "--weak-key" in l for l in srv.err_lines), f"no warning: {srv.err_lines}")
    c = Proc(["client", "--port", str(port), "--key-file", fox, "--weak-key", "--name", "alice"])
    c.send("hello over a weak key\n")
    srv.wait_for(r"^alice: hello over a weak key$", "out", timeout=60)
    c.close_stdin()
    c.wait(timeout=60)
    srv.stop()


def test_the_lab_key_works_in_the_lab_format_and_in_v1_only_with_weak_key():
    r = run(["server", "--port", "0", "--key", LAB_KEY], timeout=60)
    check(r.returncode == 2 and "--weak-key" in err_text(r), f"v1 took the lab key: {err_text(r)}")
    check(LAB_KEY.lower() not in err_text(r).lower(), "the key is echoed")
    for extra in (["--legacy"], ["--weak-key"]):
        srv = Proc(["server", "--port", "0", "--key", LAB_KEY] + extra)
        srv.port(timeout=60)
        check(srv.p.poll() is None, f"server {extra} did not start")
        srv.stop()
    r = run(["mac", "--key", LAB_KEY, "NMP-B19DCAT141 server send"], timeout=60)
    check(r.returncode == 0, f"mac (the lab's hash) refused the lab key: {err_text(r)}")


def test_every_command_that_speaks_v1_refuses_a_short_key_in_one_place():
    port = str(free_port())
    capture = key_file("empty.pcap", b"")
    commands = {
        "client": ["client", "--port", port],
        "listen": ["listen", "--port", "0"],
        "connect": ["connect", "127.0.0.1", port],
        "verify": ["verify", capture],
        "verify --v1": ["verify", "--v1", capture],
    }
    for what, args in commands.items():
        r = run(args + ["--key", LAB_KEY], timeout=60)
        err = err_text(r)
        check(r.returncode == 2, f"{what}: exit {r.returncode}, want 2: {err}")
        check("--weak-key" in err and "11 bytes" in err, f"{what}: {err}")
    # In the lab's format the same key passes the key check (and fails later, on the empty file).
    r = run(["verify", "--legacy", "--key", LAB_KEY, capture], timeout=60)
    check("--weak-key" not in err_text(r), f"verify --legacy refused the lab key: {err_text(r)}")


def test_a_passphrase_goes_through_argon2id_not_the_plain_key_schedule():
    passphrase = b"fox"
    pfile = key_file("passphrase", passphrase + b"\n")
    srv = Proc(["server", "--port", "0", "--passphrase-file", pfile, "--name", "srv"])
    port = srv.port(timeout=120)
    check(not any("warning" in l for l in srv.err_lines), f"a passphrase warned: {srv.err_lines}")

    # A peer using the passphrase's bytes as the PSK: the server's CONFIRM does not verify under
    # the keys HKDF gives from them.
    plain = v1_peer.V1Client(port, passphrase.hex(), name="plain")
    try:
        plain.handshake()
        check(False, "the server's CONFIRM verified under the plain passphrase")
    except ValueError as e:  # not a closed connection: the CONFIRM itself must fail to verify
        check("tag mismatch" in str(e), f"{e!r}")
    finally:
        plain.sock.close()

    # Under the documented derivation (computed by another implementation) it verifies.
    derived = v1_peer.V1Client(port, FOX_ARGON2ID, name="derived").handshake()
    check(derived.peer_name == "srv", f"peer name {derived.peer_name!r}")
    derived.close()

    # And intact's own client, given the same passphrase file, talks to it.
    c = Proc(["client", "--port", str(port), "--passphrase-file", pfile, "--name", "alice"])
    c.send("hello under a passphrase\n")
    srv.wait_for(r"^alice: hello under a passphrase$", "out", timeout=120)
    c.close_stdin()
    check(c.wait(timeout=60) == 0, f"client: {c.err_lines}")
    srv.stop()


def test_key_files_are_refused_by_type_and_shape_in_one_line():
    cases = [
        ("/proc/self/environ", "/proc"),
        ("/proc/self/pagemap", "/proc"),
        ("/dev/null", "character device"),
        (key_file("bom", b"\xef\xbb\xbf" + KEY.encode() + b"\n"), "byte-order mark"),
        (key_file("0x", b"0x" + KEY.encode() + b"\n"), "0x"),
        (key_file("spaced", KEY[:32].encode() + b" " + KEY[32:].encode() + b"\n"), "white space"),
        (key_file("big", b"k" * 8195), "8194"),
    ]
    for path, hint in cases:
        r = run(["mac", "--key-file", path, "x"], timeout=60)
        err = err_text(r).strip()
        check(r.returncode == 2, f"{path}: exit {r.returncode}: {err}")
        check(hint in err and path in err, f"{path}: '{hint}' not in: {err}")
        check(len(err.splitlines()) <= 2, f"{path}: not a short error: {err}")
        check("basic_filebuf" not in err and "terminate" not in err, f"{path}: {err}")
    # fox\n and fox are the same key; ABCD...\n and ABCD... too.
    tags = {name: run(["mac", "--key-file", key_file(name, content), "x"]).stdout
            for name, content in [("a", b"fox"), ("b", b"fox\n"), ("c", b"fox\r\n")]}
    check(len(set(tags.values())) == 1 and tags["a"], f"fox / fox\\n differ: {tags}")


def test_an_attack_spec_never_echoes_its_key():
    key = "0BADC0DEFACE0BADC0DE"
    specs = [
        "replace:c2s:1:retag=" + key,           # no text=
        "flip:c2s:1:retag=" + key,              # retag= does not apply to flip
        "replace:c2s:1:RETAG=" + key + ":text=a",
        "replace:c2s:1:retag:" + key + ":text=a",
        "replace:c2s:1:retag" + key + ":text=a",
    ]
    for spec in specs:
        r = run(["proxy", "--listen", "0", "--to", "127.0.0.1:9", "--attack", spec], timeout=60)
        err = err_text(r)
        check(r.returncode == 2, f"{spec}: exit {r.returncode}: {err}")
        check(key.lower() not in err.lower() and key[:8].lower() not in err.lower(),
              f"{spec}: the key is echoed: {err}")


def test_a_process_that_loaded_a_key_is_not_dumpable():
    # A process that is not dumpable has its /proc/PID files owned by root (proc(5)); a dumpable
    # one, by its own user. As root, run both as nobody so that the owner tells them apart.
    uid = 65534 if os.geteuid() == 0 else os.geteuid()
    pfile = key_file("long", KEY.encode() + b"\n")
    os.chmod(TMP, 0o755)
    if uid != os.geteuid():
        os.chown(pfile, uid, -1)

    def start(args):
        return subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, user=uid if uid != os.geteuid() else None)

    control = start(["sleep", "60"])
    srv = start([BIN, "server", "--port", "0", "--key-file", pfile])
    try:
        line = srv.stderr.readline().decode()  # "intact: listening on ..." once the key is loaded
        check("listening" in line, f"server: {line!r}")
        check(os.stat(f"/proc/{control.pid}/status").st_uid == uid, "control: dumpable as it should be")
        check(os.stat(f"/proc/{srv.pid}/status").st_uid == 0, "the server is dumpable")
    finally:
        for p in (control, srv):
            p.kill()
            p.wait(timeout=30)


def test_the_help_states_the_key_file_rule():
    r = run(["server", "--help"])
    text = r.stdout.decode()
    for words in ("--passphrase-file", "--weak-key", "8,194", "one line ending", "0x", "byte-order mark"):
        check(words in text, f"'{words}' not in server --help")


if __name__ == "__main__":
    TestRunner(globals()).main()
