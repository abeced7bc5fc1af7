"""The JSON renderer's VM and finding templates write exactly what the dict and the
encoder would; the document says the day its figures are of."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from memplan import engine, inventory
from memplan.cli import app
from memplan.model import VM, Explanation, Finding, Input, Location, Severity, VMResult
from memplan.render.json import _finding, _finding_lines, _vm, _vm_lines
from tests.helpers import ROOT


def test_template_matches_the_encoder_on_every_sample() -> None:
    for path in sorted((ROOT / "samples").glob("*.yaml")):
        report = engine.evaluate(inventory.load(str(path)))
        assert report.vms
        expected = [json.dumps(_vm(r), sort_keys=True) for r in report.vms]
        assert _vm_lines(report.vms) == expected


names = st.text(min_size=1, max_size=12)  # quotes, backslashes, control and non-ASCII too
sizes = st.integers(min_value=0, max_value=2**50)
maybe = st.none() | sizes


@given(
    name=names, host=st.none() | names, cluster=st.none() | names, file=names, tags=st.lists(names),
    ints=st.lists(sizes, min_size=15, max_size=15), limit=maybe, balloon_max=maybe,
    flags=st.lists(st.booleans(), min_size=5, max_size=5), level=st.sampled_from(["low", "custom"]),
    verdict=st.sampled_from(list(Severity)),
)  # fmt: skip
def test_template_matches_the_encoder_on_any_vm(
    name: str, host: str | None, cluster: str | None, file: str, tags: list[str],
    ints: list[int], limit: int | None, balloon_max: int | None, flags: list[bool],
    level: str, verdict: Severity,
) -> None:  # fmt: skip
    memory, vcpus, res, shares, active, consumed, overhead, *rest = ints
    vm = VM(
        name, memory, vcpus, flags[0], res, limit, shares, level, active, flags[1], consumed,
        flags[2], overhead, flags[3], balloon_max, tuple(tags), host, cluster,
        Location(file, rest[0], rest[1]),
    )  # fmt: skip
    r = VMResult(vm, host, flags[4], *rest[2:], verdict)  # type: ignore[arg-type]
    assert _vm_lines((r,)) == [json.dumps(_vm(r), sort_keys=True)]


def test_finding_template_matches_the_encoder_on_every_sample() -> None:
    """The samples, and a generated estate whose findings come from many rules."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    found = 0
    paths = sorted((ROOT / "samples").glob("**/*.yaml"))
    for inv in [*map(inventory.load, map(str, paths)), inventory.parse(
            generate(40, 30, seed=2).encode(), "gen.yaml")]:  # fmt: skip
        report = engine.evaluate(inv)
        expected = [json.dumps(_finding(f), sort_keys=True) for f in report.findings]
        assert list(_finding_lines(report.findings)) == expected
        found += len(expected)
    assert found > 100


values = (
    st.integers(-(2**70), 2**70) | st.floats() | st.booleans() | names | st.just("")
)  # NaN and infinities too, written as the encoder writes them


@given(
    texts=st.lists(names, min_size=8, max_size=8), line=sizes, column=sizes,
    inputs=st.lists(st.tuples(names, values, names), max_size=4), sources=st.lists(names),
    severity=st.sampled_from(list(Severity)), suppressed=st.none() | names,
)  # fmt: skip
def test_finding_template_matches_the_encoder_on_any_finding(
    texts: list[str], line: int, column: int, inputs: list[tuple[str, Any, str]],
    sources: list[str], severity: Severity, suppressed: str | None,
) -> None:  # fmt: skip
    rule, name, kind, subject, message, file, formula, _ = texts
    f = Finding(
        rule, name, severity, kind, subject, message, Location(file, line, column),
        Explanation(formula, tuple(Input(*i) for i in inputs), tuple(sources)), suppressed,
    )  # fmt: skip
    assert list(_finding_lines([f])) == [json.dumps(_finding(f), sort_keys=True)]


def test_long_lists_are_written_whole() -> None:
    from memplan.render.json import dumps

    for n in (1, 1023, 1024, 1025, 2048, 3000):
        doc = {"a": [{"i": i} for i in range(n)], "b": []}
        assert json.loads(dumps(doc)) == doc
        text = dumps({"a": []}, {"a": [json.dumps({"i": i}) for i in range(n)]})
        assert json.loads(text) == {"a": [{"i": i} for i in range(n)]}


def test_the_report_says_the_day_its_figures_are_of(tmp_path: Path) -> None:
    """`collected` is the inventory's `collected:` day (a time given in another zone is
    converted to UTC first: 23:30 at -05:00 is 04:30 the next day), null when the inventory
    does not say; the same input gives the same bytes."""
    runner = CliRunner()

    def doc(path: str) -> tuple[dict[str, Any], str]:
        result = runner.invoke(app, ["check", path, "--format", "json"])
        assert result.exit_code in (0, 1), result.stderr
        return json.loads(result.stdout), result.stdout

    assert doc(str(ROOT / "samples/history/shop-2026-11.yaml"))[0]["collected"] == "2026-11-01"
    assert doc(str(ROOT / "samples/small.yaml"))[0]["collected"] is None
    text = (ROOT / "samples/small.yaml").read_text()
    zoned = tmp_path / "zoned.yaml"
    zoned.write_text(
        text.replace("version: 1\n", "version: 1\ncollected: 2026-11-03T23:30:00-05:00\n")
    )
    first, raw = doc(str(zoned))
    assert first["collected"] == "2026-11-04"
    assert doc(str(zoned))[1] == raw
