from tests.helpers import findings


def test_cluster_vm_larger_than_every_host_fails() -> None:
    (f,) = findings(
        """
        clusters:
          - name: prod
            hosts: [{name: esx01, memory: 256GiB}, {name: esx02, memory: 128GiB}]
            vms: [{name: big01, memory: 300GiB}]
    """,
        "MP105",
    )
    assert f.message == (
        "fits no host of cluster prod: configured 300.0 GiB is larger than the largest host (256.0 GiB)"
    )


def test_reservation_that_no_host_can_admit_fails() -> None:
    """Each host has 124 GiB capacity, 100 GiB of it already reserved: a 64 GiB reservation
    fits nowhere although 64 GiB is smaller than either host."""
    (f,) = findings(
        """
        clusters:
          - name: prod
            hosts:
              - {name: a, memory: 128GiB, vms: [{name: r1, memory: 100GiB, reservation: all, overhead: 0}]}
              - {name: b, memory: 128GiB, vms: [{name: r2, memory: 100GiB, reservation: all, overhead: 0}]}
            vms: [{name: db, memory: 64GiB, reservation: all, overhead: 0}]
    """,
        "MP105",
    )
    assert "reservation + overhead 64.0 GiB is above the most unreserved capacity" in f.message
    assert "(24.0 GiB)" in f.message


def test_cluster_vm_that_fits_is_placed() -> None:
    assert not findings(
        """
        clusters:
          - name: prod
            hosts: [{name: esx01, memory: 256GiB}]
            vms: [{name: app01, memory: 64GiB}]
    """,
        "MP105",
    )
