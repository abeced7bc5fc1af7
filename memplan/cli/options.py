"""Options and arguments shared by several commands, as Annotated aliases, and the
command class that keeps what-ifs in the order they were typed."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, MutableMapping
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import typer
import typer.main
from typer import _click as click
from typer.core import TyperArgument, TyperCommand, TyperGroup

from memplan.inventory import whatif

if TYPE_CHECKING:
    from memplan.model.occasional import WhatIf


EXIT_CODES_HELP = (
    "Exit codes: 0 no failure (warnings allowed), 1 at least one fail, 2 usage error,"
    " 3 only warnings with --fail-on warn, 4 invalid or unreadable inventory,"
    " 70 internal error (a bug in memplan: please report it)."
)


class FailOn(StrEnum):
    """Which verdict makes ``check`` exit non-zero."""

    WARN = "warn"
    FAIL = "fail"
    NEVER = "never"


class KeepState(StrEnum):
    """The worst state headroom allows."""

    CLEAR = "clear"
    SOFT = "soft"


class GrowthScope(StrEnum):
    """What a growth rate grows (docs/projection.md)."""

    DEMAND = "demand"
    VM = "vm"


class Reading(StrEnum):
    """How state thresholds map free memory to states."""

    A = "A"
    B = "B"


InventoriesArg = Annotated[
    list[str],
    typer.Argument(
        help="Inventory YAML files (or RVTools exports); each is checked on its own.",
        show_default=False,
        metavar="INVENTORY",
    ),
]


InventoryArg = Annotated[
    str,
    typer.Argument(
        help="Inventory YAML file (see docs/inventory.md).", show_default=False, metavar="INVENTORY"
    ),
]


NoColorOpt = Annotated[
    bool,
    typer.Option("--no-color", help="No colours (NO_COLOR=1 in the environment does the same)."),
]


VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="List every note (VMs placed, rows repaired...) instead of a count and the first few.",
    ),
]


TABLE_OR_JSON = ("table", "json")
"""The formats headroom and thresholds write."""

TableOrJsonOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        metavar="<table|json>",
        help="Output format: table or json.",
        autocompletion=lambda: list(TABLE_OR_JSON),
    ),
]


AddVmOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--add-vm",
        metavar="SPEC",
        help="What if: add VMs, e.g. 'name=web{1..3},memory=16GiB,cluster=prod'.",
    ),
]


RemoveVmOpt = Annotated[
    list[str] | None,
    typer.Option("--remove-vm", metavar="GLOB", help="What if: remove VMs (glob)."),
]


PowerOffOpt = Annotated[
    list[str] | None,
    typer.Option("--power-off", metavar="GLOB", help="What if: power VMs off (glob)."),
]


AddHostOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--add-host",
        metavar="SPEC",
        help="What if: add a host, e.g. 'name=esx9,memory=768GiB,cluster=prod'.",
    ),
]


RemoveHostOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--remove-host",
        metavar="GLOB",
        help="What if: remove hosts (glob); their VMs are placed again.",
    ),
]


SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="TARGET.FIELD=VALUE",
        help="What if: set a field, e.g. 'host:esx01.memory=1TiB', 'vm:db*.reservation=all',"
        " 'defaults.vm.active=50%'.",
    ),
]


GrowthOpt = Annotated[
    str | None,
    typer.Option(
        "--growth",
        metavar="RATE",
        help="Demand growth, e.g. 5%/month or 20%/year (overrides the inventory's rates and"
        " --history): each cluster's (or standalone host's) demand grows by it; what its VMs"
        " cannot hold arrives as new VMs like its typical VM. See --growth-scope.",
    ),
]


GrowthScopeOpt = Annotated[
    GrowthScope,
    typer.Option(
        "--growth-scope",
        help="demand: --growth and host or cluster growth: rates grow demand, arriving as"
        " new VMs where VMs are full; vm: every rate grows inside VMs only, up to their"
        " configured size or limit. A VM's own growth: is always in-VM.",
    ),
]


HistoryOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--history",
        metavar="SNAPSHOT",
        help="Learn growth from these dated snapshots (repeatable; a folder or a quoted glob"
        " stands for many) and forecast with it instead of --growth; a --growth given as well"
        " overrides it (docs/trend.md).",
    ),
]


HorizonOpt = Annotated[
    str | None,
    typer.Option(
        "--horizon",
        metavar="DURATION",
        help="How far to project, e.g. 18m, 2y or 90d (whole months: 90d covers the months"
        " that hold the next 90 days; default 12m with growth or plans).",
    ),
]


AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="'Today' for projections, YYYY-MM-DD (default: the current date).",
    ),
]

ClusterOpt = Annotated[
    str | None,
    typer.Option("--cluster", metavar="CLUSTER", help="Only this cluster (and its hosts)."),
]

FailHostOpt = Annotated[
    list[str] | None, typer.Option("--fail-host", metavar="HOST", help="HA: fail these hosts.")
]


_NB_HYPHEN = "\u2011"


class HelpFormatter(click.HelpFormatter):
    """Help text wrapped between words only: an example host name such as
    ``esx-web01.prod.example`` never breaks at its hyphen (nor does an option name)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog.replace("-", _NB_HYPHEN), args.replace("-", _NB_HYPHEN), prefix)

    def write_text(self, text: str) -> None:
        super().write_text(text.replace("-", _NB_HYPHEN))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(a.replace("-", _NB_HYPHEN), b.replace("-", _NB_HYPHEN)) for a, b in rows]
        super().write_dl(rows, col_max, col_spacing)

    def getvalue(self) -> str:
        return super().getvalue().replace(_NB_HYPHEN, "-")


