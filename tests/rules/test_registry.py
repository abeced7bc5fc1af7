"""The rule registry, its docstrings (docs/rules.md is built from them) and their examples."""

from __future__ import annotations

import re

import pytest

from memplan.rules import RULES
from memplan.rules.base import Rule
from tests.helpers import ROOT, report


def _examples(rule: Rule) -> tuple[str, str]:
    doc = rule.__doc__ or ""
    blocks = re.findall(r"::\n\n((?:    .*\n|\n)+)", doc + "\n")
    assert len(blocks) == 2, f"{rule.RULE.id} needs a passing and a failing example"
    return blocks[0], blocks[1]


def test_ids_are_unique_stable_and_ordered() -> None:
    ids = list(RULES)
    assert ids == sorted(ids)
    assert all(re.fullmatch(r"MP[123]\d\d", i) for i in ids)
    names = [r.RULE.name for r in RULES.values()]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("rule_id", list(RULES))
def test_docstring_examples_pass_and_fail(rule_id: str) -> None:
    rule = RULES[rule_id]
    passing, failing = _examples(rule)
    assert rule_id not in {f.rule for f in report(passing).findings}
    assert rule_id in {f.rule for f in report(failing).findings}


@pytest.mark.parametrize("rule_id", list(RULES))
def test_every_rule_is_in_docs(rule_id: str) -> None:
    docs = (ROOT / "docs" / "rules.md").read_text()
    assert f"## {rule_id} {RULES[rule_id].RULE.name}" in docs
