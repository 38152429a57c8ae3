"""The command line as users meet it (issue 10): a command line intact refuses is reported
like every other failure, on one line "intact: ...", then "intact: hint: ...", exit 2; an
unknown command is named and the commands listed."""
import hashlib
import hmac
import os
import glob
import re
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from intact_testlib import KEY, LAB_KEY, SOURCE_DIR, Proc, TestRunner, check, run  # noqa: E402

USAGE = 2


def commands():
    """The command names `intact --help` lists."""
    r = run(["--help"], env={"NO_COLOR": "1"})
    check(r.returncode == 0, f"intact --help exits 0, got {r.returncode}")
    section = r.stdout.decode().split("Subcommands:", 1)[1]
    names = re.findall(r"^  (\S+)\s", section, re.M)
    check("client" in names and "mac" in names, f"intact --help lists the commands: {names}")
    return names


def err_lines(r):
    return r.stderr.decode().splitlines()


def expect_usage(args, what, hint):
    """intact ARGS exits 2 with exactly two lines on stderr: the error matching `what`
    and a hint matching `hint`, both prefixed `intact: `, and nothing on stdout."""
    r = run(args)
    lines = err_lines(r)
    check(r.returncode == USAGE, f"intact {' '.join(args)} exits {USAGE}, got {r.returncode}: {lines}")
    check(r.stdout == b"", f"intact {' '.join(args)} writes nothing to stdout: {r.stdout!r}")
    check(len(lines) == 2, f"intact {' '.join(args)} writes two lines to stderr: {lines}")
    check(lines[0].startswith("intact: ") and re.search(what, lines[0]),
          f"intact {' '.join(args)}: error line matches {what!r}: {lines[0]!r}")
    check(lines[1].startswith("intact: hint: ") and re.search(hint, lines[1]),
          f"intact {' '.join(args)}: hint line matches {hint!r}: {lines[1]!r}")
    return lines


def test_an_unknown_command_is_named_and_the_commands_listed():
    names = commands()
    lines = expect_usage(["bogus"], r"^intact: unknown command 'bogus'", r"intact --help")
    listed = lines[0].split("the commands are: ", 1)[-1].split(", ")
    check(listed == names, f"the error lists the commands of --help: {listed} vs {names}")
    check("required" not in lines[0], f"not 'a subcommand is required': {lines[0]}")
    # an unknown command after an option of the top level, and one that looks like a typo
    expect_usage(["clinet", "--key", KEY], r"^intact: unknown command 'clinet'; the commands are: ",
                 r"intact --help")


def test_no_command_says_one_is_required_and_lists_them():
    lines = expect_usage([], r"^intact: a command is required; the commands are: server, client, ", r"intact --help")
    check("_manpage" not in lines[0], f"hidden commands are not listed: {lines[0]}")


def test_an_unknown_option_of_the_top_level_is_one_line():
    expect_usage(["--bogus"], r"^intact: unknown option '--bogus'.*; the commands are: server, client, ",
                 r"intact --help")
    expect_usage(["--bogus", "mac"], r"^intact: .*--bogus", r"--help")
    expect_usage(["--key", KEY], r"^intact: unknown option '--key' before the command", r"intact --help")


def test_a_subcommand_parse_error_names_the_command_and_its_help():
    expect_usage(["mac", "--bogus", "--key", KEY, "x"],
                 r"^intact: mac: the following argument was not expected: --bogus$",
                 r"^intact: hint: run 'intact mac --help' for its options$")
    expect_usage(["server", "--port"], r"^intact: server: .*--port", r"'intact server --help'")
    expect_usage(["mac", "--key", KEY, "a", "b"], r"^intact: mac: .*\bb\b", r"'intact mac --help'")


