"""Golden files for every output format on every sample (fixed width, no colour; the
HTML report's charts are replaced by a placeholder, since their SVG depends on matplotlib's
version).

Regenerate after an intended change: MEMPLAN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
and review the diff like code.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from rich.console import Console
from typer.testing import CliRunner

from memplan import engine, inventory
from memplan.cli import app
from memplan.render import Format, renderer, resolve
from tests.helpers import ROOT

GOLDEN = ROOT / "tests" / "golden"
SAMPLES = sorted(p.name for p in (ROOT / "samples").glob("*.yaml"))


def render(sample: str, fmt: Format, explain: bool = False, width: int = 132) -> str:
    os.chdir(ROOT)
    report = engine.evaluate(inventory.load(f"samples/{sample}"))
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    renderer(fmt, explain=explain).render(report, console)
    text = buffer.getvalue()
    if fmt is Format.HTML:  # charts vary with matplotlib's version; tests/test_html.py checks them
        text = re.sub(r"<svg\b.*?</svg>", "<svg><!-- chart --></svg>", text, flags=re.S)
    return text


FORMATS = [f for f in Format if f is not Format.AUTO]
SUFFIX = {Format.TABLE: "txt", Format.JSON: "json", Format.CSV: "csv", Format.MARKDOWN: "md",
          Format.JUNIT: "junit.xml", Format.SARIF: "sarif", Format.GITHUB: "github.txt",
          Format.CODECLIMATE: "codeclimate.json", Format.HTML: "html"}  # fmt: skip
CASES = [
    *((s, f, False) for s in SAMPLES for f in (Format.TABLE, Format.JSON)),
    *(("realistic.yaml", f, False) for f in FORMATS if f not in (Format.TABLE, Format.JSON)),
    ("realistic.yaml", Format.TABLE, True),
]
WIDTHS = (80, 100)
"""Widths of the narrow table goldens (the others are at 132, the width of a pipe)."""


@pytest.mark.parametrize(("sample", "fmt", "explain"), CASES)
def test_golden(sample: str, fmt: Format, explain: bool) -> None:
    suffix = SUFFIX[fmt]
    name = f"{sample.removesuffix('.yaml')}{'.explain' if explain else ''}.{suffix}"
    check_golden(name, render(sample, fmt, explain))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("explain", [False, True])
def test_table_golden_at_narrow_widths(width: int, explain: bool) -> None:
    name = f"realistic{'.explain' if explain else ''}.{width}.txt"
    check_golden(name, render("realistic.yaml", Format.TABLE, explain, width))


COMMANDS = {
    "project.realistic": ["project", "samples/realistic.yaml", "--as-of", "2026-12-01",
                          "--horizon", "24m", "--step", "6m", "--growth", "2%/month"],
    "headroom.realistic": ["headroom", "samples/realistic.yaml", "--vm", "16GiB,vcpus=4"],
    "rightsize.realistic": ["rightsize", "samples/realistic.yaml", "--top", "8"],
    "trend.history": ["trend", "samples/history/"],
}  # fmt: skip
"""The project, headroom, rightsize and trend goldens: what the commands print for people,
through the CLI; at 80 columns columns hide rather than names fold (docs/output.md)."""


@pytest.mark.parametrize("width", [80, 100, 132])
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_table_goldens(name: str, width: int) -> None:
    os.chdir(ROOT)
    result = CliRunner(env={"COLUMNS": str(width)}).invoke(app, COMMANDS[name])
    assert result.exit_code == 0, result.stderr
    check_golden(f"{name}.{width}.txt", result.stdout)


def test_table_goldens_fit_their_width() -> None:
    """Each line within its width, nothing cut with an ellipsis, no trailing space."""
    goldens = sorted(p for p in GOLDEN.glob("*.txt") if ".github." not in p.name)
    assert len(goldens) >= 13
    for path in goldens:
        digits = path.name.split(".")[-2]
        width = int(digits) if digits.isdigit() else 132
        for n, line in enumerate(path.read_text().splitlines(), 1):
            where = f"{path.name}:{n}"
            assert len(line) <= width, where
            assert "…" not in line, where
            assert line == line.rstrip(), where


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("MEMPLAN_UPDATE_GOLDEN"):
        path.write_text(actual)
    assert actual == path.read_text(), f"{name} changed; see the module docstring"


def test_output_is_deterministic() -> None:
    assert render("realistic.yaml", Format.JSON) == render("realistic.yaml", Format.JSON)


def test_every_format_is_wired_and_has_a_golden_file() -> None:
    for fmt in FORMATS:
        assert renderer(fmt) is not None
        assert any(c[1] is fmt for c in CASES)
    with pytest.raises(ValueError, match="resolve"):
        renderer(Format.AUTO)
    assert resolve(Format.AUTO, github_actions=True) == (Format.GITHUB, Format.TABLE)
    assert resolve(Format.AUTO, github_actions=False) == (Format.TABLE,)
