"""Notes grouped by kind: a count and the first few, every one with --verbose."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from memplan.cli import app
from memplan.model import Note
from memplan.render.notes import HEADINGS, grouped, wrap_line
from tests.helpers import DATA, ROOT

MANY = """version: 1
clusters:
  - name: prod
    hosts:
      - {name: esx01, memory: 512GiB, managed: 511GiB}
      - {name: esx02, memory: 512GiB, managed: 511GiB}
    vms:
""" + "".join(f"      - {{name: app{i:02}, memory: 16GiB, active: 4GiB}}\n" for i in range(1, 8))


def test_a_kind_with_more_than_four_notes_is_a_count_and_three_examples() -> None:
    notes = [Note("placed", f"placed vm{i} on h") for i in range(1, 6)]
    notes += [Note("no-cpus", "row 2 (x): no CPUs; assumed 1")]
    notes += [Note("placed", "placed vm6 on h")]
    assert grouped(notes) == [
        "note: 6 VMs placed by memplan (no host: given); the first 3 (-v lists all):",
        "  placed vm1 on h",
        "  placed vm2 on h",
        "  placed vm3 on h",
        "note: row 2 (x): no CPUs; assumed 1",
    ]


def test_four_notes_of_a_kind_print_as_they_are() -> None:
    notes = [Note("no-cpus", f"row {i}: no CPUs; assumed 1") for i in range(4)]
    assert grouped(notes, "import: ") == [f"import: row {i}: no CPUs; assumed 1" for i in range(4)]


def test_verbose_lists_every_note_kind_by_kind() -> None:
    notes = [Note("placed" if i % 2 else "other", f"n{i}") for i in range(12)]
    order = [*range(0, 12, 2), *range(1, 12, 2)]
    assert grouped(notes, verbose=True) == [f"note: n{i}" for i in order]


def test_a_kind_without_heading_is_headed_by_its_slug() -> None:
    lines = grouped([Note("brand-new", str(i)) for i in range(5)])
    assert lines[0] == "note: 5 brand-new; the first 3 (-v lists all):"


def test_every_kind_memplan_emits_has_a_heading() -> None:
    """A kind is a literal in a Note(...), skip(...) or repair(...) call; each needs a
    heading, or its group reads as a bare slug."""
    kinds: set[str] = set()
    for path in (ROOT / "memplan").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        kinds |= set(re.findall(r'(?:Note|\.skip|\.repair)\(\s*"([a-z-]+)"', text))
    assert {"placed", "no-cpus", "skip-no-memory", "left-out"} <= kinds  # the scan works
    assert kinds - {"import-summary"} <= set(HEADINGS)


def test_check_groups_placements_and_verbose_lists_them(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(MANY)
    short = CliRunner().invoke(app, ["check", str(path)])
    notes = [line for line in short.stdout.splitlines() if "placed" in line]
    assert notes == [
        "note: 7 VMs placed by memplan (no host: given); the first 3 (-v lists all):",
        "  placed app01 on esx01 (cluster VM without host:, most free memory)",
        "  placed app02 on esx02 (cluster VM without host:, most free memory)",
        "  placed app03 on esx01 (cluster VM without host:, most free memory)",
    ]
    for flag in ("-v", "--verbose"):
        full = CliRunner().invoke(app, ["check", str(path), flag])
        placed = [line for line in full.stdout.splitlines() if "placed" in line]
        assert len(placed) == 7
        assert (
            placed[-1] == "note: placed app07 on esx01 (cluster VM without host:, most free memory)"
        )


def test_import_groups_repairs_on_stderr(tmp_path: Path) -> None:
    """The real export has 8 size disagreements (a heading and three examples), 4 hosts
    not in vHost (one line each, with its VM count: four or fewer are not grouped), vm-9's
    three repairs, the ESX version line and the summary."""
    export = str(DATA / "rvtools" / "example1.xlsx")
    out = str(tmp_path / "inv.yaml")
    short = CliRunner().invoke(app, ["import", "rvtools", export, "-o", out]).stderr.splitlines()
    assert len(short) == 1 + 4 + 3 + 4 + 1
    assert short[1] == (
        "import: 8 VMs whose vInfo Memory and vMemory Size MiB disagree: vMemory used;"
        " the first 3 (-v lists all):"
    )
    assert short[2].startswith("  vInfo row 2 (vm-1): vInfo Memory 2224 MiB")
    full = CliRunner().invoke(app, ["import", "rvtools", export, "-o", out, "-v"])
    lines = full.stderr.splitlines()
    assert len(lines) == 1 + 8 + 3 + 4 + 1
    assert all(line.startswith("import: ") for line in lines)


def test_import_lines_wrap_at_the_width_of_stderr(tmp_path: Path) -> None:
    """At COLUMNS=80 the size-disagreement heading (105 columns) wrapped nowhere; each line
    now breaks between words, its continuation indented two more, nothing lost."""
    export = str(DATA / "rvtools" / "example1.xlsx")
    out = str(tmp_path / "inv.yaml")

    def stderr(columns: int) -> list[str]:
        env = {"COLUMNS": str(columns)}
        return CliRunner(env=env).invoke(app, ["import", "rvtools", export, "-o", out]).stderr.splitlines()  # fmt: skip

    narrow, wide = stderr(80), stderr(200)
    assert max(map(len, narrow)) <= 80 < max(map(len, wide))
    assert narrow[1:3] == [
        "import: 8 VMs whose vInfo Memory and vMemory Size MiB disagree: vMemory used;",
        "  the first 3 (-v lists all):",
    ]
    assert " ".join(narrow).split() == " ".join(wide).split()  # the same words, in order


def test_wrap_line_keeps_a_number_with_its_unit() -> None:
    assert wrap_line("  vm-3: vInfo Memory 3526 MiB and vMemory 4096 MiB; using vMemory", 34) == [
        "  vm-3: vInfo Memory 3526 MiB and",
        "    vMemory 4096 MiB; using",
        "    vMemory",
    ]
    assert wrap_line("import: short", 80) == ["import: short"]
    assert wrap_line("import: /a/very/long/path/that/fits/nowhere.xlsx ok", 20) == [
        "import:",
        "  /a/very/long/path/that/fits/nowhere.xlsx",
        "  ok",
    ]
