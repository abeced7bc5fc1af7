from memplan.units import GIB
from tests.helpers import findings


def test_reservations_above_capacity_fail() -> None:
    """capacity = 128 - 4 GiB = 124 GiB; 2 x 64 GiB reserved + 2 x 1 GiB overhead = 130."""
    (f,) = findings(
        """
        hosts:
          - name: esx01
            memory: 128GiB
            vms:
              - {name: db01, memory: 64GiB, reservation: all, overhead: 1GiB}
              - {name: db02, memory: 64GiB, reservation: all, overhead: 1GiB}
    """,
        "MP201",
    )
    assert f.message == (
        "reservations 128.0 GiB + overhead 2.0 GiB = 130.0 GiB is above capacity 124.0 GiB:"
        " some VMs cannot power on"
    )
    assert {i.name: i.value for i in f.explanation.inputs}["capacity"] == 124 * GIB


def test_reservations_within_capacity_pass() -> None:
    assert not findings(
        """
        hosts:
          - {name: esx01, memory: 128GiB, vms: [{name: db01, memory: 64GiB, reservation: all}]}
    """,
        "MP201",
    )
