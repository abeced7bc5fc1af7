"""Output that fits the terminal: columns hidden in a stated order, nothing cut, no
trailing spaces, the terminal's width whatever NO_COLOR says (docs/output.md)."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment, Segments
from rich.text import Text
from typer.testing import CliRunner

from memplan.cli import app
from memplan.cli.output import DEFAULT_PIPE_WIDTH, output_width
from memplan.render.base import SafeConsole
from memplan.render.layout import (
    Column,
    _wrap,
    fit,
    flow,
    grid,
    hanging,
    hidden_line,
    put,
    table_width,
    text_words,
    words,
)
from tests.helpers import ROOT

ROWS = [("alpha", "1.0", ("balloon 3.1", "swap 12.0"), "x" * 9), ("b", "22.5", ("-",), "y")]
COLUMNS: list[Column[tuple[str, str, tuple[str, ...], str]]] = [
    Column("Name", lambda r: r[0]),
    Column("Size", lambda r: r[1], "right", hide=1),
    Column("Reclaim", lambda r: r[2]),
    Column("Bar", lambda r: r[3], hide=2),
]
"""Natural widths 5, 4, 21, 9: 39 + 3 gaps of 2 = 45 columns."""


def plain(renderable: object, width: int) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None)
    put(console, renderable)  # type: ignore[arg-type]
    return buffer.getvalue()


def test_everything_shows_when_the_table_fits() -> None:
    f, _ = fit(COLUMNS, ROWS, 45)
    assert (f.shown, f.widths, f.hidden, f.full) == ((0, 1, 2, 3), (5, 4, 21, 9), (), 45)


def test_multi_unit_cells_wrap_between_units_before_a_column_hides() -> None:
    """At 35 columns the Reclaim column wraps to 11 (its widest unit): 5+4+11+9+6 = 35."""
    f, cells = fit(COLUMNS, ROWS, 35)
    assert (f.shown, f.widths, f.hidden) == ((0, 1, 2, 3), (5, 4, 11, 9), ())
    assert plain(grid(COLUMNS, f, cells), 35).splitlines() == [
        "Name   Size  Reclaim      Bar",
        "─" * 35,
        "alpha   1.0  balloon 3.1  xxxxxxxxx",
        "             swap 12.0",
        "b      22.5  -            y",
    ]


def test_columns_hide_highest_priority_first() -> None:
    """34 columns: the bar (hide=2) goes, then Reclaim unwraps as far as room allows."""
    f, _ = fit(COLUMNS, ROWS, 34)
    assert (f.shown, f.hidden) == ((0, 1, 2), ("Bar",))
    assert f.widths == (5, 4, 21)
    f, _ = fit(COLUMNS, ROWS, 20)
    assert (f.shown, f.widths, f.hidden) == ((0, 2), (5, 13), ("Size", "Bar"))


def test_wide_shows_every_column_unwrapped() -> None:
    f, _ = fit(COLUMNS, ROWS, 20, wide=True)
    assert (f.shown, f.widths, f.hidden) == ((0, 1, 2, 3), (5, 4, 21, 9), ())


def test_a_cell_wider_than_the_terminal_folds_and_is_never_cut() -> None:
    long = [("a-very-long-host-name.example.com", "1.0", ("-",), "x")]
    f, cells = fit(COLUMNS, long, 20)
    assert f.widths == (11, 7)  # the name folds; the other column keeps its width
    lines = plain(grid(COLUMNS, f, cells), 20).splitlines()
    assert lines == [
        "Name         Reclaim",
        "─" * 20,
        "a-very-long  -",
        "-host-name.",
        "example.com",
    ]


def test_table_width_is_what_rich_draws() -> None:
    for width in (20, 34, 35, 45):
        f, cells = fit(COLUMNS, ROWS, width)
        lines = plain(grid(COLUMNS, f, cells), 200).splitlines()
        assert len(lines[1]) == table_width(f.widths)  # the rule under the header


def test_hidden_line_names_columns_and_the_width_that_shows_them() -> None:
    f, _ = fit(COLUMNS, ROWS, 20)
    line = hidden_line([f], 20)
    assert line is not None
    assert line.plain == "Size, Bar hidden at 20 columns: --wide or COLUMNS=45 shows them"
    assert hidden_line([fit(COLUMNS, ROWS, 45)[0]], 45) is None


def test_flow_breaks_between_parts_only() -> None:
    text = flow(["memplan check x.yaml", "sizes in GiB", "state reading B"], 40)
    assert text.plain == "memplan check x.yaml · sizes in GiB ·\n  state reading B"


def test_put_leaves_no_trailing_space_even_in_colour() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=40, color_system="truecolor", force_terminal=True)
    styled = Text("ok   ", style="green") + Text("   ", style="on red")
    put(console, Text("a  \n\nb ") + styled)
    lines = re.sub(r"\x1b\[[0-9;]*m", "", buffer.getvalue()).split("\n")
    assert lines == ["a", "", "b ok", ""]


def run(*args: str, columns: int | None = None) -> tuple[int, list[str]]:
    env = {"COLUMNS": str(columns)} if columns else {}
    result = CliRunner(env=env).invoke(app, list(args))
    return result.exit_code, result.stdout.splitlines()


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("COLUMNS", raising=False)


def test_check_at_80_columns_hides_in_order_and_says_so() -> None:
    code, lines = run("check", "samples/realistic.yaml", columns=80)
    assert code == 1
    assert max(map(len, lines)) <= 80
    assert "Host                      VMs   Free  Ratio  State  Reclaim        Verdict  HA" in lines
    assert "Mem, Config, Ovh, Resv, Active, Demand hidden at 80 columns: --wide or" in lines
    assert "fail MP303 ha-survivor-swapping · host esx-web03.prod.example" in lines


def test_wide_shows_every_column_whatever_the_width() -> None:
    _, lines = run("check", "samples/realistic.yaml", "--wide", columns=80)
    assert any(line.startswith("Host ") and line.endswith("Demand") for line in lines)
    assert not any("hidden at" in line for line in lines)


def test_quiet_prints_the_verdict_line_only() -> None:
    for flag in ("-q", "--quiet"):
        code, lines = run("check", "samples/realistic.yaml", flag)
        assert (code, lines) == (
            1,
            ["verdict: FAIL · 10 fail, 10 warn · 3 clusters, 13 hosts, 157 VMs (151 on)"],
        )


def test_quiet_keeps_only_an_imports_summary_on_stderr() -> None:
    """An export checked with -q: the verdict on stdout, the import's one summary line on
    stderr (it still counts the repairs); -v lists them again."""
    export = "tests/data/rvtools/example1.xlsx"
    quiet = CliRunner().invoke(app, ["check", "-q", export])
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (
        0,
        "verdict: WARN · 0 fail, 4 warn · 1 cluster, 7 hosts, 9 VMs (3 on)\n",
        "import: imported 9 VMs, 7 hosts, 1 cluster from example1.xlsx; 0 rows skipped,"
        " 16 repairs\n",
    )
    loud = CliRunner().invoke(app, ["check", "-q", "-v", export])
    assert loud.stdout == quiet.stdout
    assert "vInfo row 10 (vm-9): no CPUs; assumed 1" in loud.stderr
    assert loud.stderr.endswith(quiet.stderr)


def test_quiet_still_writes_whole_files(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    code, lines = run("check", "samples/realistic.yaml", "-q", "-o", f"table={out}")
    assert (code, len(lines)) == (1, 1)
    assert out.read_text().startswith("memplan check samples/realistic.yaml")


def test_width_is_columns_then_the_terminal_then_the_pipe_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert output_width(io.StringIO()) == DEFAULT_PIPE_WIDTH
    monkeypatch.setenv("COLUMNS", "97")
    assert output_width(io.StringIO()) == 97
    monkeypatch.setenv("COLUMNS", "junk")
    assert output_width(io.StringIO()) == DEFAULT_PIPE_WIDTH


def in_terminal(args: list[str], columns: int, env: dict[str, str]) -> str:
    """Run memplan with stdout on a pseudo-terminal ``columns`` wide; its output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    clean = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from memplan.cli import main; main()", *args],
        stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE, cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", **env},
    )  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=60) == 1
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_no_color_in_a_real_80_column_terminal_keeps_its_width() -> None:
    """NO_COLOR used to lose the terminal's width (a 132-column table in an 80-column
    pane). In a pseudo-terminal 80 wide: 80 columns, no escape codes."""
    out = in_terminal(["check", "samples/realistic.yaml"], 80, {"NO_COLOR": "1"})
    lines = out.splitlines()
    assert "\x1b" not in out
    assert max(map(len, lines)) <= 80
    assert any("hidden at 80 columns" in line for line in lines)
    assert lines[-1].startswith("verdict: FAIL")


