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


def _read_one_line(*args: str) -> tuple[int, str]:
    """Run memplan with stdout (and stderr) into a pipe whose reader stops after one line,
    like `memplan ... | head -1`: (exit code, stderr)."""
    proc = subprocess.Popen(
        [*MAIN, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    return proc.wait(timeout=60), err


def test_a_closed_pipe_keeps_the_verdicts_exit_code() -> None:
    # 140 KB of JSON: more than a pipe holds, so the writer meets the closed end
    assert _read_one_line("check", "samples/realistic.yaml", "-f", "json", "--fail-on",
                          "never") == (0, "")  # fmt: skip
    assert _read_one_line("check", "samples/realistic.yaml", "-f", "json") == (1, "")
    assert _read_one_line("check", "samples/small.yaml") == (0, "")  # was 1: not a fail
    assert _read_one_line("project", "samples/small.yaml") == (0, "")
    assert _read_one_line("thresholds", "512GiB") == (0, "")


def test_a_closed_pipe_keeps_the_files_written_beside_it(tmp_path: Path) -> None:
    # the report files were staged around the table: the broken pipe discarded them
    junit = tmp_path / "junit.xml"
    assert _read_one_line("check", "samples/realistic.yaml", "-o", f"junit={junit}") == (1, "")
    assert junit.read_text().rstrip().endswith("</testsuites>")


def test_a_closed_pipe_on_stderr_keeps_the_exit_code(tmp_path: Path) -> None:
    # `memplan check bad.yaml 2>&1 | head -1` with 3000 error lines, more than a pipe holds
    bad = tmp_path / "bad.yaml"
    vms = "".join(f"      - {{name: vm{i}, memory: -1GiB}}\n" for i in range(3000))
    bad.write_text(f"version: 1\nhosts:\n  - name: h\n    memory: 64GiB\n    vms:\n{vms}")
    proc = subprocess.run(
        f"{sys.executable} -c 'from memplan.cli import main; main()' check {bad}"
        " 2>&1 | head -1; exit ${PIPESTATUS[0]}",
        shell=True, executable="/bin/bash", cwd=ROOT, capture_output=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 4  # the invalid inventory's code, not a crash
    assert proc.stdout.decode().startswith(f"{bad}:6:")
    assert proc.stderr == b""
