"""govmomi's vCenter simulator for the tests: built once from tests/vcsim/main.go, started
per test on 127.0.0.1 with a port of 0, a CA generated at start-up and known credentials.

The binary is cached in build/ (gitignored) under the hash of its source, so it is built
once per change (about 30-60 s with a cold Go cache, a few seconds with a warm one).
Where Go or Debian's govmomi library is missing the tests are skipped with the reason,
unless MEMPLAN_REQUIRE_VCSIM=1 (as .ci/run sets), which makes them fail instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "vcsim" / "main.go"
GOPATH = "/usr/share/gocode"
GOVMOMI = Path(GOPATH) / "src/github.com/vmware/govmomi/simulator"
USERNAME = "memplan@vsphere.local"
PASSWORD = "s3cret-Passw0rd"


def _unavailable(reason: str) -> None:
    if os.environ.get("MEMPLAN_REQUIRE_VCSIM") == "1":
        pytest.fail(f"MEMPLAN_REQUIRE_VCSIM=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def binary() -> Path:
    """The simulator's binary, built if its source changed; skips (or fails) without Go."""
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    target = ROOT / "build" / f"vcsim-{digest}"
    if target.exists():
        return target  # built before from this very source: Go is not needed again
    go = shutil.which("go")
    if go is None:
        _unavailable(
            "no Go compiler to build the vCenter simulator"
            " (apt-get install golang-go golang-github-vmware-govmomi-dev)"
        )
    if not GOVMOMI.is_dir():
        _unavailable(
            f"no govmomi library in {GOVMOMI} (apt-get install golang-github-vmware-govmomi-dev)"
        )
    target.parent.mkdir(exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": GOPATH, "GOFLAGS": ""}
    if not os.environ.get("GOCACHE") and not os.access(Path.home(), os.W_OK):
        env["GOCACHE"] = str(ROOT / "build" / "go-cache")
    built = subprocess.run(
        [str(go), "build", "-o", str(partial), str(SOURCE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if built.returncode != 0:
        partial.unlink(missing_ok=True)
        pytest.fail(f"building tests/vcsim/main.go failed:\n{built.stderr}", pytrace=False)
    partial.replace(target)  # atomic: a parallel run sees the whole binary or none
    return target


class Vcsim:
    """One simulator process serving ``spec`` (see the Spec type in tests/vcsim/main.go)."""

    def __init__(self, spec: dict[str, Any] | None = None, generate: str | None = None) -> None:
        exe = binary()
        self.dir = Path(tempfile.mkdtemp(prefix="memplan-vcsim-"))
        self.ca = self.dir / "ca.pem"
        args = [str(exe), "-listen", "127.0.0.1:0", "-username", USERNAME]
        args += ["-password", PASSWORD, "-ca-out", str(self.ca)]
        if spec is not None:
            (self.dir / "spec.json").write_text(json.dumps(spec))
            args += ["-spec", str(self.dir / "spec.json")]
        if generate is not None:
            args += ["-generate", generate]
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            self.close()
            pytest.fail(f"vcsim did not start:\n{err}", pytrace=False)
        self.url: str = json.loads(line)["url"]
        self.server = self.url.split("//", 1)[1].split("/", 1)[0]  # 127.0.0.1:PORT

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # the simulator exits when its stdin closes
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Vcsim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