def test_a_key_that_cannot_be_used_exits_2_whatever_is_wrong_with_it():
    with tempfile.TemporaryDirectory() as d:
        empty = os.path.join(d, "empty")
        odd = os.path.join(d, "odd")
        good = os.path.join(d, "good")
        for path, text in ((empty, ""), (odd, KEY[1:] + "\n"), (good, KEY + "\n")):
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o600)
        cases = [("a missing file", "/nonexistent", "/nonexistent"), ("a directory", d, d),
                 ("an empty file", empty, empty), ("an odd hex file", odd, odd),
                 ("a path under a file", good + "/key", good)]
        for what, path, named in cases:
            for sub in (["mac"], ["server", "--port", "0"], ["connect", "127.0.0.1", "1"]):
                r = run(sub + ["--key-file", path], input=b"x\n")
                lines = err_lines(r)
                check(r.returncode == USAGE, f"{what}: intact {sub[0]} exits {USAGE}, got {r.returncode}: {lines}")
                check(lines and lines[0].startswith("intact: ") and named in lines[0],
                      f"{what}: intact {sub[0]} names the file: {lines}")
                check(r.stdout == b"", f"{what}: intact {sub[0]} prints no tag: {r.stdout!r}")
        # the good file works: the failures above are the files', not the command line's
        r = run(["mac", "--key-file", good, "x"])
        check(r.returncode == 0 and len(r.stdout.strip()) == 64, f"a good key file works: {r.stderr!r}")
    for text in ("", "zz", KEY[1:]):
        r = run(["mac", "--key", text, "x"])
        check(r.returncode == USAGE, f"--key {text!r} exits {USAGE}, got {r.returncode}")


def lab_tag(key_hex, message):
    """The lab's hash: HMAC-SHA256 of the UTF-8 bytes, 64 upper-case hex digits."""
    return hmac.new(bytes.fromhex(key_hex), message, hashlib.sha256).hexdigest().upper()


def lab_hash_module(key_hex, stdin):
    """The lab's hash module run on its own: it reads the message with input()."""
    prog = ("import hashlib, hmac, sys\n"
            "m = input()\n"
            "print(hmac.new(bytes.fromhex(sys.argv[1]), m.encode(), hashlib.sha256).hexdigest().upper())\n")
    r = subprocess.run([sys.executable, "-c", prog, key_hex], input=stdin, capture_output=True, timeout=30)
    check(r.returncode == 0, f"the lab's module runs: {r.stderr!r}")
    return r.stdout.decode().strip()


def mac(args, stdin):
    r = run(["mac", *args], input=stdin)
    check(r.returncode == 0, f"intact mac {args} with {stdin!r} exits 0, got {r.returncode}: {r.stderr!r}")
    return r.stdout.decode().strip()


def test_echo_text_into_mac_gives_the_tag_of_text_as_the_labs_input_reads_it():
    # the lab's Wireshark vector, through a pipe as `echo` writes it
    check(mac(["--key", LAB_KEY], b"NMP-B19DCAT141 server send\n")
          == "3F9A2961157A24D60475383AC498ADB92D2519844317F2BC1A746CBB59C7DD60", "the lab's vector from echo")
    for key, stdin in [(LAB_KEY, b"NMP-B19DCAT141 server send\n"), ("5D2A7139232AD22B23", b"PYTHON | language\n"),
                       (KEY, "h\u00e9llo w\u00f6rld \u2713\n".encode()), (KEY, b"\n"),
                       (KEY, b"no newline at the end"), (KEY, b"a CRLF line\r\n"), (KEY, b"  spaces kept  \n")]:
        got = mac(["--key", key], stdin)
        check(got == lab_hash_module(key, stdin), f"intact mac and the lab's input() agree on {stdin!r}: {got}")
        line = stdin[:-1] if stdin.endswith(b"\n") else stdin
        check(got == lab_tag(key, line), f"{stdin!r}: the tag of the line without its newline")
        check(got == mac(["--key", key, line.decode()], b""), f"{stdin!r}: the same tag as TEXT on the command line")
    check(mac(["--key", KEY], b"x\r\n") == lab_tag(KEY, b"x\r"), "input() keeps a \\r before the newline")


