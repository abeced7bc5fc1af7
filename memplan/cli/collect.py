"""``memplan collect vcenter``: a live vCenter into an inventory YAML file."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from memplan import inventory
from memplan.cli.exits import usage_exit
from memplan.cli.imports import ImportOutput, inventory_text, write_inventory
from memplan.cli.loading import import_notes
from memplan.cli.options import VerboseOpt
from memplan.cli.output import staged
from memplan.errors import ExitCode, UsageError
from memplan.units import UnitError, parse_duration, plural

if TYPE_CHECKING:
    from memplan.importers.common import ImportResult
    from memplan.importers.vcenter import Month

PASSWORD_VARIABLES = ("MEMPLAN_VCENTER_PASSWORD", "GOVC_PASSWORD")


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _password(username: str, server: str, from_url: str | None) -> str:
    for name in PASSWORD_VARIABLES:
        value = os.environ.get(name)
        if value:
            return value
    if from_url:
        return from_url
    if sys.stdin.isatty() and sys.stderr.isatty():
        try:
            return getpass.getpass(f"Password for {username} at {server}: ")
        except (EOFError, KeyboardInterrupt):
            sys.stderr.write("\n")
            raise usage_exit("no password given") from None
    raise usage_exit(
        "no password: set MEMPLAN_VCENTER_PASSWORD (or GOVC_PASSWORD), or run on a terminal"
        " to be asked"
    )


@contextmanager
def _progress() -> Iterator[object | None]:
    """A Rich progress bar on stderr when stderr is a terminal, else nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("reading VMs", total=None)

        def update(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        yield update


def collect_vcenter(
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            "-s",
            metavar="URL",
            help="vCenter host name or URL (default: $GOVC_URL).",
            show_default=False,
        ),
    ] = None,
    username: Annotated[
        str | None,
        typer.Option(
            "--username",
            "-u",
            metavar="USER",
            help="User name (default: $GOVC_USERNAME). The password comes from"
            " $MEMPLAN_VCENTER_PASSWORD or $GOVC_PASSWORD, or a prompt on a terminal.",
            show_default=False,
        ),
    ] = None,
    ca_file: Annotated[
        list[str] | None,
        typer.Option(
            "--ca-file",
            metavar="PEM",
            help="Trust the CA certificates in this PEM file instead of the system's"
            " (default: $GOVC_TLS_CA_CERTS). Repeatable.",
            show_default=False,
        ),
    ] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            "-k",
            help="Do not verify the server's certificate (default: $GOVC_INSECURE). Warns.",
        ),
    ] = False,
    datacenter: Annotated[
        str | None,
        typer.Option(
            "--datacenter", metavar="DC", help="Only this datacenter.", show_default=False
        ),
    ] = None,
    cluster: Annotated[
        list[str] | None,
        typer.Option(
            "--cluster",
            metavar="NAME",
            help="Only this cluster (repeatable); standalone hosts are then left out.",
            show_default=False,
        ),
    ] = None,
    history: Annotated[
        str | None,
        typer.Option(
            "--history",
            metavar="DURATION",
            help="Also read this much daily history (e.g. 12m, at most a year) from vCenter's"
            " performance statistics and write one snapshot per month into --history-dir.",
            show_default=False,
        ),
    ] = None,
    history_dir: Annotated[
        str | None,
        typer.Option(
            "--history-dir",
            metavar="DIR",
            help="Where the monthly snapshots go (default: beside -o FILE, FILE-history/).",
            show_default=False,
        ),
    ] = None,
    output: ImportOutput = None,
    verbose: VerboseOpt = False,
) -> None:
    """Read a vCenter (read-only) into an inventory: clusters with HA and DRS, hosts, VMs, quickStats.

    Example: MEMPLAN_VCENTER_PASSWORD=... memplan collect vcenter --server vc.example
    --username readonly@vsphere.local -o inventory.yaml

    TLS is verified against the system's CAs or --ca-file; --insecure must be explicit.
    Nothing is written unless everything was read. docs/collect.md has the properties read,
    the permissions a read-only role needs, and the environment variables. Needs the
    vcenter extra: pip install 'memplan[vcenter]'. Exit codes: 0 done, 2 usage error,
    4 server unreachable, certificate not trusted, or login failed.
    """
    from memplan.importers import vcenter

    inventory.release_parse_trees()  # each file written is parsed once, to validate it
    try:
        url = server or os.environ.get("GOVC_URL")
        if not url:
            raise UsageError("--server is required (or set GOVC_URL)")
        host, port, url_user, url_password = vcenter.parse_server(url)
        user = username or os.environ.get("GOVC_USERNAME") or url_user
        if not user:
            raise UsageError("--username is required (or set GOVC_USERNAME)")
        cas = ca_file or [
            p for p in os.environ.get("GOVC_TLS_CA_CERTS", "").split(os.pathsep) if p.strip()
        ]
        insecure = insecure or _env_flag("GOVC_INSECURE")
        if insecure and ca_file:
            raise UsageError("--insecure and --ca-file contradict each other; give one")
        target = vcenter.Target(host, port, user, tuple(cas), insecure)
        since = _since(history) if history else None
        folder = _history_dir(history_dir, output) if history else None
    except UsageError as exc:
        raise usage_exit(str(exc)) from None
    password = _password(user, target.server, url_password)
    if insecure:
        sys.stderr.write(
            f"memplan: warning: --insecure: the certificate of {target.server} is not verified;"
            " whoever sits between you and it can read your password\n"
        )
    try:
        with _progress() as progress:
            result, past = vcenter.collect(
                target,
                password,
                datacenter=datacenter,
                clusters=tuple(cluster or ()),
                progress=progress,  # type: ignore[arg-type]
                history_since=since,
            )
    except UsageError as exc:
        raise usage_exit(str(exc)) from None
    except vcenter.CollectError as exc:
        sys.stderr.write(f"memplan: error: {exc}\n")
        raise typer.Exit(ExitCode.INVALID) from None
    origin = f"memplan inventory collected from vCenter {target.server}"
    if past is None or folder is None:
        write_inventory(result, output, origin, verbose)
        return
    _write_with_history(result, past, output, folder, origin, verbose)


