"""The process around a command: standard streams that may be closed, SIGTERM, write
errors on stdout, and the last-resort guard that turns any unexpected exception into one
line and exit 70, so no input can make memplan exit 1 (CI's "a fail") by crashing."""

from __future__ import annotations

import errno
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from memplan import __version__
from memplan.errors import ExitCode

TRACEBACK_ENV = "MEMPLAN_TRACEBACK"
"""Set to 1 to get the traceback of an internal error instead of the one-line message."""


class ClosedStream:
    """Stands in for stdout when the process was started with it closed (``>&-``): the
    first write fails as writing to a closed descriptor would, so a command whose output
    goes nowhere is an error, and one that only writes files still works."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _on_sigterm(signum: int, frame: Any) -> None:
    # SystemExit unwinds the stack, so staged writes remove their temporary files.
    raise SystemExit(128 + signum)


def prepare() -> None:
    """Make closed standard descriptors safe (a file opened later must not become fd 1)
    and let SIGTERM unwind like an exit."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:  # pragma: no cover - lower descriptors are open by now
                os.dup2(null, fd)
                os.close(null)
    if sys.stdout is None:
        sys.stdout = ClosedStream()
    if sys.stderr is None:  # nowhere to report to: keep quiet rather than crash
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    signal.signal(signal.SIGTERM, _on_sigterm)


def run(command: Callable[[], Any]) -> int:
    """Run ``command`` (the Typer app); its exit code, whatever happens inside."""
    try:
        command()
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:
        code = 130
    except RecursionError:
        code = _say("input nested too deeply to process", ExitCode.USAGE)
    except MemoryError:
        code = _say("out of memory", ExitCode.USAGE)
    except OSError as exc:
        # Files memplan writes report their own errors (cli/output.py); what reaches here
        # is stdout: a full disk, a closed descriptor, an I/O error.
        if exc.errno == errno.EPIPE:
            code = 1  # as click does for `memplan ... | head`
        elif exc.errno in (errno.ENOSPC, errno.EBADF, errno.EIO, errno.EFBIG, errno.EDQUOT):
            code = _say(f"cannot write to standard output: {exc.strerror}", ExitCode.USAGE)
        else:
            code = _internal(exc)
    except Exception as exc:
        code = _internal(exc)
    if code is not None and not isinstance(code, int):  # SystemExit("message") prints it
        _write_stderr(f"{code}\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # e.g. `memplan check | head`: nothing left to say
            pass
        except ValueError:  # closed by the command
            pass
        except OSError as exc:  # the last buffered bytes did not fit either
            if stream is sys.stdout and not code:
                code = _say(f"cannot write to standard output: {exc.strerror}", ExitCode.USAGE)
    return int(code or 0)


def _say(message: str, code: int) -> int:
    _write_stderr(f"memplan: error: {message}\n")
    return code


def _internal(exc: BaseException) -> int:
    if os.environ.get(TRACEBACK_ENV):
        import traceback

        _write_stderr("".join(traceback.format_exception(exc)))
    text = " ".join(str(exc).split())[:200]
    _write_stderr(
        f"memplan: internal error: {type(exc).__name__}{': ' if text else ''}{text}"
        f" (a bug in memplan {__version__}: please report it with the command line and,"
        f" if you can, the input; {TRACEBACK_ENV}=1 shows the traceback)\n"
    )
    return ExitCode.INTERNAL


def _write_stderr(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
