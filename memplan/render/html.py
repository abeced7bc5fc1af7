"""``--format html``: one self-contained file to hand to people (docs/html.md).

The page has no script and requests nothing: styles are inline, charts are inline SVG
(render/charts.py), fonts are the reader's own. It prints on A4. Every chart's numbers
are also in a table, and every state and verdict is written in words beside its colour.

The template is Jinja2 with autoescaping on, so a name or message can never become markup;
Jinja2 and matplotlib are the ``html`` extra, imported only when this format is chosen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from importlib import resources
from typing import Any

from rich.console import Console

from memplan import __version__
from memplan.model import (
    ClusterForecast,
    Finding,
    HAResult,
    HostResult,
    Input,
    ProjectReport,
    Report,
    Severity,
    TimelinePoint,
)
from memplan.render import charts
from memplan.render.base import (
    Renderer,
    counts,
    ha_setup,
    unknown_configured,
    vms_cell,
    where,
)
from memplan.units import GIB

ICON = {Severity.OK: "✔", Severity.WARN: "▲", Severity.FAIL: "✖"}
"""A shape per verdict, so that colour is never the only signal."""

STANDALONE = "standalone hosts"


def _g(n: int) -> str:
    return f"{n / GIB:.1f}"


def _template() -> Any:
    import jinja2

    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    text = resources.files("memplan.render").joinpath("templates/report.html.j2").read_text("utf-8")
    return env.from_string(text)


def _slug(prefix: str, name: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name)
    return f"{prefix}-{keep}"


def _value(i: Input) -> str:
    if i.kind == "bytes" and isinstance(i.value, int):
        return f"{i.value:,} bytes ({i.value / GIB:.2f} GiB)"
    return str(i.value)


def _finding(f: Finding) -> dict[str, Any]:
    e = f.explanation
    return {
        "severity": f.severity.value,
        "icon": ICON[f.severity],
        "rule": f.rule,
        "name": f.name,
        "kind": f.kind,
        "subject": f.subject,
        "message": f.message,
        "where": where(f.location.file, f.location.line, f.location.column),
        "suppressed": f.suppressed,
        "formula": e.formula,
        "inputs": [(i.name, _value(i)) for i in e.inputs],
        "sources": list(e.sources),
    }


def _host(r: HostResult) -> dict[str, Any]:
    reclaim = [f"balloon {_g(r.balloon)}"] * bool(r.balloon) + [f"swap {_g(r.swap)}"] * bool(r.swap)
    return {
        "name": r.host.name,
        "memory": _g(r.host.memory),
        "capacity": _g(r.capacity),
        "vms": vms_cell(r),  # as the table: '-' where
        "configured": unknown_configured(r) or _g(r.configured),  # the export does not say
        "demand": _g(r.demand),
        "free": _g(r.free),
        "ratio": unknown_configured(r) or f"{r.overcommit_ratio:.2f}",
        "state": r.state.value,
        "reclaim": " ".join(reclaim) or "-",
        "verdict": r.verdict.value,
        "icon": ICON[r.verdict],
        "ha": None if r.ha_verdict is None else r.ha_verdict.value,
        "ha_icon": None if r.ha_verdict is None else ICON[r.ha_verdict],
        "marks": [
            m
            for m, on in (
                ("observed usage", r.observed_demand),
                ("in maintenance or not connected: no capacity", r.host.maintenance),
            )
            if on
        ],
    }


def _bars(hosts: Sequence[HostResult]) -> list[charts.HostBar]:
    return [charts.HostBar(h.host.name, h.capacity, h.demand, h.state, h.bands) for h in hosts]


def _ha(r: HAResult | None) -> dict[str, Any] | None:
    if r is None:
        return None
    if r.method == "none":
        scenario = "no failure simulated"
    else:
        how = {"given": "given on the command line", "exhaustive": f"worst of {r.scenarios} tried",
               "largest": "the largest hosts"}.get(r.method, r.method)  # fmt: skip
        scenario = f"failing {', '.join(r.failed_hosts)} ({how})"
    return {
        "policy": r.policy,
        "failures": r.failures,
        "setup": ha_setup(r),
        "scenario": scenario,
        "restarted": len(r.restarted),
        "unrestartable": list(r.unrestartable),
        "state_after": r.state_after.value,
        "ratio_after": f"{r.overcommit_ratio_after:.2f}" if r.survivors else "-",
        "verdict": r.verdict.value,
        "icon": ICON[r.verdict],
        "survivors": [_host(s) for s in r.survivors],
    }


def _series(points: Sequence[TimelinePoint], forecast: ClusterForecast | None) -> charts.Series:
    by_date: dict[date, list[TimelinePoint]] = defaultdict(list)
    for p in points:
        by_date[p.at].append(p)
    dates = tuple(sorted(by_date))
    return charts.Series(
        dates,
        tuple(sum(p.demand for p in by_date[d]) for d in dates),
        tuple(sum(p.capacity for p in by_date[d]) for d in dates),
        forecast.balloon_at if forecast else None,
        forecast.swap_at if forecast else None,
    )


def _timeline(
    name: str, points: Sequence[TimelinePoint], forecast: ClusterForecast | None
) -> dict[str, Any] | None:
    if not points:
        return None
    s = _series(points, forecast)
    return {
        "svg": charts.timeline_chart(f"{name}: demand and capacity over time", s),
        "rows": [
            (d.isoformat()[:7], _g(dem), _g(cap), _g(cap - dem))
            for d, dem, cap in zip(s.dates, s.demand, s.capacity, strict=True)
        ],
    }


def _groups(
    hosts: Sequence[HostResult],
) -> list[tuple[str, list[HostResult]]]:
    by: dict[str, list[HostResult]] = defaultdict(list)
    for h in hosts:
        by[h.host.cluster or STANDALONE].append(h)
    return sorted(by.items(), key=lambda kv: (kv[0] == STANDALONE, kv[0]))


def _dates(balloon_at: date | None, swap_at: date | None) -> dict[str, str | None]:
    """ISO dates; None where the projection finds no crossing within its horizon."""
    return {
        "balloon_at": balloon_at.isoformat() if balloon_at else None,
        "swap_at": swap_at.isoformat() if swap_at else None,
    }


def check_page(report: Report) -> dict[str, Any]:
    """Everything the template shows for ``memplan check``, formatted, in page order."""
    n = counts(report)
    clusters = {c.name: c for c in report.clusters}
    cluster_fc = {c.cluster: c for c in report.forecast.clusters} if report.forecast else {}
    host_fc = {h.host: h for h in report.forecast.hosts} if report.forecast else {}
    points: dict[str, list[TimelinePoint]] = defaultdict(list)
    for p in report.timeline:
        points[p.cluster or STANDALONE].append(p)
    sections: list[dict[str, Any]] = []
    for name, hosts in _groups(report.hosts):
        c = clusters.get(name)
        rows = [_host(h) for h in hosts]
        for row in rows:
            hf = host_fc.get(row["name"])
            if hf is not None:
                row["dates"] = _dates(hf.balloon_at, hf.swap_at)
        sections.append(
            {
                "id": _slug("cluster", name),
                "name": name,
                "standalone": c is None,
                "summary": None
                if c is None
                else {
                    "capacity": _g(c.capacity),
                    "demand": _g(c.demand),
                    "free": _g(c.free),
                    "ratio": f"{c.overcommit_ratio:.2f}",
                    "state": c.state.value,
                    "verdict": c.verdict.value,
                    "icon": ICON[c.verdict],
                },
                "svg": charts.demand_chart(f"{name}: demand against capacity", _bars(hosts)),
                "hosts": rows,
                "ha": _ha(c.ha) if c is not None else None,
                "forecast": _dates(cluster_fc[name].balloon_at, cluster_fc[name].swap_at)
                if name in cluster_fc
                else None,
                "timeline": _timeline(name, points.get(name, []), cluster_fc.get(name)),
            }
        )
    shown = [f for f in report.findings if f.severity is not Severity.OK]
    fc = report.forecast
    return {
        "command": "check",
        "step": None,
        "notes": [],
        "title": f"memplan check {report.source}: {report.verdict.value.upper()}",
        "source": report.source,
        "verdict": report.verdict.value,
        "icon": ICON[report.verdict],
        "counts": n,
        "as_of": fc.as_of.isoformat() if fc else None,
        "horizon": fc.horizon_months if fc else None,
        "whatifs": [str(w) for w in report.whatifs],
        "reading": report.policy.reading,
        "version": __version__,
        "clusters": [
            {
                "id": s["id"],
                "name": s["name"],
                "hosts": len(s["hosts"]),
                **(s["summary"] or {}),
                "ha": s["ha"],
            }
            for s in sections
            if not s["standalone"]
        ],
        "sections": sections,
        "findings": [_finding(f) for f in shown],
    }


def project_page(r: ProjectReport) -> dict[str, Any]:
    """Everything the template shows for ``memplan project``."""
    cluster_fc = {c.cluster: c for c in r.forecast.clusters}
    host_fc = {h.host: h for h in r.forecast.hosts}
    by: dict[str, list[TimelinePoint]] = defaultdict(list)
    for p in r.points:
        by[p.cluster or STANDALONE].append(p)
    sections: list[dict[str, Any]] = []
    for name in sorted(by, key=lambda n: (n == STANDALONE, n)):
        hosts = sorted({p.host for p in by[name]})
        fc = cluster_fc.get(name)
        sections.append(
            {
                "id": _slug("cluster", name),
                "name": name,
                "standalone": name == STANDALONE,
                "summary": None,
                "ha": None,
                "forecast": _dates(fc.balloon_at, fc.swap_at) if fc else None,
                "timeline": _timeline(name, by[name], fc),
                "hosts": [
                    {"name": h, **_dates(host_fc[h].balloon_at, host_fc[h].swap_at)}
                    for h in hosts
                    if h in host_fc
                ],
            }
        )
    return {
        "command": "project",
        "reading": None,
        "title": f"memplan project {r.source}",
        "source": r.source,
        "as_of": r.as_of.isoformat(),
        "horizon": r.horizon_months,
        "step": r.step_months,
        "whatifs": [str(w) for w in r.whatifs],
        "version": __version__,
        "sections": sections,
        "notes": [n.text for n in r.notes],
    }


def write_page(page: dict[str, Any], console: Console) -> None:
    """Render ``page`` through the template into ``console``'s file."""
    console.file.write(_cleaned(_template().render(**page)) + "\n")


_CONTROL = dict.fromkeys(
    (*range(32), 127, *range(128, 160), 0x2028, 0x2029, *range(0x202A, 0x202F),
     *range(0x2066, 0x206A), *range(0xD800, 0xE000)),
    "�",
)  # bidirectional overrides would reorder what the page shows; lone surrogates cannot encode  # fmt: skip
for _keep in (0x09, 0x0A):
    del _CONTROL[_keep]


def _cleaned(text: str) -> str:
    """The page with control characters a name may carry replaced (HTML escaping leaves
    them, and they are not allowed in an HTML document)."""
    return text.translate(_CONTROL)


class HtmlRenderer(Renderer):
    """``--format html``: ``memplan check`` as one self-contained page."""

    def render(self, report: Report, console: Console) -> None:
        """Write the page for ``report``."""
        write_page(check_page(report), console)
