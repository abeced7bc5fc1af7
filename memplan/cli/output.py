"""Where output goes: a console sized for its destination, and files staged so that a
failed run never leaves a half-written report."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import stat
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console
from memplan.cli.exits import usage_exit

DEFAULT_PIPE_WIDTH = 132
"""Width of output that is not a terminal (CI logs, pipes, files), unless COLUMNS is set."""

STDOUT = "-"
"""The file name that means standard output, as in most command-line tools: ``-o -``."""

MIN_WIDTH = 40
"""Narrowest width memplan lays out for (output is meant for 80 columns and up)."""


def output_width(stream: TextIO) -> int:
    """Columns to lay out for: COLUMNS when set, else the terminal's width when ``stream``
    is a terminal, else DEFAULT_PIPE_WIDTH. Colour has nothing to do with it: NO_COLOR on
    an 80-column terminal still gets 80 columns."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    try:
        if stream.isatty():
            return max(MIN_WIDTH, os.get_terminal_size(stream.fileno()).columns)
    except (AttributeError, ValueError, OSError):  # a closed or fake stream: not a terminal
        pass
    return DEFAULT_PIPE_WIDTH


def make_console(no_color: bool, file: TextIO | None = None, width: int | None = None) -> Console:
    """A console for stdout (or ``file``) as wide as ``output_width`` says; plain text when
    it is not a terminal, or with --no-color or NO_COLOR."""
    from memplan.render.base import SafeConsole  # Rich's console: only the commands that print

    if file is not None:
        return SafeConsole(
            file=file, color_system=None, width=width or DEFAULT_PIPE_WIDTH, highlight=False
        )
    columns = width or output_width(sys.stdout)
    if no_color or os.environ.get("NO_COLOR"):
        # Plain text: no colour and no bold or italics either (Rich alone keeps those).
        return SafeConsole(
            force_terminal=False, color_system=None, no_color=True, highlight=False, width=columns
        )
    return SafeConsole(highlight=False, width=columns)


class _Stdout(io.StringIO):
    """``-`` among staged outputs: stdout, which closing flushes but leaves open."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def close(self) -> None:
        sys.stdout.flush()


class OutputError(OSError):
    """Writing one output failed (a full disk, an I/O error); names the file."""


class _Target(io.TextIOWrapper):
    """A UTF-8 text file whose write errors name the file they happened in."""

    label = ""

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except OutputError:
            raise
        except OSError as exc:
            raise OutputError(exc.errno, f"cannot write {self.label}: {exc.strerror}") from None

    def flush(self) -> None:
        try:
            super().flush()
        except OutputError:
            raise
        except OSError as exc:
            raise OutputError(exc.errno, f"cannot write {self.label}: {exc.strerror}") from None


def _open(path: str, label: str) -> _Target:
    """``path`` opened for writing; a FIFO without a reader is an error, not a hang."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fifo = False
    with contextlib.suppress(OSError):
        fifo = stat.S_ISFIFO(os.stat(path).st_mode)
    try:
        fd = os.open(path, flags | (os.O_NONBLOCK if fifo else 0), 0o666)
    except OSError as exc:
        if fifo and exc.errno == errno.ENXIO:
            raise usage_exit(f"cannot write {label}: it is a FIFO and nothing reads it") from None
        raise usage_exit(f"cannot write {label}: {exc.strerror or exc}") from None
    if fifo:  # a reader is there: from now on, block as usual while it reads
        os.set_blocking(fd, True)
    target = _Target(os.fdopen(fd, "wb"), encoding="utf-8", newline="\n")
    target.label = label
    return target


def _clean_stale(path: str) -> None:
    """Remove ``PATH.PID.tmp`` files left by runs that were killed (kill -9, power loss):
    those whose process is gone. A live process's file is left alone."""
    folder, name = os.path.split(path)
    try:
        entries = os.listdir(folder or ".")
    except OSError:
        return
    for entry in entries:
        pid = entry[len(name) + 1 : -4]
        if not (entry.startswith(name + ".") and entry.endswith(".tmp") and pid.isdigit()):
            continue
        if int(pid) != os.getpid():
            try:
                os.kill(int(pid), 0)
                continue  # still running (or another user's): not ours to remove
            except ProcessLookupError:
                pass
            except OSError:
                continue
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, entry))


