"""The workbook scan bounds every way of writing a far cell that python-calamine reads.

calamine aborts the process (no exception) when a sheet's cells span too much, so these
run memplan in a fresh process: a gap in the scan fails the test instead of killing pytest.
Before the scan read every cell element, the far cells below written with a tab or
newline, a prefix, lower case, r= twice or a '/' in another attribute made calamine
abort; single quotes and spaces around '=' were refused as cells without a reference."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.test_hostile_inputs import HEADER, cell, workbook

FAR = "sheet vInfo spans 1,048,576 rows; the limit is 150,000 data rows"
VALUE = ' t="inlineStr"><is><t>x</t></is></c>'


def run(path: Path) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-c", "from memplan.cli import main; main()", "import", "rvtools",
         str(path)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    "far",
    [
        '<c\tr="XFD1048576"' + VALUE,  # a tab, not a space, before r=
        '<c\nr="XFD1048576"' + VALUE,
        '<x:c r="XFD1048576"' + VALUE.replace("</c>", "</x:c>"),  # a namespace prefix
        '<c r="xfd1048576"' + VALUE,  # lower case
        '<c r="A2" r="XFD1048576"' + VALUE,  # calamine takes the last r=
        '<c r="A2" s="1" r="XFD1048576"' + VALUE,
        "<c r='XFD1048576'" + VALUE,  # single quotes
        '<c r="XFD1048576" x="a/b"' + VALUE,  # a '/' in another attribute
        '<c s="1"\n r = "XFD1048576"' + VALUE,
    ],
)
def test_a_far_value_cell_however_written_is_refused(tmp_path: Path, far: str) -> None:
    path = workbook(tmp_path / "far.xlsx", HEADER + f'<row r="2">{far}</row>')
    code, err = run(path)
    assert code == 4, err
    assert err.startswith(f"{path}:1:1: error: {FAR}"), err


def test_cells_written_otherwise_but_near_are_read(tmp_path: Path) -> None:
    """Prefixed elements, r= after another attribute, and an empty (style-only) cell far
    away, which calamine skips: read cell by cell, and the row is read (the VM is then
    skipped: its host is in no vHost tab)."""
    rows = (
        HEADER.replace("<c ", '<c s="0" ')
        + '<row r="2"><x:c r="A2" t="inlineStr"><is><t>vm1</t></is></x:c>'
        + cell("B2", "1024", ' s="1"').replace("<c ", "<c\t")
        + cell("C2", "esx1")
        + '<c r="XFD1048576" s="1"/></row>'
    )
    path = workbook(tmp_path / "near.xlsx", rows)
    code, err = run(path)
    assert code == 4, err  # no usable VM: invalid input (docs/import.md)
    assert "vInfo row 2 (vm1): no host and no cluster to place it in" in err


def test_r_equals_in_a_cell_s_text_is_read_cell_by_cell(tmp_path: Path) -> None:
    """' r=' anywhere but first in a <c or <row could be a second reference (files.py's
    _OTHER_R): in a value's text it is not, and the sheet, read cell by cell, imports."""
    rows = HEADER + (
        f'<row r="2">{cell("A2", "vm r=1")}{cell("B2", "1024")}{cell("C2", "esx1")}</row>'
    )
    path = workbook(tmp_path / "text.xlsx", rows)
    code, err = run(path)
    assert code == 4, err  # vm1's host is in no vHost tab, as above
    assert "vInfo row 2 (vm r=1): no host and no cluster to place it in" in err


def test_a_cell_reference_that_is_not_one_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "odd.xlsx", HEADER + '<row r="2"><c r="A-2"' + VALUE + "</row>")
    code, err = run(path)
    assert code == 4, err
    assert err.startswith(
        f"{path}:1:1: error: sheet vInfo has a cell reference r='A-2' that is not like A1"
    ), err


def test_memplan_reads_workbooks_without_openpyxl() -> None:
    """openpyxl is a test extra only (tests and benchmarks write workbooks with it):
    no module of memplan imports it, even inside a function."""
    import ast

    found = []
    for path in sorted((ROOT / "memplan").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{path.relative_to(ROOT)}:{node.lineno}" for n in names
                      if n.split(".")[0] == "openpyxl"]  # fmt: skip
    assert not found, found
