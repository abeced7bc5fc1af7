"""The rule registry, its docstrings (docs/rules.md is built from them) and their examples."""

from __future__ import annotations

import re
from datetime import date

import pytest

from memplan import engine
from memplan.model import Scenario
from memplan.rules import RULES
from memplan.rules.base import Rule
from tests.helpers import ROOT, inv

# Every example is evaluated as `memplan check --as-of 2026-01-01 --fail-within 90d`, so the
# forecast rules' examples mean what they say; no other rule depends on the date.
SCENARIO = Scenario(as_of=date(2026, 1, 1), fail_within_days=90)


def _examples(rule: Rule) -> tuple[str, str]:
    doc = rule.__doc__ or ""
    blocks = re.findall(r"::\n\n((?:    .*\n|\n)+)", doc + "\n")
    assert len(blocks) == 2, f"{rule.RULE.id} needs a passing and a failing example"
    return blocks[0], blocks[1]


def test_ids_are_unique_stable_and_ordered() -> None:
    ids = list(RULES)
    assert ids == sorted(ids)
    assert all(re.fullmatch(r"MP[1-49]\d\d", i) for i in ids)
    names = [r.RULE.name for r in RULES.values()]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("rule_id", list(RULES))
def test_docstring_examples_pass_and_fail(rule_id: str) -> None:
    rule = RULES[rule_id]
    passing, failing = _examples(rule)
    assert rule_id not in {f.rule for f in engine.evaluate(inv(passing), SCENARIO).findings}
    assert rule_id in {f.rule for f in engine.evaluate(inv(failing), SCENARIO).findings}


@pytest.mark.parametrize("rule_id", list(RULES))
def test_every_rule_is_in_docs(rule_id: str) -> None:
    docs = (ROOT / "docs" / "rules.md").read_text()
    assert f"## {rule_id} {RULES[rule_id].RULE.name}" in docs
