"""Output that fits the console it lands in: tables whose columns hide in a stated order
(and say so), cells that wrap between words instead of being cut, lines that break
between their parts, and no trailing spaces on any line (docs/output.md).

A table is a list of ``Column`` specs: a header, how to get a row's cell, and a hiding
priority. ``fit`` picks the columns and widths for the console's width; ``grid`` builds the
Rich table; ``put`` prints anything without trailing spaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.control import STRIP_CONTROL_CODES, strip_control_codes
from rich.segment import Segment, Segments
from rich.style import Style
from rich.text import Text

R = TypeVar("R")

Cell = str | Text | tuple[str | Text, ...]
"""A cell: text on one line, or units (e.g. "balloon 3.1", "swap 12.0") that may wrap
onto several lines between units but never inside one."""

GAP = 2
"""Spaces between two columns."""

FOLD_MIN = 8
"""Narrowest a column folds to when a table cannot fit otherwise."""


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column of a table of rows of type ``R``."""

    header: str
    """Column title."""
    cell: Callable[[R], Cell]
    """The row's cell."""
    justify: Literal["left", "right"] = "left"
    """Numbers are right-justified."""
    hide: int = 0
    """0: always shown. Otherwise, when the table does not fit, columns are hidden from the
    highest ``hide`` down until it does."""


@dataclass(frozen=True)
class Fit:
    """Which columns a table shows, how wide each is, and what it hides."""

    shown: tuple[int, ...]
    """Indexes of the columns shown, in order."""
    widths: tuple[int, ...]
    """Width of each shown column."""
    hidden: tuple[str, ...]
    """Headers of the hidden columns, in table order."""
    full: int
    """Table width with every column shown, each cell on one line."""


def _units(c: Cell) -> tuple[str | Text, ...]:
    return c if isinstance(c, tuple) else (c,)


_CONTROL = re.compile("[" + "".join(map(chr, STRIP_CONTROL_CODES)) + "]")
"""The control codes Rich's Text removes from what it is given."""

_PRINTABLE_LINES = re.compile(r"[^\x20-\x7e\n]")
"""Anything but printable ASCII and line breaks: lines without it are one terminal cell
a character, and Rich's Text keeps them as they are."""


_UNIT = r"(?:[KMGTP]i)?B\b"
"""A byte unit after a number ("124.0 GiB"): a line never breaks between the two."""

_WORD = re.compile(rf"[^ ]+(?:(?<=\d) (?={_UNIT})[^ ]+)*")
"""A wrap unit of a sentence: what lies between spaces, or a number with its byte unit
("124.0 GiB:")."""

_KEEP = re.compile(rf"(?<=\d) (?={_UNIT})")
"""The space between a number and its byte unit."""

_GLUE = "\ue000"
"""A private-use character, one cell wide and no space to Rich's wrapping, that stands in
for a _KEEP space while a Text wraps."""


def _width(text: str) -> int:
    """Terminal cells of ``text``: CJK and emoji take two (the ASCII test is the fast path)."""
    return len(text) if text.isascii() else cell_len(text)


def _len(u: str | Text) -> int:
    plain = u if isinstance(u, str) else u.plain
    if "\n" not in plain:
        return _width(plain)
    return max(_width(line) for line in plain.split("\n"))


def _measure(c: Cell) -> tuple[int, int]:
    """(natural, least) width of a cell: on one line, and wrapped between its units.

    natural = the units' widths + a space between each two; least = the widest unit.
    Plain ASCII cells, the great majority (a finding's message is a tuple of words), are
    measured by C-speed joins instead of unit by unit."""
    if type(c) is str:
        if c.isascii() and "\n" not in c:
            return len(c), len(c)
        n = _len(c)
        return n, n
    if isinstance(c, Text):
        plain = c.plain
        if plain.isascii() and "\n" not in plain:
            return len(plain), len(plain)
    elif type(c) is tuple:
        try:
            joined = " ".join(c)  # type: ignore[arg-type]
        except TypeError:  # a unit is a Text: measured unit by unit below
            joined = "\n"
        if joined.isascii() and "\n" not in joined:
            return len(joined), max(map(len, c), default=0)
    units = _units(c)
    widths = [_len(u) for u in units]
    return sum(widths) + max(0, len(units) - 1), max(widths, default=0)


def table_width(widths: Iterable[int]) -> int:
    """Width of a table with columns this wide (no edges, GAP between columns)."""
    ws = list(widths)
    return sum(ws) + GAP * max(0, len(ws) - 1)


