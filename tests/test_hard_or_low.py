"""hostmodel.hard_or_low() tells hard from low (and proves that a host swaps) from bounds
on what MemSched balloons, without MemSched's split: whenever it answers, the answer is
the state settle() gives with MemSched's ballooned total; at random, near the edges it
decides by, and wherever it starts."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from memplan.engine.hostmodel import SWAP_MARGIN, Row, hard_or_low, load_of, state_of
from memplan.engine.memsched import ballooned
from memplan.engine.projection import _balloons_all
from memplan.model import Host, Location, MemState, Policy
from memplan.units import GIB, MIB
from tests.reclaim import claims_of, make_vm, row_of, rows_of, shortfall_edge, vms


def _truth(rows: list[Row], need: int, short: int | None, tax: Fraction) -> MemState:
    """settle()'s state from MemSched's ballooned total, for a host whose active memory
    fits: soft when all the need is ballooned; else low below ``short``, hard otherwise."""
    claims = claims_of(rows)
    got = ballooned(need, claims, tax)
    if got == need:
        return MemState.SOFT
    return MemState.LOW if short is not None and got < short else MemState.HARD


taxes = st.sampled_from([Fraction(0), Fraction(3, 4), Fraction(9, 10)])
starts = st.just(0.0) | st.floats(1e-9, 1e9)


def test_ten_equal_vms_past_their_idle_memory() -> None:
    """Ten 16 GiB VMs holding 12.8 GiB (12 GiB + 819 MiB) each, 4 GiB active, equal
    shares: 8 GiB + 819 MiB balloonable each. Reclaiming 90 GiB takes 9 GiB from each,
    beyond its balloon: MemSched balloons 10 x (8 GiB + 819 MiB) = 87.998 GiB. With the
    hard band's edge 85 GiB below free memory the host settles hard, with it 89 GiB below,
    low; 20 GiB is all ballooned (soft): no answer."""
    rows = tuple(
        row_of(make_vm(f"v{i}", 16 * GIB, 4 * GIB, 12 * GIB + 819 * MIB, 163840)) for i in range(10)
    )
    assert rows[0][3] == 8 * GIB + 819 * MIB
    assert hard_or_low(rows, 90 * GIB, 85 * GIB, 4.0)[0] is MemState.HARD
    assert hard_or_low(rows, 90 * GIB, 89 * GIB, 4.0)[0] is MemState.LOW
    assert hard_or_low(rows, 90 * GIB, None, 4.0)[0] is MemState.HARD
    assert hard_or_low(rows, 20 * GIB, 10 * GIB, 4.0)[0] is None
    # within the margin of what it balloons: no answer either way
    edge = 10 * (8 * GIB + 819 * MIB)
    assert hard_or_low(rows, 90 * GIB, edge, 4.0)[0] is None
    assert hard_or_low(rows, 90 * GIB, edge + SWAP_MARGIN // 2, 4.0)[0] is None


@settings(max_examples=500, deadline=None)
@given(vms, st.integers(1, 1500), st.integers(0, 999) | st.none(), taxes, starts)
@example([(16, 25, 80, 10, 0, 0)] * 10, 1000, 500, Fraction(3, 4), 0.0)
def test_an_answer_is_memscheds(
    spec: list[tuple[int, int, int, int, int, int]], permille: int, short_permille: int | None,
    tax: Fraction, start: float,
) -> None:  # fmt: skip
    """At random: any rows, a need from a thousandth to 1.5 times all their room, a hard
    edge below it and any first level to try. Both states and no answer come up
    (--hypothesis-show-statistics)."""
    rows = rows_of(spec)
    room = sum(held - min(vm.reservation, held) for vm, held, _, _ in rows)
    need = max(1, room * permille // 1000)
    short = None if short_permille is None else need * short_permille // 1000
    got, level = hard_or_low(tuple(rows), need, short, 1 / (1 - float(tax)), start)
    event(f"answer: {got}")
    assert level == level  # a number, never NaN
    if got is not None:
        assert got is _truth(rows, need, short, tax)


@settings(max_examples=200, deadline=None)
@given(vms, taxes, starts, st.integers(0, 3))
def test_an_answer_is_memscheds_at_the_edges(
    spec: list[tuple[int, int, int, int, int, int]], tax: Fraction, start: float, where: int
) -> None:
    """Near the edges it decides by: the need at which MemSched stops ballooning all of it
    (found by bisection), and a hard band's edge at, just around and a margin around
    what MemSched then balloons."""
    rows = rows_of(spec)
    claims = claims_of(rows)
    edge = shortfall_edge(rows, claims, tax)
    if edge is None:
        return  # never short
    lo, hi = edge
    need = [lo, hi, hi + SWAP_MARGIN, hi + 4 * SWAP_MARGIN][where]
    got = ballooned(need, claims, tax)
    k = 1 / (1 - float(tax))
    answers = set()
    for short in {got - SWAP_MARGIN * 2, got - SWAP_MARGIN, got - 1, got, got + 1,
                  got + SWAP_MARGIN, got + 2 * SWAP_MARGIN}:  # fmt: skip
        if 0 <= short < need:
            state, _ = hard_or_low(tuple(rows), need, short, k, start)
            if state is not None:
                assert state is _truth(rows, need, short, tax)
            answers.add(state)
    event(f"answers: {sorted(str(a) for a in answers)}")


@settings(max_examples=150, deadline=None)
@given(vms, st.integers(-(1 << 36), 1 << 33), taxes)
def test_state_of_is_the_whole_evaluation(
    spec: list[tuple[int, int, int, int, int, int]], spare: int, tax: Fraction
) -> None:
    """state_of() with hard_or_low() and the levels it keeps per host: the state
    evaluate_load() settles the host in, on hosts sized around the VMs' demand."""
    from memplan.engine.hostmodel import evaluate_load

    vms_ = [row[0] for row in rows_of(spec)]
    load = load_of(vms_)
    memory = max(GIB, load.demand + spare)
    host = Host("h", memory, memory, False, 0, "8.0", None, Location("t", 1, 1))
    policy = Policy(idle_tax=tax)
    levels: dict[str, float] = {}
    want = evaluate_load(host, load, policy).state
    assert state_of(host, load, policy) is want
    assert state_of(host, load, policy, None, levels) is want
    assert state_of(host, load, policy, None, levels) is want  # from the level kept
    k = 1 / (1 - float(tax))
    proof = lambda rows, need: _balloons_all(rows, need, k)  # noqa: E731
    for _ in range(2):  # with the proof that ballooning covers the need, before and after
        # hard_or_low() (a level kept)
        assert state_of(host, load, policy, proof, levels) is want
    event(f"state: {want}, level kept: {'h' in levels}")
