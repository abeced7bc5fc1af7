"""JSON Schema (draft 2020-12) of the inventory format v1, for editors and other tools.

Built from the same field lists the reader uses (inventory/fields.py), so a field cannot be added
to one and forgotten in the other; a test checks both ways. The schema checks structure,
types, units and enums; cross-references (unique names, a pinned host that exists,
reservation <= limit) are checked by ``memplan validate``.
"""

from __future__ import annotations

from typing import Any

from memplan.inventory import fields as inv

SIZE_PATTERN = r"^\s*(\d+(\.\d*)?|\.\d+)\s*([bB]|[kKmMgGtT]([iI]?[bB])?)\s*$"
PERCENT_PATTERN = r"^\s*(\d+(\.\d*)?|\.\d+)\s*%\s*$"
GROWTH_PATTERN = (
    r"^\s*(\d+(\.\d*)?|\.\d+)\s*%\s*/\s*([mM][oO]([nN][tT][hH])?|[yY]([eE][aA])?[rR])\s*$"
)
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _size(*words: str, percent: bool = False) -> dict[str, Any]:
    options: list[dict[str, Any]] = [{"$ref": "#/$defs/size"}]
    if percent:
        options.append({"$ref": "#/$defs/percent"})
    if words:
        options.append({"enum": list(words)})
    return {"anyOf": options} if len(options) > 1 else options[0]


NAME = {"type": ["string", "number", "boolean"], "description": "Taken as written."}
UUID = {"type": "string", "minLength": 1, "description": "vCenter instance UUID of the VM."}
SEEN_ON = {
    "type": ["string", "number"],
    "description": "The host the source names for a cluster VM, not listed in the inventory.",
}

VM_VALUES: dict[str, Any] = {
    "memory": _size() | {"description": "Configured (guest) memory."},
    "vcpus": {"type": "integer", "minimum": 1, "maximum": inv.MAX_VCPUS},
    "power": {
        "enum": ["on", "off", "On", "Off", "ON", "OFF", "poweredOn", "poweredOff", True, False]
    },
    "reservation": _size("all"),
    "limit": _size("unlimited"),
    "shares": {"anyOf": [{"enum": ["low", "normal", "high"]}, {"type": "integer", "minimum": 1}]},
    "active": _size(percent=True),
    "consumed": _size(percent=True),
    "overhead": _size(),
    "balloon_max": _size("unlimited"),
    "tags": {"type": "array", "items": NAME},
    "growth": _ref("growth"),
    "ballooned": _size(),
    "swapped": _size(),
}
HOST_VALUES: dict[str, Any] = {
    "memory": _size() | {"description": "Installed memory."},
    "managed": _size(),
    "system_reserved": _size(),
    "esxi": {"type": ["string", "number"], "pattern": r"^\d+(\.\d+){0,3}$"},
}


def _obj(props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(required),
        "additionalProperties": False,
    }