def test_exact_tags_standard_input_byte_for_byte():
    for stdin in (b"TEXT\n", b"TEXT", b"two\nlines\n", b"", b"\r\n\x00\xff"):
        check(mac(["--exact", "--key", KEY], stdin) == lab_tag(KEY, stdin), f"--exact tags {stdin!r} as is")
    check(mac(["--exact", "--key", KEY], b"TEXT\n") != mac(["--key", KEY], b"TEXT\n"),
          "--exact hashes the newline; the default does not")
    r = run(["mac", "--help"])
    check(b"--exact" in r.stdout, "intact mac --help states --exact")


def test_mac_refuses_standard_input_it_would_tag_only_in_part():
    for stdin, what in ((b"one\ntwo\n", r"more than one line.*--exact"), (b"", r"standard input is empty")):
        r = run(["mac", "--key", KEY], input=stdin)
        lines = err_lines(r)
        check(r.returncode == USAGE and r.stdout == b"", f"{stdin!r}: exit {USAGE} and no tag, got {r.returncode}")
        check(len(lines) == 1 and re.search(r"^intact: .*" + what, lines[0]), f"{stdin!r}: {lines}")
    r = run(["mac", "--exact", "--key", KEY, "TEXT"], input=b"")
    check(r.returncode == USAGE and r.stdout == b"", f"--exact with a TEXT: exit {USAGE}, got {r.returncode}")


