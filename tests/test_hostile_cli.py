"""Hostile command lines (issue 17): nothing the user gave is lost, no option reaches git,
no value makes memplan crash, and whatever does crash is one line and exit 70.

Cases that need a real process (closed descriptors, signals, os._exit) run memplan's own
entry point in a subprocess; the rest use Typer's runner.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memplan.cli import app
from tests.helpers import ROOT, SAMPLES

MAIN = [sys.executable, "-c", "from memplan.cli import main; main()"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def memplan(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MAIN, *args], capture_output=True, text=True, cwd=cwd, timeout=60, check=False, env=ENV
    )


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def inv(tmp_path: Path) -> Path:
    path = tmp_path / "inv.yaml"
    shutil.copy(SAMPLES / "small.yaml", path)
    return path


# --- 1. data loss: an output that is an input, or named twice, is refused first -------------


def _refused(args: list[str], message: str, *unchanged: Path) -> None:
    before = [p.read_bytes() if p.exists() else None for p in unchanged]
    code, out, err = cli(*args)
    assert (code, out) == (2, "")
    assert err == f"memplan: error: {message}\n"
    assert [p.read_bytes() if p.exists() else None for p in unchanged] == before


def test_output_that_is_the_inventory_is_refused(inv: Path) -> None:
    _refused(["check", str(inv), "-f", "json", "-o", str(inv)],
             f"-o {inv} would overwrite {inv}, which memplan reads; write elsewhere", inv)  # fmt: skip


def test_output_that_is_the_inventory_through_links_is_refused(inv: Path, tmp_path: Path) -> None:
    soft, hard = tmp_path / "soft.yaml", tmp_path / "hard.yaml"
    soft.symlink_to(inv)
    os.link(inv, hard)
    for target in (soft, hard, tmp_path / "." / "inv.yaml"):
        _refused(["check", str(inv), "-o", f"json={target}"],
                 f"-o json={target} would overwrite {inv}, which memplan reads; write elsewhere",
                 inv)  # fmt: skip
    # and the other way round: the inventory given through a link
    _refused(["project", str(soft), "-o", str(inv)],
             f"-o {inv} would overwrite {soft}, which memplan reads; write elsewhere", inv)  # fmt: skip


def test_an_output_named_twice_is_refused_and_nothing_is_written(inv: Path, tmp_path: Path) -> None:
    a = tmp_path / "a"
    _refused(["check", str(inv), "-o", f"json={a}", "-o", f"sarif={tmp_path}/./a"],
             f"-o json={a} and -o sarif={tmp_path}/./a name the same file; give each its own", a)  # fmt: skip
    assert not a.exists()
    _refused(["check", str(inv), "-o", str(a), "--write-baseline", str(a)],
             f"-o {a} and --write-baseline {a} name the same file; give each its own", a)  # fmt: skip


def test_baseline_and_import_inputs_are_protected(inv: Path, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    assert cli("check", str(inv), "--write-baseline", str(base))[0] == 0
    _refused(["check", str(inv), "--baseline", str(base), "-o", f"json={base}"],
             f"-o json={base} would overwrite --baseline {base}, which memplan reads;"
             " write elsewhere", base)  # fmt: skip
    export = tmp_path / "x.xlsx"
    shutil.copy(ROOT / "tests" / "data" / "rvtools" / "example1.xlsx", export)
    _refused(["import", "rvtools", str(export), "-o", str(export)],
             f"-o {export} would overwrite {export}, which memplan reads; write elsewhere", export)  # fmt: skip
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "RVTools_tabvInfo.csv").write_text("VM,Memory,Host\nv,1024,h\n")
    tab = folder / "RVTools_tabvInfo.csv"
    _refused(["import", "rvtools", str(folder), "-o", str(tab)],
             f"-o {tab} would overwrite {tab}, which memplan reads; write elsewhere", tab)  # fmt: skip


def test_two_outputs_to_dev_null_are_fine(inv: Path) -> None:
    assert cli("check", str(inv), "-o", "json=/dev/null", "-o", "sarif=/dev/null")[0] == 0


# --- 2. git option injection ----------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copy(SAMPLES / "small.yaml", tmp_path / "inv.yaml")
    git = ["git", "-c", "user.email=t@example", "-c", "user.name=t"]
    for args in (["init", "-q"], ["add", "inv.yaml"], ["commit", "-qm", "one"]):
        subprocess.run([*git, *args], cwd=tmp_path, check=True, capture_output=True)
    return tmp_path


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("--output=pwn", "--against-git --output=pwn: a revision cannot start with '-'"),
        ("-p", "--against-git -p: a revision cannot start with '-'"),
        ("", "--against-git: give a revision, e.g. origin/main or HEAD~1"),
        (" ", "--against-git: give a revision, e.g. origin/main or HEAD~1"),
        ("no-such-branch", "--against-git no-such-branch: fatal: Needed a single revision"),
    ],
)
def test_git_refs_never_reach_git_as_options(repo: Path, ref: str, message: str) -> None:
    done = memplan("diff", "--against-git", ref, "inv.yaml", cwd=repo)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"memplan: error: {message}\n"
    assert sorted(p.name for p in repo.iterdir()) == [".git", "inv.yaml"]  # git wrote nothing


def test_a_good_ref_still_works(repo: Path) -> None:
    done = memplan("diff", "--against-git", "HEAD", "inv.yaml", cwd=repo)
    assert done.returncode == 0, done.stderr


# --- 4. tracebacks: values that used to crash -------------------------------------------------

HEX = "0x" + "f" * 4000
DIGITS = "1" * 5000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "9999-12-31", "--horizon", "12m"],
         "--as-of 9999-12-31 with a horizon of 12 months ends after 9999-12-31"),
        (["--horizon", DIGITS + "m"], f"--horizon: '{'1' * 57}...' has more than 40 digits;"
         " check the number"),
        (["--fail-within", DIGITS + "d"], f"--fail-within: '{'1' * 57}...' has more than 40"
         " digits; check the number"),
        (["--fail-within", "999999y", "--as-of", "2026-01-01"],
         "--fail-within 999999y from 2026-01-01 ends after 9999-12-31"),
        (["--growth", DIGITS + "%/month"], f"--growth: '{'1' * 57}...' has more than 40 digits;"
         " check the number"),
        (["--add-vm", f"name=x{{1..{DIGITS}}},memory=1GiB,cluster=office"],
         "--add-vm: range {1..11111111111111111111111... must count up, at most 10000"),
        (["--add-vm", f"name=x,count={DIGITS},memory=1GiB,cluster=office"],
         "--add-vm: count must be 1 to 10000"),
    ],
)  # fmt: skip
def test_hostile_flag_values_are_usage_errors(inv: Path, args: list[str], message: str) -> None:
    code, out, err = cli("check", str(inv), *args)
    assert (code, out, err) == (2, "", f"memplan: error: {message}\n")


def test_project_as_of_at_the_end_of_time(inv: Path) -> None:
    code, _, err = cli("project", str(inv), "--as-of", "9999-12-31")
    assert (code, err) == (2, "memplan: error: --as-of 9999-12-31 with a horizon of 12 months"
                              " ends after 9999-12-31\n")  # fmt: skip


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["--set", f"host:*.memory={HEX}"], "--set:1:15: error: host 'esx01.office.example'"),
        (["--add-vm", f"name=z,memory={HEX},cluster=office"], "--add-vm:1:15: error: VM 'z'"),
    ],
)
def test_hex_sizes_of_4000_digits(inv: Path, args: list[str], where: str) -> None:
    code, _, err = cli("check", str(inv), *args)
    assert code == 2
    assert err.startswith(f"{where} memory: number is too large\n")


def test_hex_sizes_in_the_inventory_and_headroom(inv: Path, tmp_path: Path) -> None:
    path = tmp_path / "hex.yaml"
    path.write_text(f"version: 1\nhosts:\n  - name: h\n    memory: {HEX}\n")
    code, _, err = cli("check", str(path))
    assert (code, err.splitlines()[0]) == (4, f"{path}:4:13: error: host 'h' memory: number is too large")  # fmt: skip
    code, _, err = cli("headroom", str(inv), "--vm", HEX)
    assert (code, err.splitlines()[0]) == (2, "--vm:1:1: error: VM '<new VM>' memory: number is too large")  # fmt: skip


def test_a_full_disk_is_one_line_and_exit_2(inv: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    done = memplan("check", str(inv), "-o", "/dev/full")
    assert (done.returncode, done.stderr) == (
        2, "memplan: error: cannot write /dev/full: No space left on device\n")  # fmt: skip
    with open("/dev/full", "w") as full:
        done = subprocess.run([*MAIN, "check", str(inv)], stdout=full, stderr=subprocess.PIPE,
                              text=True, env=ENV, timeout=60, check=False)  # fmt: skip
    assert (done.returncode, done.stderr) == (
        2, "memplan: error: cannot write to standard output: No space left on device\n")  # fmt: skip


def test_closed_stdout_and_stderr(inv: Path, tmp_path: Path) -> None:
    run = [*MAIN, "check", str(inv)]

    def without(fd: int, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["sh", "-c", f'"$@" {fd}>&-', "sh", *run, *args], capture_output=True, text=True,
            env=ENV, timeout=60, check=False,
        )  # fmt: skip

    # the shell closes the descriptor, as `memplan check inv.yaml >&-` does
    done = without(1)
    assert (done.returncode, done.stderr) == (
        2, "memplan: error: cannot write to standard output: Bad file descriptor\n")  # fmt: skip
    report = tmp_path / "r.json"
    assert without(1, "-f", "json", "-o", str(report)).returncode == 0  # needs no stdout
    assert report.read_text().startswith("{")
    done = without(2, "--no-such-flag")
    assert (done.returncode, done.stdout) == (2, "")
    assert without(2).returncode == 0


def test_any_unexpected_exception_is_one_line_and_exit_70(inv: Path) -> None:
    boom = ("import memplan.engine as e\n"
            "def boom(*a, **k): raise ZeroDivisionError('division by zero')\n"
            "e.evaluate = boom\n"
            "from memplan.cli import main; main()")  # fmt: skip
    args = [sys.executable, "-c", boom, "check", str(inv)]
    done = subprocess.run(args, capture_output=True, text=True, env=ENV, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (70, "")
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("memplan: internal error: ZeroDivisionError: division by zero"
                                  " (a bug in memplan ")  # fmt: skip
    assert "MEMPLAN_TRACEBACK=1 shows the traceback" in done.stderr
    env = {**ENV, "MEMPLAN_TRACEBACK": "1"}
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 70
    assert "Traceback (most recent call last)" in done.stderr


# --- 3. unbounded: a FIFO with no reader ------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_output_to_a_fifo_without_reader_does_not_block(inv: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    start = time.monotonic()
    code, _, err = cli("check", str(inv), "-o", str(fifo))
    assert time.monotonic() - start < 10
    assert (code, err) == (2, f"memplan: error: cannot write {fifo}: it is a FIFO and nothing"
                              " reads it\n")  # fmt: skip


# --- 8. temporary files: removed on SIGTERM, stale ones cleaned up ----------------------------


def test_sigterm_during_a_write_removes_the_temporary_file(inv: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    report.write_text("old\n")
    slow = ("import time, memplan.cli.check as c\n"
            "orig = c.make_console\n"
            "def slow(*a, **k):\n"
            "    if a and a[0] is True: time.sleep(60)\n"
            "    return orig(*a, **k)\n"
            "c.make_console = slow\n"
            "from memplan.cli import main; main()")  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", slow, "check", str(inv), "-f", "json", "-o",
                             str(report)], env=ENV, stderr=subprocess.PIPE)  # fmt: skip
    tmp = tmp_path / f"r.json.{proc.pid}.tmp"
    deadline = time.monotonic() + 30
    while not tmp.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tmp.exists()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inv.yaml", "r.json"]
    assert report.read_text() == "old\n"


def test_stale_temporary_files_of_dead_runs_are_removed(inv: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    dead = tmp_path / "r.json.4194319.tmp"  # above Linux's largest PID: no such process
    alive = tmp_path / f"r.json.{os.getppid()}.tmp"  # the process that started the tests
    other = tmp_path / "other.json.4194319.tmp"
    for p in (dead, alive, other):
        p.write_text("x" * 1000)
    assert cli("check", str(inv), "-f", "json", "-o", str(report))[0] == 0
    assert not dead.exists()
    assert alive.exists()
    assert other.exists()  # another target's: not this run's business
    assert report.read_text().startswith("{")


# --- 7. messages say what is wrong first ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("version: 1\nhosts:\n  - name: h\n    memory: !!int abc\n",
         "4:13: error: host 'h' memory: 'abc' tagged !!int is not a number"),
        ("version: '1'\nhosts: []\n", "1:10: error: version must be the number 1, not the text '1'"),
        ("version: true\nhosts: []\n", "1:10: error: version must be the number 1, not the boolean true"),
        ("version: 1\nhosts:\n  - name: h\n    memory: lots\n    vms:\n"
         "      - {name: a, memory: 1GiB}\n      - {name: b, memory: 1GiB, memory: 2GiB}\n",
         "7:33: error: duplicate key 'memory' in a VM (first at line 7)"),
    ],
)  # fmt: skip
def test_messages_say_what_is_wrong_first(tmp_path: Path, text: str, first: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    code, _, err = cli("check", str(path))
    assert code == 4
    assert err.splitlines()[0] == f"{path}:{first}"


def test_trend_and_rightsize_history_inputs_are_protected(inv: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    shutil.copy(inv, old)
    _refused(["trend", str(old), str(inv), "-o", str(old)],
             f"-o {old} would overwrite {old}, which memplan reads; write elsewhere", old)  # fmt: skip
    folder = tmp_path / "history"
    folder.mkdir()
    snap = folder / "2026-01.yaml"
    shutil.copy(inv, snap)
    _refused(["rightsize", str(inv), "--history", str(folder), "-o", str(snap)],
             f"-o {snap} would overwrite {snap}, which memplan reads; write elsewhere", snap)  # fmt: skip
