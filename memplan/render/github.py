"""GitHub Actions workflow commands: one annotation per finding at its file and line."""

from __future__ import annotations

from rich.console import Console

from memplan.model import Report, Severity
from memplan.render.base import Renderer, has_lines, write_safe


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


class GithubRenderer(Renderer):
    """``--format github``: ``::error file=...,line=...,col=...::message``."""

    def render(self, report: Report, console: Console) -> None:
        """One line per finding that counts; waived and baseline findings are notices."""
        lines = []
        for f in report.findings:
            level = (
                "notice" if f.suppressed else {Severity.FAIL: "error"}.get(f.severity, "warning")
            )
            props = [f"title={_prop(f'{f.rule} {f.name}')}"]
            if f.location.file.startswith("--"):
                pass
            elif has_lines(f.location.file):
                props = [
                    f"file={_prop(f.location.file)}", f"line={f.location.line}",
                    f"col={f.location.column}", *props,
                ]  # fmt: skip
            else:  # an export: the file alone (its line would be one memplan wrote in memory)
                props = [f"file={_prop(f.location.file)}", *props]
            suffix = f" ({f.suppressed})" if f.suppressed else ""
            lines.append(
                f"::{level} {','.join(props)}::{_data(f'{f.kind} {f.subject}: {f.message}{suffix}')}"
            )
        write_safe(console, "".join(line + "\n" for line in lines))
