from tests.helpers import findings

HOST = """
    policy: {max_overcommit: 1.5}
    clusters:
      - name: c
        hosts:
          - name: esx01
            memory: 128GiB
            vms:
              - {name: a, memory: 100GiB, consumed: 40%}
              - {name: b, memory: 100GiB, consumed: 40%}
"""


def test_ratio_above_policy_fails_for_host_and_cluster() -> None:
    """200 GiB configured / 124 GiB capacity = 1.61 > 1.5."""
    fs = findings(HOST, "MP204")
    assert [(f.kind, f.subject) for f in fs] == [("cluster", "c"), ("host", "esx01")]
    assert fs[1].message.startswith("overcommit ratio 1.61 is above policy.max_overcommit 1.50")


def test_ratio_is_checked_only_when_policy_sets_it() -> None:
    assert not findings(HOST.replace("policy: {max_overcommit: 1.5}", ""), "MP204")


def test_percent_form_of_policy() -> None:
    assert not findings(HOST.replace("1.5}", "'170%'}"), "MP204")
