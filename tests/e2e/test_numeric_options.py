"""Every numeric option of every command is read by one strict parser (src/cli/options.hpp).

A table of options: each is given negative, zero, overflowing, non-numeric, past-the-bound
and (durations) unit-less and wrong-unit values; each refused value exits 2 with a message
naming the option and its allowed range, before anything runs. The bounds themselves are
accepted: each command is run with all its minimums, then all its maximums, and gets past
the parse to fail later for another reason (an address that cannot be bound, a closed port,
no dumpcap), or succeeds. `--bind ""` is refused; the minimum --queue-limit holds a welcome.
"""
import concurrent.futures
import os
import re
import socket

from intact_testlib import KEY, Proc, TestRunner, check, run

# An address no interface of this machine has (TEST-NET-1): listening on it fails at once.
NOWHERE = "192.0.2.1"
U64_MAX = "18446744073709551615"
HUGE = "99999999999999999999999"


def closed_port():
    """A port on 127.0.0.1 where nothing listens (bound, never listening: connections get RST)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    _HELD.append(s)
    return s.getsockname()[1]


_HELD = []

# (command line before the option, option, kind, min, max): kind "n" is a whole number,
# "d" a duration (min and max as --help writes them). The command line is otherwise valid.
SERVER = ["server", "--key", KEY, "--bind", NOWHERE]
CLIENT = ["client", "--key", KEY]
LISTEN = ["listen", "--key", KEY, "--bind", NOWHERE, "--port", "0"]
LISTEN_NO_PORT = LISTEN[:-2]
CONNECT = ["connect", "--key", KEY, "127.0.0.1", "1"]
TABLE = [
    (SERVER, "--port", "n", "0", "65535"),
    (SERVER, "--legacy-port", "n", "0", "65535"),
    (SERVER, "--max-clients", "n", "1", "1000000"),
    (SERVER, "--queue-limit", "n", "65536", "1073741824"),
    (SERVER, "--handshake-timeout", "d", "1ms", "1h"),
    (SERVER, "--idle-timeout", "d", "0", "24h"),
    (SERVER, "--lab-pace", "d", "0", "1m"),
    (SERVER, "--frame-timeout", "d", "0", "1h"),
    (SERVER, "--max-per-address", "n", "1", "1000000"),
    (SERVER, "--max-rate", "n", "0", "1000000"),
    (SERVER, "--max-burst", "n", "1", "1000000"),
    (CLIENT, "--port", "n", "1", "65535"),
    (CLIENT, "--linger", "d", "0", "10m"),
    (CLIENT, "--handshake-timeout", "d", "1ms", "1h"),
    (CLIENT, "--lab-pace", "d", "0", "1m"),
    (LISTEN_NO_PORT, "--port", "n", "0", "65535"),
    (LISTEN, "--frame-size", "n", "1", "1048576"),
    (LISTEN, "--handshake-timeout", "d", "1ms", "1h"),
    (CONNECT, "--frame-size", "n", "1", "1048576"),
    (CONNECT, "--handshake-timeout", "d", "1ms", "1h"),
    (CONNECT, "--wait", "d", "1ms", "1h"),
    (["attack-matrix"], "--campaign", "n", "1", "100000000"),
    (["attack-matrix", "--campaign", "1"], "--seed", "n", "0", U64_MAX),
    (["attack-matrix"], "--timeout", "d", "1ms", "1h"),
    (["capture"], "--port", "n", "1", "65535"),
    (["capture"], "--count", "n", "1", "1000000000"),
    (["capture"], "--duration", "d", "1s", "24h"),
    (["verify", "--key", KEY, "x.pcap"], "--port", "n", "1", "65535"),
    (["keygen"], "--bytes", "n", "16", "64"),
]

UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}


def ms_of(text):
    if text == "0":
        return 0
    m = re.fullmatch(r"(\d+)(ms|s|m|h)", text)
    return int(m.group(1)) * UNIT_MS[m.group(2)]


def refused_values(kind, lo, hi):
    """The values an option of this kind and range must refuse (the finer cases of the
    grammar, "0x10", " 5", "1.", are in tests/cli/numeric_options_test.cpp)."""
    if kind == "n":
        values = ["-1", HUGE, "abc", str(int(hi) + 1)]
        if int(lo) > 0:
            values += ["0"]
        return values
    values = ["-1s", HUGE, "abc", f"{ms_of(hi) + 1}ms"]
    # Unit-less is seconds: the maximum in seconds plus one is refused (in milliseconds it would pass).
    values.append(str(ms_of(hi) // 1000 + 1))
    if ms_of(lo) > 0:
        values += ["0"]
    return values


# The other shapes of a bad value, each on one option of each kind: a sign, a fraction, an
# empty value, a unit that does not exist, one under the minimum, the value that was once cut
# to about a second (4294968296 ms by a cast to int).
SHAPES = [(SERVER, "--queue-limit", "n", "65536", "1073741824", v) for v in ("+1", "1.5", "", "65535", "4MiB")] + [
    (CONNECT, "--handshake-timeout", "d", "1ms", "1h", v) for v in ("+1s", "1d", "", "1 s", "4294968296ms")] + [
    (["capture"], "--duration", "d", "1s", "24h", "999ms")]


def option_run(args):
    return run(args, timeout=60, env={"PATH": "/nonexistent"} if args[0] == "capture" else None)


def test_every_numeric_option_refuses_what_is_outside_its_range_with_exit_2_naming_the_range():
    cases = []
    for before, option, kind, lo, hi in TABLE:
        for value in refused_values(kind, lo, hi):
            cases.append((before, option, kind, lo, hi, value))
    cases += SHAPES
    what = {"n": "a whole number", "d": "a duration"}
    # "--opt=-1" keeps a leading '-' a value; an empty value is its own argument ("--opt=" is
    # CLI11's "value missing").
    def args(c):
        return c[0] + ([f"{c[1]}={c[5]}"] if c[5] else [c[1], ""])
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda c: option_run(args(c)), cases))
    failures = []
    for (before, option, kind, lo, hi, value), r in zip(cases, results):
        err = r.stderr.decode(errors="replace")
        want = f"{option} must be {what[kind]} between {lo} and {hi}"
        if r.returncode != 2 or want not in err or f"not '{value}'" not in err:
            failures.append(f"intact {before[0]} {option}={value!r}: exit {r.returncode}, stderr {err!r}")
    check(not failures, f"{len(failures)} of {len(cases)} refused values were not a usage error naming the "
                        "range:\n" + "\n".join(failures[:20]))


def test_a_value_given_as_the_next_argument_is_read_the_same_way():
    # "--max-clients -1" (not only "--max-clients=-1"): CLI11 once read it as 2^64-1.
    for args, option in ((SERVER + ["--max-clients", "-1"], "--max-clients"),
                         (SERVER + ["--queue-limit", "-1"], "--queue-limit"),
                         (SERVER + ["--max-clients", HUGE], "--max-clients"),
                         (["attack-matrix", "--campaign", "-1"], "--campaign"),
                         (CONNECT[:-1] + ["--", "-1"], "PORT"),
                         (CONNECT[:-1] + ["0"], "PORT"),
                         (CONNECT[:-1] + ["65536"], "PORT"),
                         (CONNECT + ["-w", "0"], "--wait"),
                         (["listen", "--key", KEY, "--port", "0", "--handshake-timeout", "0"], "--handshake-timeout"),
                         (["connect", "--key", KEY, "--handshake-timeout", "0", "127.0.0.1", "1"], "--handshake-timeout")):
        r = run(args, timeout=30)
        err = r.stderr.decode(errors="replace")
        check(r.returncode == 2 and f"{option} must be" in err and "between" in err,
              f"{args}: exit {r.returncode}, stderr {err!r}")


def test_the_ports_of_the_proxy_are_read_the_same_way():
    for listen, to, option, lo in ((f"{NOWHERE}:-1", "127.0.0.1:1", "--listen's PORT", "0"),
                                   ("65536", "127.0.0.1:1", "--listen's PORT", "0"),
                                   ("127.0.0.1:", "127.0.0.1:1", "--listen's PORT", "0"),
                                   ("0", "127.0.0.1:0", "--to's PORT", "1"),
                                   ("0", f"127.0.0.1:{HUGE}", "--to's PORT", "1"),
                                   ("0", "127.0.0.1:80x", "--to's PORT", "1")):
        r = run(["proxy", "--listen", listen, "--to", to], timeout=30)
        err = r.stderr.decode(errors="replace")
        check(r.returncode == 2 and f"{option} must be a whole number between {lo} and 65535" in err,
              f"proxy --listen {listen} --to {to}: exit {r.returncode}, stderr {err!r}")


def boundary_runs(bound):
    """Each command with every numeric option at its minimum (bound 0) or maximum (bound 1),
    and what shows it got past the parse: (args, expected exit code, stderr pattern, env)."""
    lo = bound == 0
    pick = (lambda a, b: a if lo else b)
    port = closed_port()
    return [
        (SERVER + ["--port", pick("0", "65535"), "--legacy-port", pick("0", "65534"),
                   "--max-clients", pick("1", "1000000"), "--queue-limit", pick("65536", "1073741824"),
                   "--handshake-timeout", pick("1ms", "1h"), "--idle-timeout", pick("0", "24h"),
                   "--lab-pace", pick("0", "1m"), "--frame-timeout", pick("0", "1h"),
                   "--max-per-address", pick("1", "1000000"), "--max-rate", pick("0", "1000000"),
                   "--max-burst", pick("1", "1000000")], 1, r"cannot listen", None),
        (CLIENT + ["--port", str(port), "--linger", pick("0", "10m"), "--handshake-timeout", pick("1ms", "1h"),
                   "--lab-pace", pick("0", "1m")], 1, r"cannot connect", None),
        (CLIENT + ["--port", pick("1", "65535")], 1, r"cannot connect", None),
        (["listen", "--key", KEY, "--bind", NOWHERE, "--port", pick("0", "65535"),
          "--frame-size", pick("1", "1048576"), "--handshake-timeout", pick("1ms", "1h")], 1, r"cannot listen", None),
        (["connect", "--key", KEY, "--frame-size", pick("1", "1048576"), "--handshake-timeout", pick("1ms", "1h"),
          "-w", pick("1ms", "1h"), "127.0.0.1", str(port)], 1, r"cannot connect", None),
        (["connect", "--key", KEY, "127.0.0.1", pick("1", "65535")], 1, r"cannot connect", None),
        (["attack-matrix", "--campaign", "1", "--seed", pick("0", U64_MAX), "--timeout", pick("1ms", "1h")],
         0, r"", None),
        (["capture", "--port", pick("1", "65535"), "--count", pick("1", "1000000000"),
          "--duration", pick("1s", "24h")], 1, r"neither dumpcap nor tshark", {"PATH": "/nonexistent"}),
        (["verify", "--key", KEY, "--port", pick("1", "65535"), "/nonexistent/x.pcap"], 1, r"x\.pcap", None),
        (["proxy", "--listen", f"{NOWHERE}:" + pick("0", "65535"), "--to", "127.0.0.1:" + pick("1", "65535")],
         1, r"cannot listen", None),
    ]


def check_boundary_runs(bound):
    for args, code, pattern, env in boundary_runs(bound):
        r = run(args, timeout=60, env=env)
        err = r.stderr.decode(errors="replace")
        check(r.returncode == code and re.search(pattern, err) and " must be " not in err,
              f"intact {' '.join(args)}: exit {r.returncode} (expected {code}, /{pattern}/), stderr {err!r}")


def test_every_minimum_is_accepted():
    check_boundary_runs(0)


def test_every_maximum_is_accepted():
    check_boundary_runs(1)


def test_the_largest_campaign_is_accepted_by_the_parse():
    # 10^8 mutations take hours: show that the parse takes the value by the option after it,
    # whose refusal is then the only message (options are read in the order declared).
    r = run(["attack-matrix", "--campaign", "100000000", "--timeout", "0"], timeout=30)
    err = r.stderr.decode(errors="replace")
    check(r.returncode == 2 and "--timeout must be" in err and "--campaign" not in err,
          f"exit {r.returncode}, stderr {err!r}")


def test_the_seed_and_key_size_bounds_take_effect():
    r = run(["attack-matrix", "--campaign", "1", "--seed", U64_MAX, "--json"], timeout=60)
    check(r.returncode == 0 and U64_MAX.encode() in r.stdout, f"exit {r.returncode}: {r.stdout[-300:]!r}")
    for n in ("16", "64"):
        r = run(["keygen", "--bytes", n])
        key = r.stdout.decode().strip()
        check(r.returncode == 0 and re.fullmatch(r"[0-9A-F]+", key) and len(key) == 2 * int(n),
              f"keygen --bytes {n}: exit {r.returncode}, {key!r}")


def test_a_unit_less_duration_is_seconds():
    # 3600 (bare) is the maximum of --handshake-timeout, 1h; 3601 is over it: seconds, not ms.
    check(run(CLIENT + ["--port", str(closed_port()), "--handshake-timeout", "3600"]).returncode == 1,
          "--handshake-timeout 3600 (1h) is accepted")
    r = run(CLIENT + ["--port", "1", "--handshake-timeout", "3601"])
    check(r.returncode == 2 and b"not '3601'" in r.stderr, f"3601 is over 1h: {r.stderr!r}")
    check(run(CLIENT + ["--port", str(closed_port()), "--handshake-timeout", "1.5"]).returncode == 1,
          "a fraction of a second is a duration")


def test_an_empty_bind_is_refused_by_server_and_listen():
    for args in (["server", "--key", KEY, "--port", "0", "--bind", ""],
                 ["listen", "--key", KEY, "--port", "0", "--bind", ""],
                 ["listen", "--key", KEY, "--port", "0", "-b", ""]):
        r = run(args, timeout=30)
        err = r.stderr.decode(errors="replace")
        check(r.returncode == 2 and "--bind" in err and "empty address" in err,
              f"{args}: exit {r.returncode}, stderr {err!r}")


def test_every_numeric_option_states_its_range_in_its_help():
    helps = {}
    for before, option, kind, lo, hi in TABLE:
        if before[0] not in helps:
            r = run([before[0], "--help"], env={"NO_COLOR": "1", "COLUMNS": "200"})
            helps[before[0]] = " ".join(r.stdout.decode().split())
        text = helps[before[0]]
        m = re.search(rf"{re.escape(option)}[ =]", text)
        check(m and f"({lo}..{hi})" in text[m.end():m.end() + 400],
              f"intact {before[0]} --help does not state ({lo}..{hi}) for {option}:\n{text}")


def test_the_smallest_queue_limit_holds_the_handshake_and_the_welcome():
    srv = Proc(["server", "--port", "0", "--key", KEY, "--queue-limit", "65536", "--max-clients", "1"])
    port = srv.port()
    cli = Proc(["client", "--port", str(port), "--key", KEY, "--name", "alice"])
    cli.wait_for(r"welcome, alice", "any", timeout=60)
    cli.send("hello at the smallest bound\n")
    srv.wait_for(r"alice: hello at the smallest bound", "out", timeout=60)
    cli.close_stdin()
    check(cli.wait(60) == 0, f"the client exits 0: {cli.err_lines[-5:]}")
    check(not any("too slow" in line for line in srv.err_lines), f"nobody was dropped: {srv.err_lines}")
    srv.stop()


if __name__ == "__main__":
    try:
        TestRunner(globals()).main()
    finally:
        for s in _HELD:
            s.close()
