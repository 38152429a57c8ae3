"""The installed library is usable: a plain release build of the project (no sanitizers, no
tests) is configured in a temporary directory and installed to a temporary prefix; then the
standalone project examples/ finds it with find_package(intact), builds, and every example
exits 0; pkg-config finds intact.pc (and a program built from its flags runs); man renders
the installed intact(1); the installed intact prints its version.
Set INTACT_KEEP_TMP=1 to keep the temporary directory.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

SOURCE_DIR = os.path.abspath(os.environ.get("INTACT_SOURCE_DIR",
                                            os.path.join(os.path.dirname(__file__), "../..")))
JOBS = str(max(1, min(os.cpu_count() or 2, 2)))


def run(args, timeout=900, **kw):
    print("+", " ".join(args), flush=True)
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if r.returncode != 0:
        sys.exit(f"FAILED (exit {r.returncode}): {' '.join(args)}\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}")
    return r


def plain_env():
    """The caller's environment without anything that would change how the build compiles."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CXXFLAGS", "LDFLAGS", "CPPFLAGS", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                        "CMAKE_PREFIX_PATH", "PKG_CONFIG_PATH", "DESTDIR")}
    env["NO_COLOR"] = "1"
    return env


def cmake_tools():
    args = []
    if shutil.which("ninja"):
        args += ["-G", "Ninja"]
    if shutil.which("ccache"):
        args += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]
    return args


def main():
    tmp = tempfile.mkdtemp(prefix="intact-install-test-")
    try:
        build, prefix, ex = (os.path.join(tmp, d) for d in ("build", "prefix", "examples"))
        env = plain_env()
        run(["cmake", "-S", SOURCE_DIR, "-B", build, *cmake_tools(), "-DCMAKE_BUILD_TYPE=Release",
             "-DBUILD_TESTING=OFF", "-DINTACT_SANITIZE=OFF", "-DINTACT_WERROR=OFF"], env=env)
        run(["cmake", "--build", build, "-j", JOBS], timeout=1100, env=env)
        run(["cmake", "--install", build, "--prefix", prefix], env=env)

        # The tool, its manual and the library's files are where they belong.
        version = run([os.path.join(prefix, "bin", "intact"), "--version"], env=env).stdout.strip()
        assert re.fullmatch(r"intact \d+\.\d+\.\d+", version), f"intact --version printed {version!r}"
        for rel in ("include/intact/version.hpp", "include/intact/v1_session.hpp",
                    "share/man/man1/intact.1", "share/bash-completion/completions/intact"):
            assert os.path.isfile(os.path.join(prefix, rel)), f"{rel} not installed"
        configs = glob.glob(os.path.join(prefix, "lib*", "**", "intact-config.cmake"), recursive=True)
        assert configs, "intact-config.cmake not installed"
        print("ok:", version, "installed with headers, CMake package, manual, completion")

        # examples/: a project of its own that finds the installed package.
        run(["cmake", "-S", os.path.join(SOURCE_DIR, "examples"), "-B", ex, *cmake_tools(),
             f"-DCMAKE_PREFIX_PATH={prefix}"], env=env)
        run(["cmake", "--build", ex, "-j", JOBS], env=env)
        r = run(["ctest", "--test-dir", ex, "--output-on-failure"], env=env)
        n = re.search(r"100% tests passed, 0 tests failed out of (\d+)", r.stdout)
        assert n and int(n.group(1)) >= 2, f"examples did not all pass:\n{r.stdout}"
        print(f"ok: all {n.group(1)} examples built against the installed package exit 0")

        # pkg-config, and a program built only from its flags.
        pcs = glob.glob(os.path.join(prefix, "lib*", "**", "pkgconfig", "intact.pc"), recursive=True)
        assert pcs, "intact.pc not installed"
        pc_env = {**env, "PKG_CONFIG_PATH": os.path.dirname(pcs[0])}
        run(["pkg-config", "--exists", "--print-errors", "intact"], env=pc_env)
        cflags = run(["pkg-config", "--cflags", "intact"], env=pc_env).stdout.split()
        libs = run(["pkg-config", "--libs", "--static", "intact"], env=pc_env).stdout.split()
        include = [f for f in cflags if f.startswith("-I")]
        assert include and os.path.realpath(include[0][2:]) == os.path.realpath(
            os.path.join(prefix, "include")), f"pkg-config --cflags gave {cflags}"
        assert "-lintact" in libs and "-lcrypto" in libs, f"pkg-config --libs --static gave {libs}"
        program = os.path.join(tmp, "pc_probe")
        with open(program + ".cpp", "w") as f:
            f.write('#include <intact/crypto.hpp>\n#include <intact/key.hpp>\n'
                    '#include <intact/legacy.hpp>\n#include <intact/version.hpp>\n'
                    'int main() {\n  auto key = intact::Key::from_hex("5D2E44719232EA78CD2B32");\n'
                    '  intact::HmacSha256 mac(key.bytes());\n'
                    '  auto tag = intact::legacy::tag_hex(mac, intact::text_bytes("NMP-B19DCAT141 server send"));\n'
                    '  return tag == "3F9A2961157A24D60475383AC498ADB92D2519844317F2BC1A746CBB59C7DD60" &&\n'
                    '         !intact::version.empty() ? 0 : 1;\n}\n')
        cxx = shutil.which("c++") or shutil.which("g++")
        run([cxx, "-std=c++20", program + ".cpp", "-o", program, *cflags, *libs], env=env)
        run([program], env=env)
        print("ok: pkg-config finds intact; a program built from its flags computes the lab's tag")

        # The installed manual renders, and names every subcommand.
        page = os.path.join(prefix, "share", "man", "man1", "intact.1")
        man_env = {**env, "MANPAGER": "cat", "MANWIDTH": "80", "LC_ALL": "C.UTF-8"}
        r = run(["man", "--warnings", "-l", page], env=man_env)
        assert r.stderr.strip() == "", f"man -l warned:\n{r.stderr}"
        helptext = run([os.path.join(prefix, "bin", "intact"), "--help"], env=env).stdout
        subs = re.findall(r"^  (\S+)\s", helptext.split("Subcommands:", 1)[1], re.M)
        missing = [s for s in subs if f"intact {s}" not in r.stdout]
        assert subs and not missing, f"subcommands missing from the rendered page: {missing}"
        print(f"ok: man -l renders the installed intact(1) with all {len(subs)} subcommands")
    finally:
        if os.environ.get("INTACT_KEEP_TMP"):
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
