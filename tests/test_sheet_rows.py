"""python-calamine's sheets converted a column at a time (importers/rvtools.py
_sheet_rows) give the rows, or the error, that converting cell by cell gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from memplan.errors import LimitError
from memplan.importers import rvtools

Strategy = st.SearchStrategy[Any]


cells: Strategy = st.one_of(
    st.just(""), st.just(" "), st.none(), st.booleans(), st.floats(allow_nan=True),
    st.integers(-3, 3).map(float), st.sampled_from(["vm1", "1234", "16,384", "x" * 256,
                                                    "y" * 32_768, "True", "\t"]),
    st.datetimes(), st.integers(0, 5),
)  # fmt: skip
HEADERS = ["VM", "Memory", "Host", "Cluster", "Powerstate", "Annotation", "CPUs", ""]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["vinfo", "vmemory", "vhost"]),
    st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5, unique=True),
    st.sampled_from([cells, st.floats() | st.integers(-3, 3).map(float),
                     st.sampled_from(["a", "", " ", "1,5", " 2", "x" * 256])]).flatmap(
        lambda kind: st.lists(st.lists(kind, min_size=5, max_size=5), max_size=6)
    ),  # mixed cells, or one kind only: a sheet's columns are mostly of one type
    st.booleans(),
)  # fmt: skip
def test_sheet_rows_are_read_as_cell_by_cell(
    sheet: str, header: list[str], body: list[list[Any]], ragged: bool
) -> None:
    """Same rows, or the same error, as _rows with _cell applied to each cell."""
    grid: list[list[Any]] = [list(header), *([*row[: len(header)]] for row in body)]
    if ragged and len(grid) > 1:
        grid[-1] = grid[-1][:-1]

    def outcome(read: Any) -> Any:
        try:
            return read()
        except LimitError as exc:
            return str(exc)

    fast = outcome(lambda: rvtools._sheet_rows(sheet, grid))
    cell_by_cell = outcome(
        lambda: list(
            rvtools._rows(
                sheet, [rvtools._cell(v) for v in grid[0]], enumerate(grid[1:], 2), rvtools._cell
            )
        )
    )
    assert repr(fast) == repr(cell_by_cell)  # repr: 1.0 == 1, but a name 1 is not "1.0"
    texts = getattr(fast, "texts", None)
    if texts is not None:  # what the decimal-comma evidence is looked for in: the same
        assert {t for t in texts if t[:1].isdigit()} == {
            v for _, row in cell_by_cell for v in row.values() if type(v) is str and v[:1].isdigit()
        }
