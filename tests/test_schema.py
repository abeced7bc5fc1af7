"""The JSON Schema accepts every sample and rejects the structurally invalid fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from memplan.cli import app
from memplan.inventory.schema import schema
from tests.helpers import ROOT

VALIDATOR = jsonschema.Draft202012Validator(schema())
INVALID = ROOT / "tests" / "data" / "invalid"

# Fixtures whose problem is structure, type, unit or enum: the schema rejects them.
REJECTED = ["wrong_type.yaml", "negative.yaml", "non_finite.yaml", "unknown_field.yaml",
            "unknown_unit.yaml", "many.yaml", "bad_power.yaml", "bad_version.yaml", "empty.yaml"]  # fmt: skip
# Fixtures a schema cannot see (they need the whole document or the raw text); memplan
# validate reports each at its line (tests/test_invalid.py).
SEMANTIC = {
    "syntax.yaml": "not YAML at all",
    "duplicate_key.yaml": "YAML loaders keep the last key; only memplan sees the first",
    "duplicate_vm.yaml": "uniqueness across the document",
    "duplicate_host.yaml": "uniqueness across the document",
    "unknown_host.yaml": "a reference to another node",
    "reservation.yaml": "a comparison between two fields",
    "python_tag.yaml": "a tag no safe loader constructs",
    "non_utf8.yaml": "bytes, not YAML",
    "every_problem.yaml": "a tag no safe loader constructs, beside one of every other problem",
}


def _load(path: Path) -> Any:
    doc = yaml.safe_load(path.read_text())
    return json.loads(json.dumps(doc, default=str))  # dates as the strings editors see


@pytest.mark.parametrize("sample", sorted(p.name for p in (ROOT / "samples").glob("*.yaml")))
def test_accepts_every_sample(sample: str) -> None:
    VALIDATOR.validate(_load(ROOT / "samples" / sample))


def test_accepts_plans_waivers_and_growth() -> None:
    doc = {
        "version": 1,
        "defaults": {"vm": {"growth": "2%/month", "active": "30%"}},
        "clusters": [{"name": "c", "growth": "20%/year", "ha": {"policy": "slots", "failures": 1},
                      "hosts": [{"name": "h", "memory": "512GiB", "esxi": "8.0"}]}],
        "planned": [{"at": "2027-01-01", "add_vm": {"name": "v", "memory": "16GiB", "cluster": "c"}},
                    {"at": "2027-06-01", "retire_host": "h"}],
        "waivers": [{"rule": "MP102", "subject": "v*", "reason": "why", "until": "2027-01-01"}],
    }  # fmt: skip
    VALIDATOR.validate(doc)
    doc["planned"][0]["add_host"] = {"name": "x", "memory": "1TiB"}  # two actions in one entry
    assert not VALIDATOR.is_valid(doc)


@pytest.mark.parametrize("name", REJECTED)
def test_rejects_invalid_fixture(name: str) -> None:
    doc = _load(INVALID / name)
    assert not VALIDATOR.is_valid(doc), name


def test_every_fixture_is_classified() -> None:
    assert sorted(p.name for p in INVALID.glob("*.yaml")) == sorted([*REJECTED, *SEMANTIC])


def test_schema_command_prints_it() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
