"""What changed in capacity between two revisions of an inventory. Pure functions."""

from __future__ import annotations

from datetime import date

from memplan.model import (
    Change,
    ClusterDelta,
    ClusterHeadroom,
    DiffReport,
    Finding,
    Report,
    worst,
)


def _key(f: Finding) -> tuple[str, str, str]:
    return (f.rule, f.kind, f.subject)


def compare(
    old: Report,
    new: Report,
    old_headroom: tuple[ClusterHeadroom, ...] = (),
    new_headroom: tuple[ClusterHeadroom, ...] = (),
) -> DiffReport:
    """Compare two evaluated revisions."""
    changes: list[Change] = []
    for kind, before, after in (
        ("host", {h.host.name: h.host.memory for h in old.hosts}, {h.host.name: h.host.memory for h in new.hosts}),
        ("vm", {v.vm.name: v.vm.memory for v in old.vms}, {v.vm.name: v.vm.memory for v in new.vms}),
    ):  # fmt: skip
        for name in sorted(before.keys() | after.keys()):
            was, now = before.get(name), after.get(name)
            if was is None:
                changes.append(Change(kind, name, "added", None, now))
            elif now is None:
                changes.append(Change(kind, name, "removed", was, None))
            elif was != now:
                changes.append(Change(kind, name, "resized", was, now))

    def dates(r: Report) -> dict[str, tuple[date | None, date | None]]:
        f = r.forecast
        return {c.cluster: (c.balloon_at, c.swap_at) for c in f.clusters} if f else {}

    od, nd = dates(old), dates(new)
    oh = {c.cluster: c.count_ha if c.count_ha is not None else c.count for c in old_headroom}
    nh = {c.cluster: c.count_ha if c.count_ha is not None else c.count for c in new_headroom}
    oc, nc = {c.name: c for c in old.clusters}, {c.name: c for c in new.clusters}
    clusters = []
    for name in sorted(oc.keys() | nc.keys()):
        a, b = oc.get(name), nc.get(name)
        clusters.append(
            ClusterDelta(
                name,
                (a.overcommit_ratio if a else None, b.overcommit_ratio if b else None),
                (a.free if a else None, b.free if b else None),
                (a.state if a else None, b.state if b else None),
                (od.get(name, (None, None))[0], nd.get(name, (None, None))[0]),
                (od.get(name, (None, None))[1], nd.get(name, (None, None))[1]),
                (oh.get(name), nh.get(name)),
            )
        )
    before_keys = {_key(f) for f in old.findings}
    after_keys = {_key(f) for f in new.findings}
    fresh = tuple(f for f in new.findings if _key(f) not in before_keys)
    gone = tuple(f for f in old.findings if _key(f) not in after_keys)
    return DiffReport(
        old.source, new.source, tuple(changes), tuple(clusters), fresh, gone,
        worst(f.severity for f in fresh if f.suppressed is None),
    )  # fmt: skip
