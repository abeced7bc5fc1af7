"""JUnit XML: one testsuite per cluster, one testcase per host and rule.

Passing cases are included, so CI dashboards count what was checked. A testcase fails
(a <failure> element) when a finding of that rule at fail counts against that host, one
of its VMs, or (for cluster rules) the cluster; warnings go to <system-out>.
"""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from rich.console import Console

from memplan.model import Finding, Report, Severity
from memplan.render.base import Renderer, write_safe
from memplan.rules import RULES


def _owner(
    f: Finding, host_of: dict[str, str | None], cluster_of: dict[str, str | None]
) -> tuple[str, str]:
    """(suite, case owner) a finding belongs to: a VM's finding goes to its host."""
    if f.kind == "vm":
        host = host_of.get(f.subject)
        if host is not None:
            return cluster_of.get(host) or "standalone", host
        return cluster_of.get(f.subject) or "standalone", "(unplaced VMs)"
    if f.kind == "host":
        return cluster_of.get(f.subject) or "standalone", f.subject
    if f.kind == "cluster":
        return f.subject, "(cluster)"
    return "memplan", f"({f.kind})"


class JUnitRenderer(Renderer):
    """``--format junit`` (GitLab test reports, Jenkins junit)."""

    def render(self, report: Report, console: Console) -> None:
        """Write the XML document."""
        host_of = {r.vm.name: r.host for r in report.vms}
        cluster_of: dict[str, str | None] = {h.host.name: h.host.cluster for h in report.hosts}
        cluster_of.update({r.vm.name: r.vm.cluster for r in report.vms})
        by_case: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
        for f in report.findings:
            suite, owner = _owner(f, host_of, cluster_of)
            by_case[(suite, owner, f.rule)].append(f)
        suites: dict[str, list[str]] = defaultdict(list)
        for h in report.hosts:
            suites[h.host.cluster or "standalone"].append(h.host.name)
        for suite, owner, _ in by_case:
            if owner not in suites[suite]:
                suites[suite].append(owner)
        root = ET.Element("testsuites", name="memplan")
        total = failed = 0
        for suite in sorted(suites):
            el = ET.SubElement(root, "testsuite", name=suite)
            tests = fails = 0
            for owner in suites[suite]:
                for rule_id, rule in RULES.items():
                    case = ET.SubElement(el, "testcase", name=f"{rule_id} {rule.RULE.name}",
                                         classname=f"memplan.{suite}.{owner}", time="0")  # fmt: skip
                    tests += 1
                    found = by_case.get((suite, owner, rule_id), [])
                    bad = [f for f in found if f.severity is Severity.FAIL and f.suppressed is None]
                    if bad:
                        fails += 1
                        failure = ET.SubElement(
                            case, "failure", message=bad[0].message, type=rule_id
                        )
                        failure.text = "\n".join(f"{f.kind} {f.subject}: {f.message}" for f in bad)
                    rest = [f for f in found if f not in bad]
                    if rest:
                        out = ET.SubElement(case, "system-out")
                        out.text = "\n".join(
                            f"{f.severity.value} {f.kind} {f.subject}: {f.message}"
                            + (f" ({f.suppressed})" if f.suppressed else "")
                            for f in rest
                        )
            el.set("tests", str(tests))
            el.set("failures", str(fails))
            el.set("errors", "0")
            el.set("skipped", "0")
            el.set("time", "0")
            total += tests
            failed += fails
        root.set("tests", str(total))
        root.set("failures", str(failed))
        root.set("errors", "0")
        root.set("time", "0")
        ET.indent(root)
        write_safe(
            console,
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode")
            + "\n",
        )
