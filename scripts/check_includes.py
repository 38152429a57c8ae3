#!/usr/bin/env python3
"""Checks every #include "..." of intact against the layering (docs/install.md).

Rules, for src/, include/, tests/, fuzz/, bench/ and examples/:
- no relative paths: no "..", no "./", no absolute path;
- a name without a folder ("fuzz_target.hpp") must be a file beside the includer;
- "intact/x.hpp" must exist in include/intact (or be the generated version.hpp),
  "<layer>/x.hpp" must exist in src/<layer>;
- a layer includes only the layers it may use:
    core (include/, src/core)   intact/ only
    driver                      + nothing but core
    net                         core, driver
    an application (chat, ...)  core, driver, net and its own folder, never another application
    cli                         everything
  tests/, fuzz/ (the parsers of untrusted input live in the applications) and bench/ may use
  every layer but cli (tests/cli/, the front end's unit tests, may use cli too); examples/
  only the public intact/.
The layers below the applications are LOWER, bottom up; every other folder of src/ is an
application, so a new application needs no edit here, and a new lower layer one word.

Usage: check_includes.py [SOURCE_DIR]    exit 0 when every include is allowed, 1 otherwise
       check_includes.py --self-test     builds a small tree with known violations and checks
                                          that each one is reported (and a clean tree passes)
"""
import os
import re
import sys
import tempfile

LOWER = ["core", "driver", "net"]  # bottom up: each may use the ones before it
TOP = "cli"
SCANNED = ["src", "include", "tests", "fuzz", "bench", "examples"]
EXTENSIONS = (".cpp", ".hpp", ".h", ".cc", ".ipp")
GENERATED = {"intact/version.hpp"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]*)"')


def layers_of(root):
    src = os.path.join(root, "src")
    folders = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    apps = [d for d in folders if d not in LOWER and d != TOP]
    return folders, apps


def allowed_folders(root, rel, folders, apps):
    """The include prefixes (first path component) a file at `rel` may use, and its name."""
    parts = rel.split("/")
    top = parts[0]
    lower = [layer for layer in LOWER if layer != "core"]
    if top == "include":
        return {"intact"}, "core (include/)"
    if top == "examples":
        return {"intact"}, top
    if top == "tests" and len(parts) > 2 and parts[1] == TOP:
        return {"intact"} | set(f for f in folders if f != "core"), "tests/cli"
    if top in ("tests", "bench", "fuzz"):
        return {"intact"} | set(f for f in folders if f != TOP and f != "core"), top
    if top == "src" and len(parts) > 2:
        layer = parts[1]
        if layer == "core":
            return {"intact"}, "core"
        if layer in LOWER:
            below = lower[: lower.index(layer) + 1]
            return {"intact"} | set(below), layer
        if layer == TOP:
            return {"intact"} | set(folders) - {"core"}, layer
        if layer in apps:
            return {"intact", layer} | set(lower), layer
    return {"intact"}, top


def check(root):
    folders, apps = layers_of(root)
    problems = []
    for scanned in SCANNED:
        base = os.path.join(root, scanned)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d not in ("corpus", "build"))
            for name in sorted(filenames):
                if not name.endswith(EXTENSIONS):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                allowed, who = allowed_folders(root, rel, folders, apps)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE_RE.match(line)
                        if not m:
                            continue
                        inc = m.group(1)
                        where = f"{rel}:{lineno}: #include \"{inc}\""
                        segments = inc.split("/")
                        if inc.startswith("/") or ".." in segments or "." in segments:
                            problems.append(f"{where}: relative or absolute path; "
                                            "name the header from its layer (\"net/x.hpp\")")
                            continue
                        if len(segments) == 1:
                            if not os.path.isfile(os.path.join(dirpath, inc)):
                                problems.append(f"{where}: no such file beside {rel}; "
                                                "headers of a layer are included as \"layer/x.hpp\"")
                            continue
                        folder = segments[0]
                        if folder == "intact":
                            exists = inc in GENERATED or os.path.isfile(os.path.join(root, "include", inc))
                        else:
                            exists = os.path.isfile(os.path.join(root, "src", inc))
                        if not exists:
                            problems.append(f"{where}: no such header in include/ or src/")
                        elif folder not in allowed:
                            problems.append(f"{where}: {who} may not use {folder}/ "
                                            f"(it may use: {', '.join(sorted(allowed))})")
    return problems


def self_test():
    """A tree with one violation of each kind; each must be reported, a clean file not."""
    files = {
        "include/intact/key.hpp": '#include "intact/crypto.hpp"\n',
        "include/intact/crypto.hpp": "\n",
        "src/core/key.cpp": '#include "intact/key.hpp"\n#include "intact/version.hpp"\n',
        "src/core/bad.cpp": '#include "net/connection.hpp"\n',               # core -> net
        "src/net/connection.hpp": '#include "intact/key.hpp"\n',
        "src/net/bad.cpp": '#include "chat/room.hpp"\n',                      # net -> app
        "src/chat/room.hpp": '#include "net/connection.hpp"\n',
        "src/chat/room.cpp": '#include "chat/room.hpp"\n',
        "src/chat/bad.cpp": '#include "stream/relay.hpp"\n',                  # app -> app
        "src/stream/relay.hpp": "\n",
        "src/stream/bad.cpp": '#include "../chat/room.hpp"\n',                # relative
        "src/stream/bad2.cpp": '#include "./relay.hpp"\n',                    # relative
        "src/stream/bad3.cpp": '#include "cli/command.hpp"\n',                # app -> cli
        "src/cli/command.hpp": '#include "chat/room.hpp"\n#include "stream/relay.hpp"\n',
        "src/cli/bad.cpp": '#include "net/missing.hpp"\n',                    # no such header
        "tests/unit/bad_test.cpp": '#include "helper.hpp"\n',                 # not beside it
        "tests/unit/bad2_test.cpp": '#include "cli/command.hpp"\n',          # unit test -> cli
        "tests/cli/command_test.cpp": '#include "cli/command.hpp"\n',        # allowed
        "examples/bad.cpp": '#include "net/connection.hpp"\n',                # example -> net
    }
    with tempfile.TemporaryDirectory() as root:
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        problems = check(root)
    flagged = {p.split(":")[0] for p in problems}
    expected = {rel for rel in files if "bad" in rel}
    ok = flagged == expected and len(problems) == len(expected)
    for p in problems:
        print("  reported:", p)
    if not ok:
        print(f"self-test FAILED: expected reports for {sorted(expected)}, got {sorted(flagged)}")
        return 1
    print(f"self-test passed: all {len(expected)} planted violations reported, clean files accepted")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    problems = check(os.path.abspath(root))
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) break the layering (scripts/check_includes.py explains the rules)")
        return 1
    print("every #include follows the layering")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