def fit(
    columns: Sequence[Column[R]], rows: Iterable[R], width: int, wide: bool = False
) -> tuple[Fit, list[list[Cell]]]:
    """The columns to show at ``width`` and every row's cells.

    Every column is shown when the table fits with each multi-unit cell wrapped between its
    units; otherwise columns are hidden, highest ``hide`` first, until it does. Multi-unit
    cells are then wrapped only as much as needed. ``wide``: everything, unwrapped.
    """
    getters = [c.cell for c in columns]
    cells = [[get(r) for get in getters] for r in rows]
    natural = [len(c.header) for c in columns]
    least = list(natural)
    for i in range(len(columns)):
        for cell in (row[i] for row in cells):
            n, m = _measure(cell)
            if n > natural[i]:
                natural[i] = n
            if m > least[i]:
                least[i] = m
    full = table_width(natural)
    shown = list(range(len(columns)))
    if not wide:
        by_priority = sorted((i for i in shown if columns[i].hide), key=lambda i: -columns[i].hide)
        for i in by_priority:
            if table_width(least[j] for j in shown) <= width:
                break
            shown.remove(i)
    widths = {i: natural[i] for i in shown}
    excess = table_width(widths.values()) - width
    while excess > 0 and not wide:  # wrap the widest multi-unit column a little more
        slack = [i for i in shown if widths[i] > least[i]]
        if not slack:
            break
        i = max(slack, key=lambda j: widths[j] - least[j])
        cut = min(excess, widths[i] - least[i])
        widths[i] -= cut
        excess -= cut
    if excess > 0 and not wide:  # still too wide: the widest column folds (grid), no other
        i = max(shown, key=lambda j: widths[j])
        widths[i] = max(FOLD_MIN, widths[i] - excess)
    hidden = tuple(columns[i].header for i in range(len(columns)) if i not in shown)
    return Fit(tuple(shown), tuple(widths[i] for i in shown), hidden, full), cells


def _wrap(cell: Cell, width: int) -> str | Text:
    """A multi-unit cell as lines of at most ``width`` (a unit wider stays whole)."""
    if not isinstance(cell, tuple):
        return cell
    try:
        joined: str | None = " ".join(cell)  # type: ignore[arg-type]
    except TypeError:  # a unit is a Text
        joined = None
    if joined is not None:  # plain words: no styles to carry
        if joined.count(" ") == len(cell) - 1 and all(cell):
            # units without spaces are words: wrap by searching the joined text
            return _wrap_words(joined, width)
        if all(cell) and _GLUE not in joined:  # e.g. "124.0 GiB": glued into one word
            glued = " ".join([u.replace(" ", _GLUE) for u in cell])  # type: ignore[union-attr]
            return _wrap_words(glued, width).replace(_GLUE, " ")
        out: list[str] = []
        for u in cell:
            assert isinstance(u, str)
            if out and len(out[-1]) + 1 + len(u) <= width:
                out[-1] += " " + u
            else:
                out.append(u)
        return "\n".join(out)
    lines: list[Text] = []
    for u in cell:
        unit = u if isinstance(u, Text) else Text(u)
        if lines and len(lines[-1]) + 1 + len(unit) <= width:
            lines[-1].append(" ")
            lines[-1].append(unit)
        else:
            lines.append(unit.copy())
    return Text("\n").join(lines)


def _wrap_words(text: str, width: int) -> str:
    """``text`` (words one space apart) as lines of at most ``width``, filled word by word
    as _wrap fills units: the last space that keeps a line within ``width`` ends it; a word
    wider than ``width`` has a line of its own."""
    lines: list[str] = []
    start, end = 0, len(text)
    while end - start > width:
        cut = text.rfind(" ", start, start + width + 1)
        if cut < 0:  # the first word alone is wider than the line
            cut = text.find(" ", start)
            if cut < 0:
                break
        lines.append(text[start:cut])
        start = cut + 1
    lines.append(text[start:])
    return "\n".join(lines)


Styled = tuple[int, Text]
"""Where a cell that carries styles starts in its line, and the cell's Text."""

Line = tuple[str, list[Styled]]
"""A grid line: its plain text (no trailing spaces) and its styled cells."""


class Grid:
    """A table as its lines of text: what ``grid`` returns and ``put`` prints.

    Rich's Table measures and lays out every cell again when printed, which made a check
    of 100,000 VMs spend most of its time printing (issue 22); the widths are known here
    already (``fit``), so the lines are built directly, as Rich would lay them out: a bold
    header, a rule, cells padded to their column, GAP spaces apart, wrapped cells top
    aligned, no trailing spaces. Each line is its plain text and its styled cells, so
    that output without colour (files, pipes, NO_COLOR) never builds a Text."""

    def __init__(self, rows: list[Line]) -> None:
        self.rows = rows

    @property
    def lines(self) -> list[Text]:
        """Each line as Rich's Text, its cells' styles in place."""
        return [_text(plain, styled) for plain, styled in self.rows]

    def __rich_console__(self, console: Console, options: Any) -> Iterator[Text]:
        yield from self.lines