def string_literals():
    """(file, text) of every string literal in src: the messages and hints a user can see."""
    for path in sorted(glob.glob(os.path.join(SOURCE_DIR, "src", "**", "*.[ch]pp"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            for lit in re.findall(r'"((?:[^"\\\n]|\\.)*)"', f.read()):
                yield os.path.relpath(path, SOURCE_DIR), lit


def test_messages_name_only_commands_and_options_that_exist():
    names = commands()
    hidden = ["_manpage", "_completion"]
    options = set()
    for sub in [[]] + [[n] for n in names + hidden]:
        r = run(sub + ["--help"])
        check(r.returncode == 0, f"intact {sub} --help exits 0")
        options |= set(re.findall(r"--[a-z][a-z0-9-]*", r.stdout.decode()))
    # words after "intact " in prose, not commands: "an intact v1 peer", "intact needs the key"...
    prose = {"v1", "program", "peer", "needs", "hello", "protocol", "speaks"}
    literals = list(string_literals())
    check(len(literals) > 500, f"the sources were read from {SOURCE_DIR}: {len(literals)} literals")
    for path, lit in literals:
        for word in re.findall(r"\bintact ([a-z_][a-z0-9_-]*)", lit):
            check(word in names or word in hidden or word in prose,
                  f"{path}: names 'intact {word}', which is no command: {lit!r}")
        for opt in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", lit):
            check(opt in options, f"{path}: names {opt}, which no command has: {lit!r}")


def test_an_unresolvable_upstream_stops_the_proxy_at_its_start():
    r = run(["proxy", "--listen", "0", "--to", "no.such.host.invalid:80"], timeout=60)
    lines = err_lines(r)
    check(r.returncode == 1, f"exit 1 as client and connect give for a name without address, got {r.returncode}")
    check(len(lines) == 1 and lines[0].startswith("intact: cannot resolve no.such.host.invalid"),
          f"one line naming the host: {lines}")
    check(not any("listening on" in l for l in lines), f"it does not listen first: {lines}")
    # the same error as intact connect gives for the host
    c = run(["connect", "--key", KEY, "no.such.host.invalid", "80"], input=b"")
    check(err_lines(c)[-1] == lines[0] and c.returncode == r.returncode, f"as connect says it: {err_lines(c)}")


def test_a_port_in_use_hint_names_the_option_of_the_command():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = str(taken.getsockname()[1])
    try:
        for args, option in ((["proxy", "--listen", port, "--to", "127.0.0.1:1"], "--listen"),
                             (["server", "--port", port, "--key", KEY], "--port"),
                             (["listen", "--port", port, "--key", KEY], "--port")):
            r = run(args, input=b"")
            last = err_lines(r)[-1] if r.stderr else ""
            check(r.returncode == 1 and "cannot listen on 127.0.0.1:" + port in last,
                  f"intact {args[0]}: exit 1, says it cannot listen: {r.returncode} {last!r}")
            check(f"pick another port with {option}," in last, f"intact {args[0]}: the hint names {option}: {last!r}")
    finally:
        taken.close()


def test_a_format_hint_names_only_options_the_command_has():
    """A lab-format peer at `intact listen` (v1 only, no --legacy): the hint must not tell
    the user to add an option listen does not have, and points to the commands that do."""
    lst = Proc(["listen", "--port", "0", "--key", KEY], stdin=subprocess.DEVNULL)
    port = lst.port()
    msg = b"hello"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(msg + b"|" + lab_tag(KEY, msg).encode())
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass
    check(lst.wait(30) == 1, "listen exits 1 on a peer of another format")
    hints = [l for l in lst.err_lines if l.startswith("intact: hint: ")]
    check(len(hints) == 1, f"one hint: {lst.err_lines}")
    check("add --legacy" not in hints[0] and "intact client" in hints[0], f"the hint fits listen: {hints[0]}")
    listen_help = run(["listen", "--help"]).stdout.decode()
    check("--legacy" not in listen_help, "listen has no --legacy (else this test is moot)")


def test_help_and_version_still_exit_0_on_stdout():
    for args in (["--help"], ["mac", "--help"], ["--version"]):
        r = run(args)
        check(r.returncode == 0, f"intact {' '.join(args)} exits 0, got {r.returncode}")
        check(r.stdout and not r.stderr, f"intact {' '.join(args)} writes to stdout only: {r.stderr!r}")


# Short options the commands share mean the same everywhere. `intact capture` keeps
# dumpcap's own letters (-i interface, -w write, -f filter, -c count), as its footer shows.
SHARED_SHORT = {"-b": "--bind", "-p": "--port", "-n": "--name", "-k": "--keep-open"}
DUMPCAP_LETTERS = {"-i", "-w", "-f", "-c"}


def help_text(name):
    r = run([name, "--help"], env={"NO_COLOR": "1", "COLUMNS": "100"})
    check(r.returncode == 0, f"intact {name} --help exits 0")
    return r.stdout.decode()


def test_every_help_has_an_exit_code_line_and_no_parser_artefacts():
    for name in commands():
        text = help_text(name)
        check(re.search(r"^Exit codes[^:\n]*: 0 ", text, re.M), f"intact {name} --help has no 'Exit codes: 0 ...' line:\n{text}")
        check(re.search(r"\b2 usage\b", text), f"intact {name} --help does not give the usage code 2:\n{text}")
        # CLI11's own type names and range notes: UINT, INT, TEXT:..., "in [1 - 1048576]"
        for bad in (r"\bUINT\b", r"\bINT\b", r"\bFLOAT\b", r"\bBOOLEAN\b", r"\b(?:UINT|INT|TEXT|FLOAT|NUMBER):", r"in \[", r"Excludes:", r"Needs:",
                    r"^\s+(?:-\w,)?--[a-z0-9-]+ TEXT\b", r"^  ([A-Z]+) \1\b", r"^  [A-Z]+ TEXT\b", r"TEXT:"):
            m = re.search(bad, text, re.M)
            check(not m, f"intact {name} --help shows a parser artefact {m.group(0)!r}:\n{text}" if m else "")
        if re.search(r"^\s+--key HEX\b", text, re.M):  # the command takes a key
            check("INTACT_KEY" in text and ("not both" in text or "one of them" in text),
                  f"intact {name} --help does not say where the key comes from, in which order:\n{text}")


def test_shared_short_options_mean_the_same_in_every_command():
    meaning = {}
    for name in commands():
        text = help_text(name)
        pairs = re.findall(r"^\s+(-[A-Za-z0-9]),(--[a-z][a-z0-9-]*)", text, re.M)
        declared = set(re.findall(r"^\s+(?:-[A-Za-z0-9],)?(--[a-z][a-z0-9-]*)", text, re.M))
        shorts = dict(pairs)
        for short, long in pairs:
            if name == "capture" and short in DUMPCAP_LETTERS:
                continue
            if short in meaning:
                other, where = meaning[short]
                check(other == long, f"{short} is {long} in intact {name} but {other} in intact {where}")
            else:
                meaning[short] = (long, name)
        for short, long in SHARED_SHORT.items():
            if long in declared:
                check(shorts.get(short) == long,
                      f"intact {name} has {long} without its short option {short} (as the other commands)")
    check("-k" not in [s for s, _ in re.findall(r"^\s+(-[a-z]),(--[a-z-]+)", help_text("server"), re.M)],
          "intact server still has a -k that does nothing")


def test_handshake_timeouts_of_room_and_netcat_differ_and_say_so():
    defaults = {}
    for name in ("server", "client", "listen", "connect"):
        text = " ".join(help_text(name).split())
        m = re.search(r"--handshake-timeout DURATION=(\w+)", text)
        check(m, f"intact {name} --help shows no default for --handshake-timeout:\n{text}")
        defaults[name] = m.group(1)
        other = "30s" if name in ("server", "client") else "10s"
        check(other in text.split("--handshake-timeout", 1)[1][:300],
              f"intact {name} --help does not say the other programs wait {other}")
    check(defaults == {"server": "10s", "client": "10s", "listen": "30s", "connect": "30s"}, f"{defaults}")


def key_warnings(key_text, mode):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "key")
        with open(path, "w") as f:
            f.write(key_text)
        os.chmod(path, mode)
        r = run(["mac", "--key-file", path, "x"])
        check(r.returncode == 0, f"mac with a key of mode {oct(mode)}: exit {r.returncode}: {r.stderr!r}")
        return [l for l in err_lines(r) if l.startswith("intact: warning: ")]


def test_key_file_warnings_say_who_may_read_it():
    for mode, who in ((0o640, "(readable by the group)"), (0o604, "(readable by others)"),
                      (0o644, "(readable by the group and others)"),
                      (0o660, "(readable and writable by the group)")):
        w = key_warnings(KEY, mode)
        check(len(w) == 1 and f"has mode {mode:04o} {who}; run chmod 600" in w[0], f"mode {mode:o}: {w}")
    check(key_warnings(KEY, 0o600) == [], "a key file of mode 600 gets a warning")


def test_a_short_key_warning_counts_bytes_in_good_grammar():
    w = key_warnings("AB", 0o600)
    check(any("the key is 1 byte; 16 or more" in l for l in w), f"{w}")
    w = key_warnings("ABCD", 0o600)
    check(any("the key is 2 bytes; 16 or more" in l for l in w), f"{w}")


def test_a_name_is_refused_for_what_is_wrong_with_it():
    for cmd in ("client", "server"):
        for name, why in (("/who", "'/who' starts with '/', which marks a command"),
                          ("*x", "starts with '*', which marks a notice"),
                          ("a b", "'a b' has a space"), ("n" * 65, "is 65 bytes long; a name has at most 64")):
            r = run([cmd, "--key", KEY, "--port", "1", "--name", name], input=b"")
            lines = err_lines(r)
            check(r.returncode == USAGE, f"{cmd} --name {name!r}: exit {r.returncode}: {lines}")
            check(lines and why in lines[0], f"{cmd} --name {name!r} is not refused for its reason: {lines}")


if __name__ == "__main__":
    TestRunner(globals()).main()
