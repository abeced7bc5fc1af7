from memplan.units import GIB
from tests.helpers import findings


def test_limit_below_configured_warns_with_the_always_reclaimed_amount() -> None:
    (f,) = findings(
        """
        hosts:
          - {name: h, memory: 64GiB, vms: [{name: app01, memory: 16GiB, limit: 8GiB}]}
    """,
        "MP102",
    )
    assert f.severity == "warn"
    assert "8.0 GiB the guest sees is always ballooned or swapped" in f.message
    assert {i.name: i.value for i in f.explanation.inputs}["always reclaimed"] == 8 * GIB


def test_limit_at_or_above_configured_passes() -> None:
    assert not findings(
        """
        hosts:
          - name: h
            memory: 64GiB
            vms:
              - {name: a, memory: 16GiB, limit: 16GiB}
              - {name: b, memory: 16GiB, limit: unlimited}
              - {name: c, memory: 16GiB}
    """,
        "MP102",
    )
