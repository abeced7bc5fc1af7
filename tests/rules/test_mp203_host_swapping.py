from tests.helpers import findings


def test_fully_active_host_below_min_free_swaps() -> None:
    (f,) = findings(
        """
        hosts:
          - name: esx01
            memory: 128GiB
            vms: [{name: a, memory: 124GiB, active: 100%}]
    """,
        "MP203",
    )
    assert f.severity == "fail"
    assert f.message.startswith("settles in low state: active working sets + overhead")


def test_balloon_limit_forces_swapping() -> None:
    """balloon_max 0: idle memory exists but the balloon cannot take it; free 512 MiB above
    the hard band edge (32% of 942.08 = 301.47 MiB), so the host settles in hard."""
    (f,) = findings(
        """
        hosts:
          - name: h
            memory: 32GiB
            system_reserved: 0
            vms: [{name: v, memory: 32256MiB, overhead: 0, active: 10%, balloon_max: 0}]
    """,
        "MP203",
    )
    assert f.message.startswith("settles in hard state: needs 430.1 MiB back")


def test_idle_host_passes() -> None:
    assert not findings(
        """
        hosts:
          - {name: h, memory: 128GiB, vms: [{name: a, memory: 64GiB, active: 100%}]}
    """,
        "MP203",
    )
