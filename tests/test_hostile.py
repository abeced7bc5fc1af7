"""Hostile and broken input: each ends in a clear error and exit 4, fast, never a traceback.

The time bounds here are hang guards (generous, so a slow CI machine never flakes), not
benchmarks: benchmarks/run.py measures speed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from memplan.cli import app
from memplan.inventory.fields import MAX_FILE_BYTES, MAX_NODES
from tests.helpers import ROOT

HANG_GUARD = 10.0  # seconds; each case takes well under one on a laptop


def run(path: Path) -> tuple[int, str, str]:
    start = time.perf_counter()
    result = CliRunner().invoke(app, ["check", str(path)])
    assert time.perf_counter() - start < HANG_GUARD
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_billion_laughs(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    code, out, err = run(write(tmp_path, "laughs.yaml", "\n".join([*lines, "version: 1"]) + "\n"))
    assert (code, out) == (4, "")
    assert f"aliases expand to more than {MAX_NODES} YAML nodes" in err


def test_ten_thousand_deep_nesting(tmp_path: Path) -> None:
    code, _, err = run(
        write(tmp_path, "deep.yaml", "version: 1\nhosts: " + "[" * 10000 + "]" * 10000)
    )
    assert code == 4
    assert "nest" in err  # libyaml: exceeded maximum nesting depth; pure Python: nested too deeply


def test_deep_block_nesting(tmp_path: Path) -> None:
    text = "version: 1\nhosts:\n" + "".join(" " * i + "- \n" for i in range(2000))
    code, _, err = run(write(tmp_path, "deepblock.yaml", text))
    assert code == 4
    assert "nest" in err


def test_a_200_mb_single_line_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with open(path, "wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: the size is what is checked
    code, _, err = run(path)
    assert code == 4
    assert f"the limit is {MAX_FILE_BYTES} bytes (128 MiB)" in err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1" + "0" * 1000, "a bare number of 1001 digits; sizes need a unit"),
        ("1" + "0" * 5000, "number is too large"),
        (".nan", "must be a finite size"),
        (".inf", "must be a finite size"),
        ("1000000000000000000000000000000B", "is larger than 1 PiB"),
        (
            "!!python/object/apply:os.system ['true']",
            "is not allowed; memplan reads plain YAML only",
        ),
        ("!!binary aGVsbG8=", "tag '!!binary' is not allowed"),
    ],
)
def test_hostile_values(tmp_path: Path, value: str, message: str) -> None:
    text = f"version: 1\nhosts:\n  - name: h\n    memory: {value}\n"
    code, _, err = run(write(tmp_path, "v.yaml", text))
    assert code == 4
    assert message in err
    assert len(err.splitlines()[0]) < 300  # the message stays one readable line


def test_huge_vcpus(tmp_path: Path) -> None:
    text = (
        "version: 1\nhosts:\n  - {name: h, memory: 64GiB, vms: [{name: v, memory: 1GiB, vcpus: 1"
        + "0" * 1000
        + "}]}\n"
    )
    code, _, err = run(write(tmp_path, "c.yaml", text))
    assert (code, "vcpus is too large (at most 768)" in err) == (4, True)


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(range(256)) * 64)
    code, _, err = run(path)
    assert code == 4
    assert "error:" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_and_symlink_loop(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert run(fifo)[0] == 4
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    assert run(loop)[0] == 4


SAMPLE_LINES = (ROOT / "samples" / "small.yaml").read_text().splitlines()
REPLACEMENTS = ["0", "-1", "1e309", "[]", "{}", "~", "yes", "'x'", "!!str 5", "&a x", "*a",
                "16", "16 XB", "100%", "{name: z}", "[1, 2", "'unterminated"]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """small.yaml with a few random nodes deleted, duplicated, retyped or reindented."""
    lines = list(SAMPLE_LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "retype", "reindent"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "reindent":
            lines[i] = " " * draw(st.sampled_from([0, 1, 2, 3, 5, 8])) + lines[i].lstrip()
        else:
            head, sep, _ = lines[i].partition(": ")
            lines[i] = head + (sep or ": ") + draw(st.sampled_from(REPLACEMENTS))
        if not lines:
            break
    return "\n".join(lines) + "\n"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutated())
def test_fuzz_mutated_samples_never_crash(tmp_path: Path, text: str) -> None:
    """Any mutation ends in a verdict (0, 1, 3) or a clean invalid-input error (4)."""
    path = tmp_path / "fuzz.yaml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["check", str(path), "--fail-on", "warn"])
    assert result.exit_code in (0, 1, 3, 4), (result.exit_code, result.output, text)
    assert result.exception is None or isinstance(result.exception, SystemExit), text
    assert "Traceback" not in result.output
    if result.exit_code == 4:
        assert result.stderr.splitlines()[-1].startswith("memplan: ")