class Context(click.Context):
    """Formats help with ``HelpFormatter``."""

    formatter_class = HelpFormatter


class Group(TyperGroup):
    """The root and the import and collect groups: help wrapped between words."""

    context_class = Context


class _Commands(MutableMapping[str, click.Command]):
    """A group's commands, in order, each built on first access by ``build``."""

    def __init__(self, lazy: list[str], built: dict[str, click.Command],
                 build: Callable[[str], click.Command]) -> None:  # fmt: skip
        self._names = [*lazy, *(name for name in built if name not in lazy)]
        self._built = built
        self._build = build

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._built:
            if name not in self._names:
                raise KeyError(name)
            self._built[name] = self._build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        if name not in self._names:
            self._names.append(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names


CommandSpecs = dict[str, tuple[str, str, type[TyperCommand]]]
"""Command name -> (module in memplan.cli, function, command class)."""


class LazyGroup(Group):
    """A group whose commands are imported and built only when one is run, listed (help)
    or completed. Typer would build every command's options from its signature on every
    run: for ``check``, 12 commands and their modules cost more than the command itself
    on a small inventory (docs/performance.md).

    ``COMMANDS`` maps each command's name, in the order help lists them, to its module in
    ``memplan.cli``, its function and its command class."""

    COMMANDS: ClassVar[CommandSpecs] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = _Commands(list(self.COMMANDS), dict(self.commands), self._build)

    def _build(self, name: str) -> click.Command:
        module, function, cls = self.COMMANDS[name]
        callback = getattr(importlib.import_module(f"memplan.cli.{module}"), function)
        registry = typer.Typer(rich_markup_mode=self.rich_markup_mode)
        registry.command(name, cls=cls)(callback)
        return typer.main.get_command_from_info(
            registry.registered_commands[0],
            pretty_exceptions_short=registry.pretty_exceptions_short,
            rich_markup_mode=self.rich_markup_mode,
        )

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


class Command(TyperCommand):
    """Every command: help wrapped between words, and a usage line that reads
    ``memplan check [OPTIONS] INVENTORY...`` (Typer writes ``{INVENTORY}``)."""

    context_class = Context

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if not isinstance(param, TyperArgument):
                pieces += param.get_usage_pieces(ctx)
                continue
            name = param.metavar or (param.name or "").upper()
            if param.nargs != 1 and name.isupper() and name.isidentifier():  # not "[OLD] NEW"
                name += "..."
            pieces.append(name if param.required else f"[{name}]")
        return pieces


class OrderedCommand(Command):
    """Keeps the raw arguments, so that what-ifs apply in the order the user typed them
    (click alone only remembers where a repeated option first appeared)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["memplan.argv"] = list(args)
        return super().parse_args(ctx, args)


ECHOED = (*whatif.FLAGS, "--fail-host", "--ha-failures", "--growth", "--growth-scope",
          "--horizon", "--as-of", "--fail-within", "--rightsize", "--buffer",
          "--size-step", "--history")  # fmt: skip

NO_VALUE = frozenset({"--rightsize"})
"""Echoed flags that take no value."""


def in_order(ctx: typer.Context, flags: tuple[str, ...]) -> tuple[WhatIf, ...]:
    """The given ``flags`` with their values, in command-line order."""
    argv: list[str] = ctx.meta.get("memplan.argv", [])
    out: list[WhatIf] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            break
        name, eq, value = token.partition("=")
        if name in flags:
            if name in NO_VALUE:
                value = ""
            elif not eq and i + 1 < len(argv):
                value = argv[i + 1]
                i += 1
            from memplan.model.occasional import WhatIf  # only what-ifs need it

            out.append(WhatIf(name, value))
        i += 1
    return tuple(out)