def _text(plain: str, styled: list[Styled]) -> Text:
    """One line of a grid as a Text: each styled cell's style and spans at its place."""
    out = Text(plain)
    for start, source in styled:
        if source.style:
            out.stylize(source.style, start, start + len(source.plain))
        for span in source.spans:
            out.stylize(span.style, start + span.start, start + span.end)
    return out


def _segments(console: Console, grid: Grid) -> list[Segment]:
    """The grid's lines as segments to print: exactly what rendering each line's Text
    gives, built without one where no cell's Text carries spans of its own (header, state
    and verdict cells carry one style each)."""
    if console.color_system is None and not console.record:  # no style can show
        text = "".join(plain + "\n" for plain, _ in grid.rows)
        return [Segment(strip_control_codes(text) if _CONTROL.search(text) else text)]
    styles: dict[Any, Style] = {}
    out: list[Segment] = []
    line = Segment.line()
    for plain, styled in grid.rows:
        if _CONTROL.search(plain) or any(source.spans for _, source in styled):
            out += _text(plain, styled).render(console)  # Text drops control codes first
        elif not styled:
            out.append(Segment(plain))
        else:
            at, end = 0, len(plain)
            for start, source in styled:
                stop = min(end, start + len(source.plain))
                if start >= stop:  # a styled cell that is empty or cut off: no style
                    continue
                if start > at:
                    out.append(Segment(plain[at:start]))
                style = styles.get(source.style)
                if style is None:
                    style = styles[source.style] = console.get_style(
                        source.style, default=Style.null()
                    )
                out.append(Segment(plain[start:stop], style))
                at = stop
            if at < end:
                out.append(Segment(plain[at:]))
        out.append(line)
    return out


def _fold(line: Text, width: int) -> list[Text]:
    """``line`` wrapped between words at ``width``; a word wider than that is folded."""
    if line.cell_len <= width:
        return [line]
    out: list[Text] = []
    current: Text | None = None
    offset = 0
    for word in line.plain.split(" "):
        piece = line[offset : offset + len(word)]
        offset += len(word) + 1
        while piece.cell_len > width:  # fold what no line can hold
            if current is not None:
                out.append(current)
                current = None
            out.append(piece[:width])
            piece = piece[width:]
        if current is not None and current.cell_len + 1 + piece.cell_len <= width:
            current.append(" ")
            current.append(piece)
        else:
            if current is not None:
                out.append(current)
            current = piece.copy()
    if current is not None:
        out.append(current)
    return out


Piece = tuple[str, Text | None]
"""One line of a cell: its text, and the Text it came from when that carries styles."""


def _cell_lines(cell: Cell, width: int) -> list[Piece]:
    if isinstance(cell, Text):  # a styled word or two (state, verdict): one line as it is
        plain = cell.plain
        if len(plain) <= width and plain.isascii() and plain.isprintable():
            return [(plain, cell if cell.style or cell.spans else None)]
    wrapped = _wrap(cell, width)
    if isinstance(wrapped, str):
        if "\n" not in wrapped and _width(wrapped) <= width:  # the common case, kept cheap
            return [(wrapped, None)]
        if not _PRINTABLE_LINES.search(wrapped) and not wrapped.endswith("\n"):
            words = wrapped.split("\n")  # wrapped words: what Text would split, unstyled
            if max(map(len, words)) <= width:
                return [(line, None) for line in words]
        wrapped = Text(wrapped)
    lines = wrapped.split("\n") if "\n" in wrapped.plain else [wrapped]
    out: list[Piece] = []
    for line in lines:
        for part in _fold(line, width):
            styled = part.style or part.spans
            out.append((part.plain, part if styled else None))
    return out


