"""Regenerate README's output excerpts by running the commands they show.

Run: python scripts/gen_readme.py   (tests/test_docs.py fails when an excerpt is stale)

An excerpt is a ```text block whose first lines are the command (``$ memplan ...``, with
``\\`` continuations), preceded by a comment that says how wide the terminal is and which
lines of the output to keep:

    <!-- excerpt columns=100 keep=1-9,...,/^findings/+4,...,$ -->

``keep`` items: ``N`` or ``N-M`` (1-based output lines), ``...`` (a line of three dots),
``/REGEX/+K`` (the first line from the previous item on that matches, and K more),
``$`` (the last line). Without ``keep``, the whole output.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner  # noqa: E402

from memplan.cli import app  # noqa: E402

README = ROOT / "README.md"
EXCERPT = re.compile(r"(<!-- excerpt (?P<spec>[^>]*?) -->\n```text\n)(?P<body>.*?)(```)", re.S)


def _command(body: str) -> tuple[list[str], list[str]]:
    """The command's lines as written, and its arguments."""
    lines = body.splitlines()
    shown = [lines[0]]
    while shown[-1].endswith("\\"):
        shown.append(lines[len(shown)])
    text = " ".join(line.rstrip("\\").strip() for line in shown).removeprefix("$ ")
    args = shlex.split(text)
    if args[0] != "memplan":
        raise ValueError(f"an excerpt runs memplan, not {args[0]!r}")
    return shown, args[1:]


def _keep(output: list[str], keep: str) -> list[str]:
    out: list[str] = []
    at = 0  # where the next search starts
    for item in keep.split(","):
        if item == "...":
            out.append("...")
        elif item == "$":
            out.append(output[-1])
        elif item.startswith("/"):
            pattern, _, more = item[1:].rpartition("/")
            found = next(i for i in range(at, len(output)) if re.search(pattern, output[i]))
            end = found + 1 + int(more or "0")
            out += output[found:end]
            at = end
        else:
            first, _, last = item.partition("-")
            out += output[int(first) - 1 : int(last or first)]
            at = int(last or first)
    return out


def excerpt(spec: str, body: str) -> str:
    """The block's new body: its command, then the kept lines of what it prints now."""
    options = dict(item.split("=", 1) for item in spec.split())
    shown, args = _command(body)
    result = CliRunner(env={"COLUMNS": options.get("columns", "132")}).invoke(app, args)
    output = result.stdout.splitlines()
    kept = _keep(output, options["keep"]) if "keep" in options else output
    return "\n".join([*shown, *kept]) + "\n"


def render(text: str) -> str:
    """README with every excerpt regenerated."""
    return EXCERPT.sub(
        lambda m: m.group(1) + excerpt(m.group("spec"), m.group("body")) + m.group(4), text
    )


if __name__ == "__main__":
    README.write_text(render(README.read_text()))
