"""Sizes and percentages: vSphere's GB = GiB convention, bare numbers, bad units."""

from __future__ import annotations

import contextlib
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from memplan.units import (
    GIB,
    KIB,
    MAX_SIZE,
    MIB,
    TIB,
    UnitError,
    format_size,
    format_size_input,
    parse_percent,
    parse_size,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16GiB", 16 * GIB),
        ("16GB", 16 * GIB),  # vSphere's convention: GB means 2^30
        ("16 gb", 16 * GIB),
        ("16G", 16 * GIB),
        ("512MiB", 512 * MIB),
        ("512 MB", 512 * MIB),
        ("512m", 512 * MIB),
        ("1.5TiB", 3 * TIB // 2),
        ("2tb", 2 * TIB),
        ("4KiB", 4 * KIB),
        ("100B", 100),
        ("0", 0),
        ("0.5 GiB", GIB // 2),
        (".5G", GIB // 2),
        ("130607MiB", 130607 * MIB),
    ],
)
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("16", "has no unit; did you mean '16GiB' or '16MiB'?"),
        ("16 XB", "unknown unit 'XB'"),
        ("-1GiB", "is negative"),
        ("lots", "cannot read"),
        ("2000TiB", "larger than 1 PiB"),
        ("1e3GiB", "cannot read"),
        ("", "cannot read"),
    ],
)
def test_parse_size_errors(text: str, message: str) -> None:
    with pytest.raises(UnitError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_size(text)


def test_parse_percent() -> None:
    assert parse_percent("30%") == Fraction(3, 10)
    assert parse_percent("12.5 %") == Fraction(1, 8)
    with pytest.raises(UnitError, match="above 100%"):
        parse_percent("101%")
    assert parse_percent("150%", maximum=None) == Fraction(3, 2)
    with pytest.raises(UnitError, match="percentage"):
        parse_percent("30")


def test_format_size() -> None:
    assert format_size(12 * GIB + 400 * MIB) == "12.4 GiB"
    assert format_size(512 * MIB) == "512.0 MiB"
    assert format_size(-3 * GIB) == "-3.0 GiB"
    assert format_size(2 * TIB) == "2.00 TiB"
    assert format_size(10) == "10 B"


@given(st.integers(min_value=0, max_value=MAX_SIZE))
def test_size_input_round_trip(n: int) -> None:
    """Any byte count written the way memplan writes sizes reads back exactly."""
    assert parse_size(format_size_input(n)) == n


@given(
    st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from(["B", "KiB", "KB", "k", "MiB", "MB", "m", "GiB", "GB", "g", "TiB", "tb"]),
    st.sampled_from(["", " "]),
)
def test_parse_size_accepts_any_number_and_unit(number: object, unit: str, space: str) -> None:
    """Every number with every unit spelling parses to a non-negative integer of bytes."""
    value = parse_size(f"{number}{space}{unit}")
    assert isinstance(value, int)
    assert value >= 0


@given(st.text(max_size=20))
def test_parse_size_never_crashes(text: str) -> None:
    """Arbitrary text either parses or raises UnitError, nothing else."""
    with contextlib.suppress(UnitError):
        assert parse_size(text) >= 0


def test_suggest_prefers_a_name_the_word_starts_and_then_close_spellings() -> None:
    from memplan.units import suggest

    hosts = ["esx-db01.prod.example", "esx-web01.prod.example"]
    assert suggest("esx-db0", hosts) == "; did you mean 'esx-db01.prod.example'?"
    assert suggest("memroy", ["memory", "managed"]) == "; did you mean 'memory'?"
    assert suggest("esx-web9", hosts) == "; did you mean 'esx-web01.prod.example'?"
    assert suggest("zzz", hosts) == ""