def test_colour_in_a_real_terminal_uses_its_width_too() -> None:
    out = in_terminal(["check", "samples/realistic.yaml"], 100, {})
    plain_out = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "\x1b[" in out
    assert max(map(len, plain_out.splitlines())) <= 100
    assert any("hidden at 100 columns" in line for line in plain_out.splitlines())


def test_project_summary_reads_naturally() -> None:
    from datetime import date

    from memplan.render.project import outlook

    d1, d2 = date(2027, 1, 1), date(2027, 6, 1)
    assert (
        outlook("dev", d1, d2, "24 months")
        == "dev: balloons from 2027-01-01, swaps from 2027-06-01"
    )
    assert outlook("db", d1, None, "24 months", "+3 VMs of 16.0 GiB") == (
        "db: balloons from 2027-01-01 (+3 VMs of 16.0 GiB by then); does not swap within 24 months"
    )
    assert outlook("web", None, None, "1 month") == "web: neither balloons nor swaps within 1 month"


def test_project_summary_covers_standalone_hosts() -> None:
    _, lines = run("project", "samples/realistic.yaml", "--as-of", "2026-12-01", columns=132)
    assert "prod-db: balloons from 2026-12-01; does not swap within 12 months" in lines
    assert (
        "lab-esx01.lab.example (standalone): balloons from 2026-12-01, swaps from 2026-12-01"
        in lines
    )
    assert not any("not within horizon" in line for line in lines)


