"""Where output goes: a console sized for its destination, and files staged so that a
failed run never leaves a half-written report."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console

if TYPE_CHECKING:
    pass
from memplan.cli.exits import usage_exit

DEFAULT_PIPE_WIDTH = 132
"""Width of output that is not a terminal (CI logs, pipes, files), unless COLUMNS is set."""


def make_console(no_color: bool, file: TextIO | None = None, width: int | None = None) -> Console:
    """A console for stdout (or ``file``); plain text when it is not a terminal."""
    if file is not None:
        return Console(
            file=file, color_system=None, width=width or DEFAULT_PIPE_WIDTH, highlight=False
        )
    if no_color or os.environ.get("NO_COLOR"):
        # Plain text: no colour and no bold or italics either (Rich alone keeps those).
        console = Console(force_terminal=False, color_system=None, no_color=True, highlight=False)
    else:
        console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = DEFAULT_PIPE_WIDTH
    return console


@contextlib.contextmanager
def staged(paths: list[str]) -> Iterator[list[TextIO]]:
    """A file to render each of ``paths`` into; each is moved into place only when the
    whole block succeeds, so a failed run never leaves a half-written report.

    A regular file (or a new one) is written beside its target as ``PATH.PID.tmp`` and
    renamed over it, keeping the old file's permissions; a symbolic link is followed, so
    the file it points to is replaced. Anything else (/dev/stdout, a pipe) is written
    directly. Reports are streamed to disk, never held whole in memory (80 MB of JSON for
    100,000 VMs).
    """
    opened: list[tuple[TextIO, str | None, str]] = []
    handle: TextIO
    try:
        for given in paths:
            direct = os.path.exists(given) and not os.path.isfile(given)
            path = given if direct else os.path.realpath(given)
            tmp = None if direct else f"{path}.{os.getpid()}.tmp"
            try:  # kept open across the yield and closed below: no with-block spans a yield
                handle = open(path if tmp is None else tmp, "w", encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                raise usage_exit(f"cannot write {given}: {exc.strerror or exc}") from None
            if tmp is not None and os.path.exists(path):
                with contextlib.suppress(OSError):
                    shutil.copymode(path, tmp)
            opened.append((handle, tmp, path))
        yield [handle for handle, _, _ in opened]
    except BaseException:
        for handle, tmp, _ in opened:
            handle.close()
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        raise
    for i, (handle, tmp, path) in enumerate(opened):
        try:
            handle.close()
            if tmp is not None:
                os.replace(tmp, path)
        except OSError as exc:
            for later, tmp_later, _ in opened[i:]:
                later.close()
                if tmp_later is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp_later)
            raise usage_exit(f"cannot write {path}: {exc.strerror or exc}") from None


EXTRAS: dict[str, tuple[str, ...]] = {"html": ("matplotlib", "jinja2")}
"""The modules each optional feature needs (pyproject.toml's extras of the same name)."""


def require_extra(extra: str, what: str) -> None:
    """Usage error (exit 2) naming the pip command when ``extra``'s modules are missing,
    before any work is done."""
    import importlib.util

    missing = [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]
    if missing:
        raise usage_exit(f"{what} needs {', '.join(missing)}: pip install 'memplan[{extra}]'")


def write_text(path: str, text: str) -> None:
    with staged([path]) as (handle,):
        handle.write(text)


def emit(
    write: Callable[[Any, Console], None], report: Any, output: str | None, no_color: bool
) -> None:
    """Print to stdout, or write ``output`` only once rendering has succeeded."""
    if output is None:
        write(report, make_console(no_color))
    else:
        with staged([output]) as (handle,):
            write(report, make_console(True, handle))
