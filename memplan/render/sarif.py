"""SARIF 2.1.0: one rule per memplan rule, one result per finding, at its file and line."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from memplan import __version__
from memplan.model import Finding, Report, Severity
from memplan.render.base import Renderer, has_lines, write_safe
from memplan.rules import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.FAIL: "error", Severity.WARN: "warning", Severity.OK: "note"}


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    doc = (rule.__doc__ or "").strip()
    return {
        "id": rule_id,
        "name": rule.RULE.name,
        "shortDescription": {"text": rule.RULE.summary},
        "fullDescription": {"text": doc.split("\n\n")[1] if "\n\n" in doc else rule.RULE.summary},
        "help": {"text": doc, "markdown": doc},
        "helpUri": f"https://github.com/memplan/memplan/blob/main/docs/rules.md#{rule_id.lower()}-{rule.RULE.name}",
        "defaultConfiguration": {"level": LEVEL[rule.RULE.severity]},
    }


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    loc = f.location
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": LEVEL[f.severity],
        "message": {"text": f"{f.kind} {f.subject}: {f.message}"},
        "partialFingerprints": {"memplanFinding/v1": f"{f.rule}:{f.kind}:{f.subject}"},
    }
    location: dict[str, Any] = {"logicalLocations": [{"name": f.subject, "kind": f.kind}]}
    if loc.file.startswith("--"):
        result["properties"] = {"fromFlag": loc.file}  # made by a what-if on the command line
    else:
        location["physicalLocation"] = {"artifactLocation": {"uri": loc.file}}
        if has_lines(loc.file):
            location["physicalLocation"]["region"] = {
                "startLine": loc.line, "startColumn": loc.column,
            }  # fmt: skip
    result["locations"] = [location]
    if f.suppressed:
        kind = "external" if f.suppressed == "in baseline" else "inSource"
        result["suppressions"] = [{"kind": kind, "justification": f.suppressed}]
    return result


class SarifRenderer(Renderer):
    """``--format sarif`` (GitHub code scanning and friends)."""

    def render(self, report: Report, console: Console) -> None:
        """Write the SARIF log: every rule in the driver, every finding as a result."""
        ids = list(RULES)
        index = {rule_id: i for i, rule_id in enumerate(ids)}
        log = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "memplan",
                    "version": __version__,
                    "informationUri": "https://github.com/memplan/memplan",
                    "rules": [_rule(i) for i in ids],
                }},
                "results": [_result(f, index) for f in report.findings],
                "columnKind": "unicodeCodePoints",
            }],
        }  # fmt: skip
        write_safe(console, json.dumps(log, indent=2, sort_keys=True) + "\n")
