"""The process around a command: standard streams that may be closed, a reader that stops
reading (``| head``), SIGTERM, write errors on stdout, and the last-resort guard that turns
any unexpected exception into one line and exit 70, so no input can make memplan exit 1
(CI's "a fail") by crashing."""

from __future__ import annotations

import errno
import io
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


class ReaderMayLeave(io.RawIOBase):
    """The descriptor under stdout or stderr, for a reader that may stop reading:
    ``memplan check | head -1``.

    Once a write finds the pipe closed (EPIPE), what follows is dropped, so the command
    runs to its end quietly and exits with its own code (the verdict's): a reader that has
    seen enough does not turn an OK into "a fail", as click's exit 1 did. git and coreutils
    end silently there too (by SIGPIPE). It sits under the text and buffer layers, which
    call it once per 8 KB or line: the many small writes of a report stay C-speed."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd
        self.left = False
        """True once the reader has gone."""

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)

    def write(self, data: Any) -> int:
        if not self.left:
            try:
                return os.write(self.fd, data)
            except BrokenPipeError:
                self.left = True
        return len(data)


def _reader_may_leave(stream: Any) -> Any:
    """``stream`` (sys.stdout or sys.stderr) rebuilt over ReaderMayLeave, as it was set up
    (encoding, errors, line buffering); as it is when it is not a plain descriptor."""
    try:
        fd = stream.fileno()
        os.fstat(fd)
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return stream
    stream.flush()
    return io.TextIOWrapper(
        io.BufferedWriter(ReaderMayLeave(fd)),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=stream.line_buffering,
    )


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
    else:
        sys.stdout = _reader_may_leave(sys.stdout)
    if sys.stderr is None:  # nowhere to report to: keep quiet rather than crash
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    else:
        sys.stderr = _reader_may_leave(sys.stderr)
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
        if exc.errno == errno.EPIPE:  # a write that bypassed ReaderMayLeave: cut short
            code = 128 + signal.SIGPIPE  # what a shell reports for git or cat there
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
