"""``memplan collect vcenter``: a live vCenter into an inventory YAML file."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from memplan.cli.exits import usage_exit
from memplan.cli.imports import ImportOutput, write_inventory
from memplan.cli.options import VerboseOpt
from memplan.errors import ExitCode, UsageError

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
        "reading VMs",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("vms", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

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
    output: ImportOutput = None,
    verbose: VerboseOpt = False,
) -> None:
    """Read a vCenter (read-only) into an inventory: clusters with HA, hosts, VMs, quickStats.

    Example: MEMPLAN_VCENTER_PASSWORD=... memplan collect vcenter --server vc.example
    --username readonly@vsphere.local -o inventory.yaml

    TLS is verified against the system's CAs or --ca-file; --insecure must be explicit.
    Nothing is written unless everything was read. docs/collect.md has the properties read,
    the permissions a read-only role needs, and the environment variables. Needs the
    vcenter extra: pip install 'memplan[vcenter]'. Exit codes: 0 done, 2 usage error,
    4 server unreachable, certificate not trusted, or login failed.
    """
    from memplan.importers import vcenter

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
            result = vcenter.collect(
                target,
                password,
                datacenter=datacenter,
                clusters=tuple(cluster or ()),
                progress=progress,  # type: ignore[arg-type]
            )
    except UsageError as exc:
        raise usage_exit(str(exc)) from None
    except vcenter.CollectError as exc:
        sys.stderr.write(f"memplan: error: {exc}\n")
        raise typer.Exit(ExitCode.INVALID) from None
    write_inventory(
        result, output, f"memplan inventory collected from vCenter {target.server}", verbose
    )
