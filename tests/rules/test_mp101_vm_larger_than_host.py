from memplan.units import GIB
from tests.helpers import findings


def test_vm_larger_than_host_fails() -> None:
    (f,) = findings(
        """
        hosts:
          - {name: esx01, memory: 256GiB, vms: [{name: db01, memory: 512GiB, power: off}]}
    """,
        "MP101",
    )
    assert (f.severity, f.kind, f.subject) == ("fail", "vm", "db01")
    assert f.message == "configured 512.0 GiB is larger than host esx01's 256.0 GiB of memory"
    assert [(i.name, i.value) for i in f.explanation.inputs] == [
        ("configured", 512 * GIB),
        ("host memory", 256 * GIB),
    ]
    # line 1 is the "version: 1" the helper adds, line 2 the blank line after the quotes
    assert (f.location.line, f.location.column) == (4, 41)


def test_vm_equal_to_host_memory_passes() -> None:
    assert not findings(
        """
        hosts:
          - {name: esx01, memory: 256GiB, vms: [{name: db01, memory: 256GiB, power: off}]}
    """,
        "MP101",
    )
