from memplan.units import GIB, MIB
from tests.helpers import findings


def test_consumed_above_usage_bound_warns() -> None:
    """Bound = min(16 GiB, unlimited) + 100 MiB overhead; 20 GiB consumed is impossible."""
    (f,) = findings(
        """
        hosts:
          - {name: h, memory: 64GiB, vms: [{name: v, memory: 16GiB, overhead: 100MiB, consumed: 20GiB}]}
    """,
        "MP104",
    )
    assert "usage bound 16.1 GiB" in f.message
    assert {i.name: i.value for i in f.explanation.inputs}["consumed"] == 20 * GIB


def test_consumed_within_bound_passes_even_with_overhead() -> None:
    assert not findings(
        """
        hosts:
          - {name: h, memory: 64GiB, vms: [{name: v, memory: 16GiB, overhead: 100MiB, consumed: 16484MiB}]}
    """,
        "MP104",
    )
    assert 16 * GIB + 100 * MIB == 16484 * MIB


def test_default_consumed_with_a_limit_is_not_flagged() -> None:
    """consumed defaults to configured; only a consumed value the user gave can be wrong."""
    assert not findings(
        """
        hosts:
          - {name: h, memory: 64GiB, vms: [{name: v, memory: 16GiB, limit: 4GiB}]}
    """,
        "MP104",
    )
