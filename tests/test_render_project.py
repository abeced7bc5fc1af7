"""project's JSON writes its points through a template (render/project.py _POINT) and the
rest of the document a key at a time: the same bytes as ``json.dumps(doc, indent=2,
sort_keys=True)`` of the whole document with a dict per point."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from memplan.cli import app
from memplan.model import MemState, TimelinePoint
from memplan.render.project import _indented, _point_lines, _row
from tests.helpers import ROOT


def test_every_sample_writes_what_the_encoder_writes() -> None:
    """With a step, with demand growth (arrivals) and with in-VM growth."""
    runs = 0
    for path in sorted((ROOT / "samples").glob("*.yaml")):
        for extra in ([], ["--step", "3m"], ["--growth", "4%/month"],
                      ["--growth", "2%/month", "--growth-scope", "vm"]):  # fmt: skip
            args = ["project", str(path), "--horizon", "24m", "--as-of", "2026-01-01", "-f", "json"]
            result = CliRunner().invoke(app, [*args, *extra])
            assert result.exit_code == 0, result.output
            doc = json.loads(result.stdout)
            assert doc["points"]
            assert result.stdout == json.dumps(doc, indent=2, sort_keys=True) + "\n"
            runs += 1
    assert runs >= 8


names = st.text(min_size=1, max_size=12)  # quotes, backslashes, control and non-ASCII too
sizes = st.integers(min_value=-(2**50), max_value=2**50)


@given(
    cluster=st.none() | names, host=names, ints=st.lists(sizes, min_size=3, max_size=3),
    month=st.integers(0, 600), arrived=st.integers(0, 10**6), state=st.sampled_from(list(MemState)),
    day=st.dates(date(1, 1, 1), date(9999, 12, 31)), maintenance=st.booleans(),
)  # fmt: skip
def test_point_template_matches_the_encoder(
    cluster: str | None, host: str, ints: list[int], month: int, arrived: int,
    state: MemState, day: date, maintenance: bool,
) -> None:  # fmt: skip
    p = TimelinePoint(
        month, day, cluster, host, ints[0], ints[1], ints[2], state, arrived, maintenance
    )
    two_levels_down = json.dumps(_row(p), indent=2, sort_keys=True).replace("\n", "\n    ")
    assert _point_lines((p, p)) == [two_levels_down, two_levels_down]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(
    doc=st.dictionaries(st.text(max_size=8), json_values, max_size=6),
    points=st.lists(st.builds(
        TimelinePoint, st.integers(0, 24), st.dates(), st.none() | names, names, sizes, sizes,
        sizes, st.sampled_from(list(MemState)), st.integers(0, 9), st.booleans(),
    ), max_size=3),
)  # fmt: skip
def test_document_matches_the_encoder(doc: dict[str, Any], points: list[TimelinePoint]) -> None:
    """Any other keys and values, before and after "points"; no points at all too."""
    full = {**doc, "points": [_row(p) for p in points]}
    rest = {**doc, "points": []}
    expected = json.dumps(full, indent=2, sort_keys=True)
    assert _indented(rest, _point_lines(tuple(points))) == expected