EVERY_COMMAND = [
    ["check", "samples/realistic.yaml", "--vms"],
    ["check", "samples/realistic.yaml", "--explain", "--as-of", "2026-12-01", "--growth", "2%/month"],
    ["project", "samples/realistic.yaml", "--as-of", "2026-12-01", "--horizon", "6m"],
    ["headroom", "samples/realistic.yaml", "--vm", "16GiB"],
    ["rightsize", "samples/realistic.yaml"],
    ["diff", "samples/small.yaml", "samples/realistic.yaml"],
    ["trend", "samples/history/"],
    ["thresholds", "130607MiB"],
    ["validate", "samples/realistic.yaml"],
]  # fmt: skip


@pytest.mark.parametrize("args", EVERY_COMMAND, ids=lambda a: a[0])
def test_every_commands_table_fits_80_columns_without_cuts(args: list[str]) -> None:
    """Also the commands without a layout of their own: the console folds any cell a table
    would cut and drops the spaces Rich pads lines with."""
    code, lines = run(*args, columns=80)
    assert code in (0, 1), lines
    for n, line in enumerate(lines, 1):
        assert len(line) <= 80, (n, line)
        assert "…" not in line, (n, line)
        assert line == line.rstrip(), (n, line)


def test_thresholds_colours_its_states_without_printing_markup() -> None:
    _, lines = run("thresholds", "130607MiB")
    assert not any("[green]" in line or "[/]" in line for line in lines)
    assert any(line.split()[:1] == ["high"] for line in lines)


def test_columns_align_on_terminal_cells_with_wide_characters() -> None:
    """A CJK name takes two cells a character: the next column still lines up."""
    rows = [("東京-esx01", "1.0"), ("esx02", "22.5")]
    columns = [Column("Host", lambda r: r[0]), Column("Free", lambda r: r[1], "right")]
    layout, cells = fit(columns, rows, 80)
    buffer = io.StringIO()
    put(Console(file=buffer, width=80, color_system=None), grid(columns, layout, cells))
    lines = buffer.getvalue().splitlines()
    assert lines[2] == "東京-esx01   1.0"
    assert lines[3] == "esx02       22.5"


def _greedy(words: tuple[str, ...], width: int) -> str:
    """Units filled onto lines one by one: what _wrap did before it searched the text."""
    out: list[str] = []
    for u in words:
        if out and len(out[-1]) + 1 + len(u) <= width:
            out[-1] += " " + u
        else:
            out.append(u)
    return "\n".join(out)


