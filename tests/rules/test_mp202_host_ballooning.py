from memplan.units import MIB
from tests.helpers import findings, report


def test_host_in_soft_band_with_idle_memory_balloons() -> None:
    """32 GiB host, no system reservation: minFree = 942.08 MiB. One VM of 31.5 GiB with
    no overhead leaves 512 MiB free; need = 942.08 - 512 = 430.08 MiB; 90% of it is idle."""
    text = """
        hosts:
          - name: h
            memory: 32GiB
            system_reserved: 0
            vms: [{name: v, memory: 32256MiB, overhead: 0, active: 10%}]
    """
    (f,) = findings(text, "MP202")
    h = report(text).hosts[0]
    assert h.free == 512 * MIB
    assert h.need == int(942.08 * MIB) - 512 * MIB
    assert "ESXi balloons 430.1 MiB" in f.message


def test_host_with_enough_free_memory_does_not_balloon() -> None:
    assert not findings(
        """
        hosts:
          - {name: h, memory: 128GiB, vms: [{name: a, memory: 64GiB}]}
    """,
        "MP202",
    )
