"""Top-level ``collected:`` and VM ``uuid:``: what makes an inventory a dated snapshot whose
VMs can be followed through renames (docs/inventory.md)."""

from __future__ import annotations

from datetime import datetime

import jsonschema
import pytest
import yaml

from memplan.errors import InventoryError
from memplan.inventory.schema import schema
from tests.helpers import inv

BODY = """
hosts:
  - name: esx01
    memory: 64GiB
    vms:
      - {name: web01, memory: 8GiB, uuid: 5003a1b2-0000-4c3d-8e9f-000000000001}
      - {name: web02, memory: 8GiB}
"""


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-11-03", datetime(2026, 11, 3)),
        ("'2026-11-03'", datetime(2026, 11, 3)),
        ("2026-11-03T14:05:00", datetime(2026, 11, 3, 14, 5)),
        ("2026-11-03T14:05:00Z", datetime(2026, 11, 3, 14, 5)),
        ("2026-11-03T23:30:00+02:00", datetime(2026, 11, 3, 21, 30)),  # to UTC
        ("2026-11-04T01:00:00-05:00", datetime(2026, 11, 4, 6, 0)),
    ],
)
def test_collected_reads_dates_and_datetimes_as_utc(written: str, expected: datetime) -> None:
    assert inv(f"collected: {written}\n" + BODY).collected == expected


def test_collected_is_optional() -> None:
    assert inv(BODY).collected is None


@pytest.mark.parametrize("written", ["yesterday", "2026-13-01", "12", "[2026]"])
def test_a_bad_collected_is_reported_at_its_position(written: str) -> None:
    with pytest.raises(InventoryError) as err:
        inv(f"collected: {written}\n" + BODY)
    (problem,) = err.value.problems
    assert (problem.line, problem.column) == (2, 12)  # 'version: 1' is line 1
    assert "collected must be a date (YYYY-MM-DD) or a date and time" in problem.message


def test_uuid_is_kept_per_vm_and_is_not_part_of_a_shape() -> None:
    """Two VMs alike but for their uuid still share one parsed shape, and keep their own uuid."""
    body = BODY.replace("{name: web02, memory: 8GiB}", "{name: web02, memory: 8GiB, uuid: u-2}")
    vms = {v.name: v for v in inv(body).vms}
    assert vms["web01"].uuid == "5003a1b2-0000-4c3d-8e9f-000000000001"
    assert vms["web02"].uuid == "u-2"
    assert vms["web01"].memory == vms["web02"].memory


def test_uuid_is_optional_and_must_be_text() -> None:
    assert {v.name: v.uuid for v in inv(BODY).vms}["web02"] is None
    with pytest.raises(InventoryError) as err:
        inv(BODY.replace("{name: web02, memory: 8GiB}", "{name: web02, memory: 8GiB, uuid: [1]}"))
    assert "VM 'web02' uuid" in err.value.problems[0].message


def test_schema_accepts_collected_and_uuid_and_rejects_a_bad_date() -> None:
    doc = yaml.safe_load("version: 1\ncollected: '2026-11-03T14:05:00Z'\n" + BODY)
    jsonschema.validate(doc, schema())
    doc["collected"] = "last week"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema())
