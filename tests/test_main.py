"""The console-script entry point, in a real process: it ends with os._exit once its
output is flushed, so exit codes and every byte of output must survive that."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

MAIN = [sys.executable, "-c", "from memplan.cli import main; main()"]


def memplan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MAIN, *args], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )


def test_output_is_flushed_and_exit_codes_kept() -> None:
    ok = memplan("check", "samples/small.yaml", "-f", "json")
    assert (ok.returncode, ok.stderr) == (0, "")
    assert json.loads(ok.stdout)["verdict"] == "ok"  # the whole document arrived
    fail = memplan("check", "samples/realistic.yaml")
    assert fail.returncode == 1
    assert fail.stdout.rstrip().splitlines()[-1].startswith("verdict: FAIL")
    bad = memplan("check", "tests/data/invalid/empty.yaml")
    assert bad.returncode == 4
    assert "empty.yaml:1:1: error: file is empty" in bad.stderr
    usage = memplan("check", "--no-such-option", "samples/small.yaml")
    assert usage.returncode == 2
    assert "No such option" in usage.stderr
    assert memplan("--version").stdout.startswith("memplan ")


def test_files_are_complete_when_the_process_ends(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = memplan("check", "samples/realistic.yaml", "-f", "json", "-o", str(out),
                   "-o", f"junit={tmp_path / 'junit.xml'}")  # fmt: skip
    assert done.returncode == 1
    assert json.loads(out.read_text())["verdict"] == "fail"
    assert (tmp_path / "junit.xml").read_text().rstrip().endswith("</testsuites>")


def test_a_closed_pipe_ends_quietly() -> None:
    proc = subprocess.Popen(
        [*MAIN, "check", "samples/realistic.yaml", "-f", "json", "--fail-on", "never"],
        cwd=ROOT,  # 140 KB: more than a pipe holds, so the writer meets the closed end
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `memplan check ... | head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1  # click's code for a broken pipe (0 otherwise here)
    assert "Traceback" not in err
