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

from memplan import engine, inventory
from memplan.render import Format, renderer, resolve
from tests.helpers import ROOT

GOLDEN = ROOT / "tests" / "golden"
SAMPLES = sorted(p.name for p in (ROOT / "samples").glob("*.yaml"))


def render(sample: str, fmt: Format, explain: bool = False) -> str:
    os.chdir(ROOT)
    report = engine.evaluate(inventory.load(f"samples/{sample}"))
    buffer = io.StringIO()
    console = Console(file=buffer, width=132, color_system=None, force_terminal=False)
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


@pytest.mark.parametrize(("sample", "fmt", "explain"), CASES)
def test_golden(sample: str, fmt: Format, explain: bool) -> None:
    suffix = SUFFIX[fmt]
    name = f"{sample.removesuffix('.yaml')}{'.explain' if explain else ''}.{suffix}"
    path = GOLDEN / name
    actual = render(sample, fmt, explain)
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