@contextlib.contextmanager
def staged(paths: list[str]) -> Iterator[list[TextIO]]:
    """A file to render each of ``paths`` into; each is moved into place only when the
    whole block succeeds, so a failed run never leaves a half-written report.

    A regular file (or a new one) is written beside its target as ``PATH.PID.tmp`` and
    renamed over it, keeping the old file's permissions; a symbolic link is followed, so
    the file it points to is replaced. Anything else (/dev/stdout, a pipe) is written
    directly. Reports are streamed to disk, never held whole in memory (80 MB of JSON for
    100,000 VMs). The temporary file is removed on any failure, SIGTERM included (the
    guard turns it into an exit), and one left by a killed run is removed by the next run
    that writes the same file. A write error (a full disk) is one line and exit 2.
    """
    opened: list[tuple[TextIO, str | None, str]] = []
    try:
        for given in paths:
            if given == STDOUT:  # written as it comes, and left open
                opened.append((_Stdout(), None, given))
                continue
            direct = os.path.exists(given) and not os.path.isfile(given)
            path = given if direct else os.path.realpath(given)
            tmp = None if direct else f"{path}.{os.getpid()}.tmp"
            if tmp is not None:
                _clean_stale(path)
            target = _open(path if tmp is None else tmp, given)
            if tmp is not None and os.path.exists(path):
                with contextlib.suppress(OSError):
                    shutil.copymode(path, tmp)
            opened.append((target, tmp, path))
        yield [handle for handle, _, _ in opened]
    except BaseException as exc:
        for handle, tmp, _ in opened:
            with contextlib.suppress(OSError):
                handle.close()
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        if isinstance(exc, OutputError):
            raise usage_exit(exc.strerror or str(exc)) from None
        raise
    for i, (handle, tmp, path) in enumerate(opened):
        try:
            handle.close()
            if tmp is not None:
                os.replace(tmp, path)
        except OSError as exc:
            for later, tmp_later, _ in opened[i:]:
                with contextlib.suppress(OSError):
                    later.close()
                if tmp_later is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp_later)
            message = exc.strerror if isinstance(exc, OutputError) else None
            raise usage_exit(message or f"cannot write {path}: {exc.strerror or exc}") from None


def one_format(output: str) -> list[tuple[str, str]]:
    """``-o OUTPUT`` of a command that writes one format, chosen with ``-f`` (all but
    check), as distinct() takes it. ``-o json=-`` or ``-o json=FILE``, check's way of
    adding a format, is a usage error here, not the name of a file to write."""
    name, eq, _ = output.partition("=")
    if eq and name.isascii() and name.isalpha() and name.islower():
        raise usage_exit(
            f"-o {output}: this command writes one format, chosen with -f; give -o FILE, or"
            f" -o - for stdout (a file named so: -o ./{output})"
        )
    return [(f"-o {output}", output)]


def distinct(inputs: list[tuple[str, str]], outputs: list[tuple[str, str]]) -> None:
    """Refuse, before anything is read or written, an output that is one of the inputs
    (the same file, also through a symbolic or hard link) or that is named twice: either
    would lose data. Each pair is (how the command line named it, path)."""
    seen: dict[tuple[object, ...], str] = {}
    for label, path in inputs:
        seen.setdefault(_identity(path), label)
    read = dict(seen)
    for label, path in outputs:
        if path == STDOUT:
            continue
        key = _identity(path)
        if key in read:
            raise usage_exit(
                f"{label} would overwrite {read[key]}, which memplan reads; write elsewhere"
            )
        if key in seen and key[0] != "device":
            raise usage_exit(f"{seen[key]} and {label} name the same file; give each its own")
        seen[key] = label


def inputs_of(paths: list[str]) -> list[tuple[str, str]]:
    """(label, path) of each file read for ``paths``: a folder stands for its files."""
    out = [(p, p) for p in paths]
    for p in paths:
        if os.path.isdir(p):
            with contextlib.suppress(OSError):
                out += [(os.path.join(p, f),) * 2 for f in os.listdir(p)]
    return out


def _identity(path: str) -> tuple[object, ...]:
    try:
        st = os.stat(path)
    except OSError:
        return ("path", os.path.realpath(path))
    if stat.S_ISCHR(st.st_mode):  # /dev/null, a terminal: writing twice loses nothing
        return ("device", st.st_dev, st.st_ino)
    return ("file", st.st_dev, st.st_ino)


EXTRAS: dict[str, tuple[str, ...]] = {"html": ("matplotlib", "jinja2"), "history": ("scipy",)}
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
    """Print to stdout (also for ``-o -``), or write ``output`` only once rendering has
    succeeded."""
    if output is None or output == STDOUT:
        write(report, make_console(no_color))
    else:
        with staged([output]) as (handle,):
            write(report, make_console(True, handle))
