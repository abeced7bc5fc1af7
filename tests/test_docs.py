"""Docs that are generated or promised stay true."""

from __future__ import annotations

import re

from scripts import gen_readme
from scripts.gen_rules_doc import render
from tests.helpers import ROOT


def test_rules_doc_is_current() -> None:
    """docs/rules.md is generated from the rule docstrings; regenerate it when this fails."""
    assert (ROOT / "docs" / "rules.md").read_text() == render(), (
        "run: python scripts/gen_rules_doc.py"
    )


def test_readme_setup_commands_match_ci() -> None:
    """README's test command is the one .ci/run runs."""
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    test_cmd = next(b.strip() for b in blocks if "pytest" in b)
    assert test_cmd in ci


def test_readme_excerpts_are_current() -> None:
    """README's output excerpts are what the commands print at their width today;
    regenerate them when this fails."""
    text = (ROOT / "README.md").read_text()
    assert len(gen_readme.EXCERPT.findall(text)) >= 4
    assert text == gen_readme.render(text), "run: python scripts/gen_readme.py"
