"""ESXi constants checked against the reference's worked examples."""

from __future__ import annotations

from fractions import Fraction

import pytest

from memplan import esxi
from memplan.model import MemState
from memplan.units import GIB, MIB


@pytest.mark.parametrize(
    ("managed_mib", "exact_mib", "esxtop_mib"),
    [
        (130607, Fraction(192047, 100), 1920),  # vmwarebits.com: 128 GiB host
        (32510, Fraction(93950, 100), 939),  # blog.travisrunyard.us: 32 GiB host
        (98304, Fraction(159744, 100), 1597),  # voiceforvirtual.com: 96 GiB
    ],
)
def test_min_free_matches_esxtop(managed_mib: int, exact_mib: Fraction, esxtop_mib: int) -> None:
    managed = managed_mib * MIB
    assert esxi.min_free_exact(managed) == exact_mib * MIB
    assert esxi.min_free_esxtop_mib(managed) == esxtop_mib


def test_min_free_first_28_gib_is_901_12_mib() -> None:
    """245.76 + 327.68 + 327.68 = 901.12 MiB, exactly (not the blogs' 899 MB)."""
    assert esxi.min_free_exact(28 * GIB) == Fraction(90112, 100) * MIB


def test_min_free_small_host_uses_only_first_tier() -> None:
    assert esxi.min_free_exact(2 * GIB) == Fraction(6, 100) * 2 * GIB


def test_min_free_before_5_0_is_flat_6_percent() -> None:
    assert esxi.min_free_exact(100 * GIB, "4.1") == Fraction(6, 100) * 100 * GIB


@pytest.mark.parametrize(
    ("mib", "vcpus", "expected_mib"),
    [
        (256, 1, 20.29),
        (1024, 2, 29.91),
        (4096, 4, 60.67),
        (16384, 8, 168.60),
        (16384, 1, 139.62),
        (256, 8, 48.16),
    ],
)
def test_overhead_table_points(mib: int, vcpus: int, expected_mib: float) -> None:
    assert esxi.estimate_overhead(mib * MIB, vcpus) == round(expected_mib * MIB)


def test_overhead_interpolates_inside_table() -> None:
    """2560 MiB, 1 vCPU: halfway between 25.90 (1024) and 48.64 (4096) -> 37.27 MiB;
    3 vCPUs at 1024 MiB: halfway between 29.91 and 37.86 -> 33.885 MiB."""
    assert esxi.estimate_overhead(2560 * MIB, 1) == round(37.27 * MIB)
    assert esxi.estimate_overhead(1024 * MIB, 3) == round(33.885 * MIB)


def test_overhead_fit_outside_table() -> None:
    """64 GiB, 16 vCPUs: 18.4 + 0.0074 x 65536 + 3.98 x 15 = 18.4 + 484.9664 + 59.7 = 563.0664 MiB."""
    assert esxi.estimate_overhead(64 * GIB, 16) == round(563.0664 * MIB)


def test_fit_agrees_with_table_within_about_one_mib() -> None:
    for mib, row in esxi.OVERHEAD_TABLE_MIB.items():
        for vcpus, value in zip(esxi.OVERHEAD_VCPUS, row, strict=True):
            fit = 18.4 + 0.0074 * mib + 3.98 * (vcpus - 1)
            assert abs(fit - value) < 1.3


def test_reading_b_bands_for_esxi_6_plus() -> None:
    bands = esxi.bands(1000, esxi.STATE_TABLES["6.0+"], "B")
    assert [(b.state, b.lower_bytes) for b in bands] == [
        (MemState.HIGH, 4000),
        (MemState.CLEAR, 1000),
        (MemState.SOFT, 640),
        (MemState.HARD, 320),
        (MemState.LOW, None),
    ]
    assert esxi.soft_upper_edge(bands) == 1000


def test_reading_a_bands_shift_each_edge_to_the_next_threshold() -> None:
    """Reading A: ballooning (soft) starts below 64% of minFree, not 100%."""
    bands = esxi.bands(1000, esxi.STATE_TABLES["6.0+"], "A")
    assert [(b.state, b.lower_bytes) for b in bands] == [
        (MemState.HIGH, 1000),
        (MemState.CLEAR, 640),
        (MemState.SOFT, 320),
        (MemState.HARD, 160),
        (MemState.LOW, None),
    ]
    assert esxi.soft_upper_edge(bands) == 640


def test_esxtop_capture_reads_clear_under_reading_b() -> None:
    """The reference's capture: free 2397 MiB with minFree 939 MiB (255%) shows 'clear'."""
    bands = esxi.bands(939 * MIB, esxi.STATE_TABLES["6.0+"], "B")
    assert esxi.state_for_free(2397 * MIB, bands) is MemState.CLEAR


@pytest.mark.parametrize(
    ("version", "table"),
    [("8.0", "6.0+"), ("7.0.3", "6.0+"), ("6.0", "6.0+"), ("5.5", "4.1-5.x"), ("4.1", "4.1-5.x"),
     ("4.0", "pre-4.1"), ("3.5", "pre-4.1")],
)  # fmt: skip
def test_state_table_by_version(version: str, table: str) -> None:
    assert esxi.state_table_name(version) == table


def test_every_state_table_has_a_soft_state_and_ends_low() -> None:
    for table in esxi.STATE_TABLES.values():
        states = [s for s, _ in table]
        assert MemState.SOFT in states
        assert states[-1] is MemState.LOW
        fractions = [f for _, f in table]
        assert fractions == sorted(fractions, reverse=True)
