"""Shared test helpers: build inventories and reports from YAML text."""

from __future__ import annotations

import textwrap
from pathlib import Path

from memplan import engine, inventory
from memplan.model import Finding, Inventory, Report

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DATA = ROOT / "tests" / "data"


def inv(text: str, path: str = "inv.yaml") -> Inventory:
    """Parse an inventory written in a test (dedented; 'version: 1' added when missing)."""
    body = textwrap.dedent(text)
    if "version:" not in body:
        body = "version: 1\n" + body
    return inventory.parse(body.encode(), path)


def report(text: str) -> Report:
    """Evaluate an inventory written in a test."""
    return engine.evaluate(inv(text))


def findings(text: str, rule: str) -> list[Finding]:
    """Findings of one rule for an inventory written in a test."""
    return [f for f in report(text).findings if f.rule == rule]