@given(
    st.lists(st.text(st.sampled_from("ab-é\t"), min_size=1, max_size=12), max_size=30),
    st.integers(0, 40),
)
@settings(max_examples=300, deadline=None)
def test_words_wrap_as_units_filled_one_by_one(words: list[str], width: int) -> None:
    assert _wrap(tuple(words), width) == _greedy(tuple(words), width)


def _by_text(console: Console, g: object) -> None:
    """A grid printed line by line as Rich Text, as put printed it before issue 22."""
    segments: list[Segment] = []
    for text in g.lines:  # type: ignore[attr-defined]
        segments += text.render(console)
        segments.append(Segment.line())
    console.print(Segments(segments), end="", crop=False, soft_wrap=True)


@pytest.mark.parametrize("color", [None, "standard", "truecolor"])
@pytest.mark.parametrize("width", [30, 80])
def test_a_grid_prints_what_its_lines_as_text_print(color: str | None, width: int) -> None:
    """put() builds a grid's output without Rich's Text where it can: byte for byte what
    rendering each line's Text gives, with and without colour, for styled cells (one
    style, or spans of their own), control codes Text drops, wide characters, wrapped and
    folded cells."""
    obs = Text("esx-obs")
    obs.append(" obs", style="cyan")
    rows = [
        ("alpha", Text("fail", style="bold red"), ("balloon 3.1", "swap 12.0"), "a b c " * 9),
        (obs, Text("ok", style="green"), ("-",), "x" * 45),
        ("東京-esx01", Text(""), ("swap 1.0",), "bell\x07 and\r return"),
        ("tab\there", Text("warn", style="yellow"), ("x",), "ünïcode wörds " * 4),
        ("", Text("dim", style="dim"), (Text("soft", style="yellow"), "7.2"), "   "),
    ]
    columns: list[Column[tuple[Any, Any, Any, Any]]] = [
        Column("Host", lambda r: r[0]),
        Column("Verdict", lambda r: r[1], "right"),
        Column("Reclaim", lambda r: r[2]),
        Column("Message", lambda r: tuple(filter(None, r[3].split(" ")))),
    ]
    layout, cells = fit(columns, rows, width)
    g = grid(columns, layout, cells)
    outputs = []
    for how in (put, _by_text):
        buffer = io.StringIO()
        console = SafeConsole(file=buffer, width=width, color_system=color, force_terminal=True)
        how(console, g)
        outputs.append(buffer.getvalue())
    assert outputs[0] == outputs[1]
    assert "\x1b[" in outputs[0] if color else "\x1b" not in outputs[0]


@pytest.mark.parametrize(
    ("args", "names", "hidden"),
    [
        (["trend", "samples/history/"], ["esx01.shop.example", "esx03.shop.example"],
         "Cap, History hidden at 80 columns: COLUMNS=115 shows them"),
        (["rightsize", "samples/realistic.yaml", "--top", "5"],
         ["esx-db02.prod.example", "lab-esx01.lab.example", "dev-bigdata", "web-007"],
         "Free, Host, Config, Resv, Peak act hidden at 80 columns:"),
    ],
)  # fmt: skip
def test_trend_and_rightsize_hide_columns_at_80_instead_of_folding_names(
    args: list[str], names: list[str], hidden: str
) -> None:
    """Each name starts a table row whole; the line naming the hidden columns says which."""
    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, args)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    for name in names:
        assert any(line.startswith(f"{name} ") for line in lines), name
    assert any(line.startswith(hidden) for line in lines), lines
    assert all(len(line) <= 80 for line in lines)


def test_trend_lines_under_its_table_wrap_with_a_hanging_indent_at_80_columns() -> None:
    """trend's own lines (VMs reaching their size, arrivals, the band, notes) and its
    header wrap as check's and project's lines do: continuations indented by two."""
    code, lines = run("trend", "samples/history/", columns=80)
    assert code == 0
    assert lines[:3] == [
        "memplan trend · 6 snapshots from 2026-06-01 to 2026-11-01 ·",
        "  forecast from 2026-11-01, 24 months, growth: organic + arrivals ·",
        "  GiB (2^30 bytes) per month",
    ]
    tail = lines[
        lines.index(
            "batch01 reaches its 32.0 GiB on 2028-05-14 (+0.85 GiB/month); beyond that its"
        ) :
    ]
    assert tail[1] == "  growth needs a resize"
    assert tail[-2:] == [
        "note: esx03.shop.example balloons on 2028-03-27 at the band's low end too:",
        "  that day new VM shop+8 arrives on it, whatever the slope",
    ]
    starts = (
        "batch01 ",
        "db02 ",
        "api01 ",
        "web05-new ",
        "api02 ",
        "arrivals into ",
        "band: ",
        "note: ",
    )
    for line in tail:
        assert line.startswith(starts) or (line.startswith("  ") and line[2] != " "), line
        assert len(line) <= 80, line


