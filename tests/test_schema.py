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


HEADROOM = jsonschema.Draft202012Validator(
    json.loads(CliRunner().invoke(app, ["schema", "headroom"]).stdout),
    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
)
AT_HORIZON = ["--vm", "16GiB", "--growth", "5%/month", "--horizon", "12m", "--as-of", "2026-12-07"]


def _headroom(*args: str) -> Any:
    result = CliRunner().invoke(app, ["headroom", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "args",
    [["samples/realistic.yaml", "--vm", "16GiB"],
     ["samples/realistic.yaml", *AT_HORIZON],
     ["tests/data/rvtools/example1.xlsx", *AT_HORIZON]],
    ids=["today", "realistic-at-horizon", "export-at-horizon"],
)  # fmt: skip
def test_headroom_schema_accepts_what_headroom_writes(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    HEADROOM.validate(_headroom(*args))


def test_headroom_schema_describes_at_and_rejects_a_broken_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`at` (the date the counts stand at, which growth ran, what arrived) is in the schema
    field by field: a consumer's validator catches each of these."""
    monkeypatch.chdir(ROOT)
    doc = _headroom("tests/data/rvtools/example1.xlsx", *AT_HORIZON)
    at = doc["at"]
    assert (at["as_of"], at["date"], at["growth_scope"]) == ("2026-12-07", "2027-12-07", "demand")
    assert (at["arrivals"][0]["cluster"], len(at["arrivals"][0]["new_vms"])) == ("Cluster", 13)
    broken = [
        {k: v for k, v in at.items() if k != "date"},  # the date is required
        at | {"date": "07.12.2027"},  # an ISO date
        at | {"growth_scope": "organic"},  # one of the forecast's words
        at | {"arrivals": [at["arrivals"][0] | {"new_vms": [-1]}]},  # counts are >= 0
        at | {"arrivals": [{**at["arrivals"][0], "shape": {}}]},  # the shape's fields
        at | {"extra": 1},  # nothing undocumented
    ]
    for bad in broken:
        assert not HEADROOM.is_valid(doc | {"at": bad}), bad
    assert HEADROOM.is_valid(doc | {"at": None})  # today's counts