def grid(
    columns: Sequence[Column[R]], f: Fit, cells: list[list[Cell]], header: bool = True
) -> Grid:
    """The table of ``f``: a header, a rule under it, no edges; a cell too wide for its
    column wraps between words and folds a word that no line holds (never cut). Without
    ``header``, the rows alone (a table's later part, after a line of its own)."""
    right = [columns[i].justify == "right" for i in f.shown]
    widths = f.widths
    shown = list(zip(f.shown, widths, strict=True))
    gap = " " * GAP

    def line(parts: list[Piece]) -> Line:
        padded: list[str] = []
        styled: list[Styled] = []
        at = 0
        for (text, source), w, r in zip(parts, widths, right, strict=True):
            if text.isascii():  # one cell a character: str pads it
                cell = text.rjust(w) if r else text.ljust(w)
            else:
                pad = " " * max(0, w - cell_len(text))
                cell = pad + text if r else text + pad
            if source is not None:
                styled.append((at + len(cell) - len(text) if r else at, source))
            padded.append(cell)
            at += len(cell) + GAP
        return gap.join(padded).rstrip(), styled

    rows: list[Line] = []
    if header:
        heads = [_cell_lines(Text(columns[i].header, style="table.header"), w) for i, w in shown]
        rows += _rows(heads, line)
        rows.append(("─" * table_width(widths), []))
    for row in cells:
        parts: list[list[Piece]] = []
        for i, w in shown:
            c = row[i]
            if type(c) is str and len(c) <= w and c.isascii() and "\n" not in c:
                parts.append([(c, None)])  # the common case, kept cheap
            else:
                parts.append(_cell_lines(c, w))
        rows += _rows(parts, line)
    return Grid(rows)


def _rows(parts: list[list[Piece]], line: Callable[[list[Piece]], Line]) -> list[Line]:
    height = max(map(len, parts), default=1)
    if height == 1:
        return [line([p[0] if p else ("", None) for p in parts])]
    return [line([p[k] if k < len(p) else ("", None) for p in parts]) for k in range(height)]


def hidden_line(fits: Iterable[Fit], width: int, wide: bool = True) -> Text | None:
    """One line naming the hidden columns and how to see them (``wide``: the command has
    ``--wide``), or None."""
    fits = list(fits)
    hidden: list[str] = []
    for f in fits:
        hidden += [h for h in f.hidden if h not in hidden]
    if not hidden:
        return None
    need = max(f.full for f in fits if f.hidden)
    return Text(
        f"{', '.join(hidden)} hidden at {width} columns: {'--wide or ' if wide else ''}"
        f"COLUMNS={need} shows them",
        style="dim",
    )


def flow(parts: Sequence[str | Text], width: int, sep: str = " · ", indent: str = "  ") -> Text:
    """``parts`` joined by ``sep`` on as few lines of ``width`` as it takes, breaking only
    between parts; continuation lines start with ``indent``."""
    lines: list[Text] = []
    for p in parts:
        part = p if isinstance(p, Text) else Text(p)
        if lines and len(lines[-1]) + len(sep) + len(part) <= width:
            lines[-1].append(sep)
            lines[-1].append(part)
        elif lines:
            lines[-1].append(sep.rstrip())
            lines.append(Text(indent) + part)
        else:
            lines.append(part.copy())
    return Text("\n").join(lines)


def words(text: str) -> tuple[str, ...]:
    """``text`` as wrap units: words, with each number kept with its byte unit (a line
    that ends "above capacity 124.0" with "GiB" on the next reads as a wrong number)."""
    return tuple(_WORD.findall(text))


def text_words(text: Text) -> tuple[Text, ...]:
    """``words`` of a styled text, each word keeping its styles."""
    return tuple(text[m.start() : m.end()] for m in _WORD.finditer(text.plain))


def hanging(console: Console, text: Text, width: int, first: str, rest: str) -> Text:
    """``text`` wrapped between words at ``width``: the first line starts with ``first``,
    the others with ``rest``. A number and its byte unit stay on one line."""
    room = max(20, width - max(len(first), len(rest)))
    plain = text.plain
    glued = _GLUE not in plain and _KEEP.search(plain) is not None
    if glued:
        text = text.copy()
        text.plain = _KEEP.sub(_GLUE, plain)  # same length: the spans stay where they were
    lines = text.wrap(console, room, overflow="fold")
    if glued:
        for line in lines:
            line.plain = line.plain.replace(_GLUE, " ")
    return Text("\n").join(Text(first if i == 0 else rest) + line for i, line in enumerate(lines))


def put(console: Console, renderable: RenderableType = "", width: int | None = None) -> None:
    """Print ``renderable`` with no trailing spaces on any line (Rich pads table cells and
    rows with spaces). ``width`` overrides the console's width (``--wide``)."""
    if isinstance(renderable, Grid):  # lines laid out already: no measuring, no wrapping
        segments = _segments(console, renderable)
        console.print(Segments(segments), end="", crop=False, soft_wrap=True)
        return
    if isinstance(renderable, str):
        renderable = Text(renderable)
    options = console.options if width is None else console.options.update_width(width)
    out: list[Segment] = []
    for line in console.render_lines(renderable, options, pad=False):
        while line and not line[-1].control and not line[-1].text.strip():
            line.pop()
        if line and not line[-1].control:
            last = line.pop()
            line.append(Segment(last.text.rstrip(), last.style))
        out += line
        out.append(Segment.line())
    console.print(Segments(out), end="", crop=False, soft_wrap=True)
