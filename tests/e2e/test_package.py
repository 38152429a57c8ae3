"""`cpack -G DEB` on this build tree makes a Debian package named intact that carries the
tool, its manual and completion, the library with its headers and CMake/pkg-config files,
the Wireshark dissector and the systemd unit. Inspected with dpkg-deb; nothing is installed.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

BUILD_DIR = os.environ["INTACT_BUILD_DIR"]


def run(args, timeout=300):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        sys.exit(f"FAILED (exit {r.returncode}): {' '.join(args)}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r.stdout


def main():
    for tool in ("cpack", "dpkg-deb", "dpkg-shlibdeps"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (scripts/bootstrap test installs dpkg-dev)")
    with tempfile.TemporaryDirectory(prefix="intact-package-test-") as tmp:
        run(["cpack", "-G", "DEB", "-B", tmp, "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake")])
        debs = [f for f in os.listdir(tmp) if f.endswith(".deb")]
        assert len(debs) == 1, f"expected one .deb in {tmp}, found {debs}"
        deb = os.path.join(tmp, debs[0])
        info = run(["dpkg-deb", "-I", deb])
        fields = dict(re.findall(r"^ (\S+): (.*)$", info, re.M))
        assert fields.get("Package") == "intact", info
        assert re.fullmatch(r"\d+\.\d+\.\d+", fields.get("Version", "")), info
        assert "libssl3" in fields.get("Depends", "") and "libc6" in fields.get("Depends", ""), \
            f"Depends (from dpkg-shlibdeps) lacks libssl3/libc6: {fields.get('Depends')}"
        files = run(["dpkg-deb", "-c", deb])
        for pattern in (r"/bin/intact$", r"/share/man/man1/intact\.1", r"/completions/intact$",
                        r"/include/intact/version\.hpp$", r"/libintact\.(a|so)", r"/intact\.pc$",
                        r"/intact-config\.cmake$", r"/wireshark/plugins/intact\.lua$",
                        r"/lib/systemd/system/intact-server\.service$"):
            assert re.search(pattern, files, re.M), f"{pattern} not in the package:\n{files}"
        print(f"ok: {debs[0]}: Depends: {fields['Depends']}")


if __name__ == "__main__":
    main()