def test_trend_and_project_describe_new_vms_in_the_same_words_at_80_columns() -> None:
    """One helper (render.base.new_vms_text) words the new VMs' shape for trend's arrival
    line and for check's and project's growth lines: size, vCPUs, what each consumes and
    how much of that is active, in GiB."""
    _, trend = run("trend", "samples/history/", columns=80)
    at = trend.index(
        "arrivals into cluster shop, shaped like its median VM: new VMs of 24.0 GiB, 4"
    )
    assert trend[at + 1] == "  vCPUs, each consuming 12.7 GiB, 5.1 GiB of it active; +11 by 2028-11"
    args = ["samples/history/shop-2026-11.yaml", "--history", "samples/history/"]
    _, project = run("project", *args, columns=80)
    at = project.index(
        "  cluster shop: new VMs of 24.0 GiB, 4 vCPUs, each consuming 12.7 GiB, 5.1 GiB"
    )
    assert project[at + 1] == "    of it active; +6 by 2027-12"


def test_words_keep_a_number_with_its_byte_unit() -> None:
    # A line ending "above capacity 124.0" with "GiB:" on the next reads as a bare number.
    assert words("is above capacity 124.0 GiB: some VMs") == (
        "is", "above", "capacity", "124.0 GiB:", "some", "VMs",
    )  # fmt: skip
    assert words("free -47.4 GiB, 512 MiB, 3 B. and 2 TiB/s") == (
        "free", "-47.4 GiB,", "512 MiB,", "3 B.", "and", "2 TiB/s",
    )  # fmt: skip
    # Only after a number: names and words are split as before, blanks dropped.
    assert words("vm  GiB x5 Boxes 4 vCPUs") == ("vm", "GiB", "x5", "Boxes", "4", "vCPUs")


def test_styled_words_keep_their_styles() -> None:
    text = Text("needs 47.2 GiB back")
    text.stylize("bold", 6, 14)
    parts = text_words(text)
    assert [p.plain for p in parts] == ["needs", "47.2 GiB", "back"]
    assert [(s.start, s.end, s.style) for s in parts[1].spans] == [(0, 8, "bold")]


def test_finding_cell_wraps_before_the_number_not_its_unit() -> None:
    cell = words("reservations 129.4 GiB is above capacity 124.0 GiB: some VMs cannot power on")
    lines = str(_wrap(cell, 40)).split("\n")
    assert lines == [
        "reservations 129.4 GiB is above capacity",
        "124.0 GiB: some VMs cannot power on",
    ]


def test_hanging_keeps_number_and_unit_and_styles() -> None:
    console = Console(width=80, file=io.StringIO())
    text = Text("settles in low state: needs 47.2 GiB back but ballooning can take only 26.0 GiB")
    text.stylize("red", text.plain.index("26.0"), len(text.plain))
    out = hanging(console, text, 76, "  ", "    ")
    assert [line.rstrip() for line in out.plain.split("\n")] == [
        "  settles in low state: needs 47.2 GiB back but ballooning can take only",
        "    26.0 GiB",
    ]
    red = [s for s in out.spans if s.style == "red"]
    assert [out.plain[s.start : s.end] for s in red] == ["26.0 GiB"]


def test_hanging_leaves_a_users_private_use_character_alone() -> None:
    # The stand-in for a kept space is a private-use character: where the text has one
    # already, nothing is glued (and nothing of the user's is turned into a space).
    console = Console(width=80, file=io.StringIO())
    text = Text("vm \ue000name " + "x" * 60 + " 26.0 GiB")
    assert "\ue000name" in hanging(console, text, 76, "", "  ").plain
