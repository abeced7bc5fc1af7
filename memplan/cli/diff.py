"""``memplan diff``."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from memplan import engine, inventory
from memplan.errors import InventoryError, UsageError
from memplan.model import MemState

if TYPE_CHECKING:
    pass
from memplan.cli.exits import error_exit, exit_for, usage_exit
from memplan.cli.loading import build_scenario
from memplan.cli.options import (
    AsOfOpt,
    FailOn,
    GrowthOpt,
    GrowthScope,
    GrowthScopeOpt,
    HorizonOpt,
    NoColorOpt,
)
from memplan.cli.output import make_console


class DiffFormat(StrEnum):
    """``memplan diff --format``."""

    TABLE = "table"
    MARKDOWN = "markdown"
    JSON = "json"


def diff(
    ctx: typer.Context,
    files: Annotated[
        list[str],
        typer.Argument(
            help="OLD.yaml NEW.yaml, or NEW.yaml with --against-git (RVTools workbooks too).",
            show_default=False,
            metavar="[OLD] NEW",
        ),
    ],
    against_git: Annotated[
        str | None,
        typer.Option(
            "--against-git",
            metavar="REF",
            help="Read the old revision of NEW from git, e.g. origin/main.",
        ),
    ] = None,
    fmt: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiffFormat.TABLE,
    vm: Annotated[
        str | None,
        typer.Option(
            "--vm",
            metavar="SHAPE",
            help="Also compare headroom for this VM shape, e.g. 16GiB,vcpus=4.",
        ),
    ] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option("--fail-on", help="Lowest verdict of a new finding that exits non-zero."),
    ] = FailOn.FAIL,
    growth: GrowthOpt = None,
    growth_scope: GrowthScopeOpt = GrowthScope.DEMAND,
    horizon: HorizonOpt = None,
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """What changed in capacity between two revisions of an inventory.

    Example: memplan diff --against-git origin/main inventory.yaml --format markdown

    Lists VMs and hosts added, removed or resized; per cluster the overcommit ratio, free
    memory, worst state, forecast dates and (with --vm) headroom before and after; and
    the findings that are new, changed (escalated within their rule family, or moved
    with the host failure simulated) or resolved (docs/diff.md). The exit code follows
    the new and escalated findings only: 0 none at fail, 1 a new fail, 3 only new
    warnings with --fail-on warn, 2 usage error, 4 invalid inventory.
    """
    if against_git is not None and len(files) != 1:
        raise usage_exit("with --against-git give one file: the new revision")
    if against_git is None and len(files) != 2:
        raise usage_exit("give OLD.yaml NEW.yaml, or NEW.yaml --against-git REF")
    new_path = files[-1]
    old_source = f"{new_path}@{against_git}" if against_git is not None else files[0]
    try:
        old_data = (
            inventory.read_git_source(against_git, new_path, old_source)
            if against_git is not None
            else inventory.read_source(files[0])
        )
        invs = (inventory.parse(old_data, old_source), inventory.load(new_path))
        shape = inventory.load_with_shape(new_path, (), vm)[1] if vm is not None else None
    except InventoryError as exc:
        raise error_exit(exc) from None
    except UsageError as exc:
        raise usage_exit(str(exc)) from None
    scenario = build_scenario(
        ctx, invs[1], as_of=as_of, growth=growth, horizon=horizon, growth_scope=growth_scope.value
    )
    reports = [engine.evaluate(inv, scenario) for inv in invs]
    rooms = [
        engine.headroom_report(inv, shape, MemState.CLEAR, scenario).clusters if shape else ()
        for inv in invs
    ]
    from memplan.engine.diff import compare as compare_reports
    from memplan.render.diff import render_json as render_diff_json
    from memplan.render.diff import render_markdown as render_diff_markdown
    from memplan.render.diff import render_table as render_diff_table

    result = compare_reports(reports[0], reports[1], rooms[0], rooms[1])
    write = {DiffFormat.TABLE: render_diff_table, DiffFormat.MARKDOWN: render_diff_markdown,
             DiffFormat.JSON: render_diff_json}[fmt]  # fmt: skip
    write(result, make_console(no_color))
    raise typer.Exit(exit_for(result.verdict, fail_on))
