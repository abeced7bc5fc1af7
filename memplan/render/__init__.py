"""Output formats: one class each behind the Renderer interface.

Adding a member to Format without wiring it in ``renderer()`` fails mypy
(``assert_never``) and the test that walks every member.
"""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

from memplan.render.base import Renderer
from memplan.render.json import JsonRenderer
from memplan.render.table import TableRenderer


class Format(StrEnum):
    """The user's choice of ``--format``."""

    TABLE = "table"
    JSON = "json"


def renderer(
    fmt: Format, *, explain: bool = False, vms: bool = False, host: str | None = None
) -> Renderer:
    """The renderer of ``fmt`` (``explain``, ``vms`` and ``host`` shape the table only)."""
    if fmt is Format.TABLE:
        return TableRenderer(explain=explain, vms=vms, host=host)
    if fmt is Format.JSON:
        return JsonRenderer()
    assert_never(fmt)
