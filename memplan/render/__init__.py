"""Output formats: one class each behind the Renderer interface.

Adding a member to Format without wiring it in ``renderer()`` fails mypy
(``assert_never``) and the test that walks every member.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, assert_never

if TYPE_CHECKING:  # render.base imports Rich's console: the commands that render import it
    from memplan.render.base import Renderer


class Format(StrEnum):
    """The user's choice of ``--format`` (``auto`` is resolved by the CLI)."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
    JUNIT = "junit"
    SARIF = "sarif"
    GITHUB = "github"
    CODECLIMATE = "codeclimate"
    HTML = "html"
    AUTO = "auto"


def resolve(fmt: Format, github_actions: bool) -> tuple[Format, ...]:
    """The formats ``fmt`` stands for: ``auto`` is GitHub annotations plus the table when
    running in GitHub Actions, the table elsewhere."""
    if fmt is Format.AUTO:
        return (Format.GITHUB, Format.TABLE) if github_actions else (Format.TABLE,)
    return (fmt,)


class RightsizeFormat(StrEnum):
    """``memplan rightsize --format``. Here rather than in render.rightsize, like
    TrendFormat: check takes rightsize's and trend's what-if options from their command
    modules, whose signatures name these, and should not import their renderers."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"


class TrendFormat(StrEnum):
    """``memplan trend --format``."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"


def renderer(
    fmt: Format,
    *,
    explain: bool = False,
    vms: bool = False,
    host: str | None = None,
    csv_vms: bool = False,
    verbose: bool = False,
    wide: bool = False,
    quiet: bool = False,
) -> Renderer:
    """The renderer of ``fmt`` (the keyword options shape the table and CSV only; files
    get the whole table whatever ``quiet`` says).

    Each format's module is imported only when chosen: start-up time is a feature.
    """
    if fmt is Format.TABLE:
        from memplan.render.table import TableRenderer

        return TableRenderer(
            explain=explain, vms=vms, host=host, verbose=verbose, wide=wide, quiet=quiet
        )
    if fmt is Format.JSON:
        from memplan.render.json import JsonRenderer

        return JsonRenderer()
    if fmt is Format.CSV:
        from memplan.render.csv import CsvRenderer

        return CsvRenderer(vms=csv_vms)
    if fmt is Format.MARKDOWN:
        from memplan.render.markdown import MarkdownRenderer

        return MarkdownRenderer()
    if fmt is Format.JUNIT:
        from memplan.render.junit import JUnitRenderer

        return JUnitRenderer()
    if fmt is Format.SARIF:
        from memplan.render.sarif import SarifRenderer

        return SarifRenderer()
    if fmt is Format.GITHUB:
        from memplan.render.github import GithubRenderer

        return GithubRenderer()
    if fmt is Format.CODECLIMATE:
        from memplan.render.codeclimate import CodeClimateRenderer

        return CodeClimateRenderer()
    if fmt is Format.HTML:
        from memplan.render.html import HtmlRenderer

        return HtmlRenderer()
    if fmt is Format.AUTO:
        raise ValueError("resolve() Format.AUTO to concrete formats first")
    assert_never(fmt)