def _since(text: str) -> datetime:
    """The start of ``--history``: N months back to the first of a month (the current month
    counts as one), or N days/weeks back; vCenter keeps daily rollups for a year."""
    try:
        n, unit = parse_duration(text, "dwmy")
    except UnitError as exc:
        raise UsageError(f"--history: {exc}") from None
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    months = n * 12 if unit == "y" else n if unit == "m" else None
    if months is not None:
        if not 1 <= months <= 12:
            raise UsageError(
                f"--history {text}: vCenter keeps daily statistics for one year; give 1m to 12m"
            )
        index = today.year * 12 + today.month - 1 - (months - 1)
        return today.replace(year=index // 12, month=index % 12 + 1, day=1)
    days = n * 7 if unit == "w" else n
    if not 1 <= days <= 366:
        raise UsageError(
            f"--history {text}: vCenter keeps daily statistics for one year; give 1d to 366d"
        )
    return today - timedelta(days=days)


def _history_dir(given: str | None, output: str | None) -> str:
    if given:
        return given
    if output is None:
        raise UsageError("--history needs -o FILE or --history-dir DIR: snapshots are files")
    stem = output[: -len(".yaml")] if output.endswith(".yaml") else output
    return f"{stem}-history"


def _write_with_history(
    result: ImportResult,
    past: list[Month],
    output: str | None,
    folder: str,
    origin: str,
    verbose: bool,
) -> None:
    """The inventory and one snapshot per month, all written or none."""
    from memplan.importers import vcenter

    texts = [(output, inventory_text(result, origin, output))]
    for month in past:
        path = os.path.join(folder, f"{month.month}.yaml")
        note = (
            f"{origin}: history of {month.month}, the {vcenter.PERCENTILE}th percentile of"
            f" {month.days} daily averages per host and VM"
        )
        texts.append((path, inventory_text(vcenter.snapshot(result, month), note, path)))
    left_out = sum(
        1
        for v in result.vms
        if not v.template and not any(f"vm {v.name}" in m.consumed for m in past)
    )
    import_notes(result.notes(), verbose)
    if past:
        sys.stderr.write(
            f"history: {len(past)} monthly snapshots ({past[0].month} to {past[-1].month})"
            f" written to {folder}; {plural(left_out, 'VM')} without any history left out of them\n"
        )
    else:
        sys.stderr.write("history: vCenter returned no daily statistics; no snapshot written\n")
    os.makedirs(folder, exist_ok=True)
    files = [(p, t) for p, t in texts if p is not None]
    if output is None:
        sys.stdout.write(texts[0][1])
    with staged([p for p, _ in files]) as handles:
        for handle, (_, text) in zip(handles, files, strict=True):
            handle.write(text)
