from tests.helpers import findings


def test_balloon_max_zero_warns() -> None:
    (f,) = findings(
        """
        hosts:
          - {name: h, memory: 64GiB, vms: [{name: app01, memory: 16GiB, balloon_max: 0}]}
    """,
        "MP103",
    )
    assert (f.severity, f.subject) == ("warn", "app01")


def test_balloon_cap_above_zero_passes() -> None:
    assert not findings(
        """
        hosts:
          - {name: h, memory: 64GiB, vms: [{name: app01, memory: 16GiB, balloon_max: 4GiB}]}
    """,
        "MP103",
    )