def schema() -> dict[str, Any]:
    """The schema as a dict."""
    assert set(VM_VALUES) == set(inv.VM_VALUE_FIELDS), "schema and reader disagree on VM fields"
    assert set(HOST_VALUES) == set(inv.HOST_VALUE_FIELDS), (
        "schema and reader disagree on host fields"
    )
    vm = _obj(
        {"name": NAME, **VM_VALUES, "host": NAME, "uuid": UUID, "seen_on": SEEN_ON}, ("name",)
    )
    state = {
        "observed": _obj({
            "consumed": _size(percent=True) | {"description": "Host memory in use, VMkernel included (a percentage is of memory)."},
            "ballooned": _size(), "swapped": _size(),
            "vms": {"type": "integer", "minimum": 0, "description": "Powered-on VMs on the host (vHost # VMs)."},
            "vms_total": {"type": "integer", "minimum": 0, "description": "VMs on the host, powered off included."},
            "configured": _size() | {"description": "Configured memory of its powered-on VMs (vHost vRAM)."},
            "source": {"type": "string", "minLength": 1},
        }) | {"anyOf": [{"required": [k]} for k in ("consumed", "ballooned", "swapped")]},
        "maintenance": {"type": "boolean", "description": "In maintenance mode or disconnected: no capacity."},
    }  # fmt: skip
    assert set(state) == set(inv.HOST_STATE_FIELDS), "schema and reader disagree on host state"
    assert set(state["observed"]["properties"]) == set(inv.OBSERVED_FIELDS)
    host = _obj({"name": NAME, **HOST_VALUES, "growth": _ref("growth"), **state,
                 "vms": {"type": ["array", "null"], "items": _ref("vm")}}, ("name",))  # fmt: skip
    states = {s: _ref("percent") for s in ("high", "clear", "soft", "hard", "low")}
    defs: dict[str, Any] = {
        "size": {"anyOf": [{"type": "string", "pattern": SIZE_PATTERN}, {"const": 0}],
                 "description": "Number and unit: B, KiB/KB/K, MiB/MB/M, GiB/GB/G, TiB/TB/T (GB = GiB, as in vSphere)."},
        "percent": {"type": "string", "pattern": PERCENT_PATTERN},
        "growth": {"type": "string", "pattern": GROWTH_PATTERN, "description": "e.g. 3%/month or 20%/year"},
        "date": {"anyOf": [{"type": "string", "pattern": DATE_PATTERN}, {"type": "string", "format": "date"}]},
        "vm": vm,
        "host": host,
        "cluster": _obj({
            "name": NAME,
            "ha": _obj({
                "policy": {"enum": list(inv.HA_POLICIES)},
                "failures": {"type": "integer", "minimum": 0, "maximum": 64},
                "percentage": _ref("percent"),
                "failover_hosts": {"type": "array", "items": NAME},
                "admission_control": {"type": "boolean"},
            }),
            "drs": {"anyOf": [{"type": "boolean"}, _obj({
                "enabled": {"type": "boolean"},
                "automation": {"enum": [*inv.DRS_AUTOMATION, "fullyAutomated", "partiallyAutomated"]},
            })]},
            "growth": _ref("growth"),
            "hosts": {"type": ["array", "null"], "items": _ref("host")},
            "vms": {"type": ["array", "null"], "items": _ref("vm")},
        }, ("name",)),
    }  # fmt: skip
    planned_vm = _obj(
        {
            "name": NAME,
            **VM_VALUES,
            "host": NAME,
            "cluster": NAME,
            "uuid": UUID,
            "seen_on": SEEN_ON,
        },
        ("name", "memory"),
    )
    planned_host = _obj({"name": NAME, **HOST_VALUES, "growth": _ref("growth"), "cluster": NAME},
                        ("name", "memory"))  # fmt: skip
    top = _obj({
        "version": {"const": 1},
        "collected": {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$",
            "description": "When the data were collected: a date, or a date and time.",
        },
        "defaults": _obj({"host": _obj(HOST_VALUES), "vm": _obj(VM_VALUES)}),
        "policy": _obj({
            "max_overcommit": {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, _ref("percent")]},
            "reading": {"enum": ["A", "B"]},
            "thresholds": _obj(states, ("high", "soft", "hard", "low")),
            "idle_tax": _ref("percent"),
        }),
        "clusters": {"type": ["array", "null"], "items": _ref("cluster")},
        "hosts": {"type": ["array", "null"], "items": _ref("host")},
        "planned": {"type": ["array", "null"], "items": {
            "type": "object",
            "properties": {"at": _ref("date"), "add_vm": planned_vm, "add_host": planned_host,
                           "retire_host": NAME},
            "required": ["at"], "additionalProperties": False,
            "oneOf": [{"required": ["add_vm"]}, {"required": ["add_host"]}, {"required": ["retire_host"]}],
        }},
        "waivers": {"type": ["array", "null"], "items": _obj(
            {"rule": {"type": "string"}, "subject": NAME, "reason": {"type": "string", "minLength": 1},
             "until": _ref("date")}, ("rule", "subject", "reason"))},
    }, ("version",))  # fmt: skip
    assert set(top["properties"]) == set(inv.TOP_FIELDS), "schema and reader disagree on top fields"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://memplan.dev/schema/inventory-v1.json",
        "title": "memplan inventory, version 1",
        "description": "Hosts, VMs and plans for memplan (docs/inventory.md).",
        **top,
        "$defs": defs,
    }
