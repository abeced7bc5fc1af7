"""CodeClimate JSON, the format of GitLab's code-quality report."""

from __future__ import annotations

import hashlib
import json

from rich.console import Console

from memplan.model import Report, Severity
from memplan.render.base import Renderer, has_lines, write_safe


class CodeClimateRenderer(Renderer):
    """``--format codeclimate``: a list of issues, one per finding that counts."""

    def render(self, report: Report, console: Console) -> None:
        """Write the issue list; fingerprints are stable across runs (rule, kind, subject)."""
        issues = [
            {
                "type": "issue",
                "check_name": f"{f.rule} {f.name}",
                "description": f"{f.kind} {f.subject}: {f.message}",
                "categories": ["Performance"],
                "severity": "critical" if f.severity is Severity.FAIL else "minor",
                "fingerprint": hashlib.sha256(
                    f"{f.rule}:{f.kind}:{f.subject}".encode()
                ).hexdigest()[:32],
                "location": {  # Code Climate needs a line: 1 for an export (has_lines)
                    "path": f.location.file,
                    "lines": {"begin": f.location.line if has_lines(f.location.file) else 1},
                },
            }
            for f in report.findings
            if f.suppressed is None
        ]
        write_safe(console, json.dumps(issues, indent=2, sort_keys=True) + "\n")
