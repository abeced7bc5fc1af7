"""Field names the inventory accepts, and the limits of what memplan reads."""

from __future__ import annotations

MAX_FILE_BYTES = 128 * 1024 * 1024
"""Largest inventory read (128 MiB): a 100,000-VM inventory is about 15 MB."""
MAX_NODES = 5_000_000
"""Most YAML nodes visited, aliases expanded (guards against alias bombs)."""
MAX_NAME_CHARS = 255
"""Longest name of a VM, host, cluster or waiver subject: a host's DNS name is at most 255
characters (RFC 1035) and vSphere limits VM names to 80. Longer is hostile or broken, and
would cost seconds in every table."""
MAX_VCPUS = 768
"""vSphere 8 maximum vCPUs per VM."""
MAX_COUNT = 10**9
"""Largest count the validator reads: a host's observed VM counts, a VM's custom shares."""
MAX_HA_FAILURES = 64
"""Largest ha.failures the validator reads."""

TAG = "tag:yaml.org,2002:"
STR_TAG = TAG + "str"
INT_TAG = TAG + "int"
ALLOWED_TAGS = frozenset(
    TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
)

TOP_FIELDS = (
    "version",
    "collected",
    "defaults",
    "policy",
    "clusters",
    "hosts",
    "planned",
    "waivers",
)
WAIVER_FIELDS = ("rule", "subject", "reason", "until")
CLUSTER_FIELDS = ("name", "ha", "drs", "growth", "hosts", "vms")
HOST_VALUE_FIELDS = ("memory", "managed", "system_reserved", "esxi")
HOST_STATE_FIELDS = ("observed", "maintenance")
"""What vCenter says of a host now: per host, not in defaults.host or a planned host."""
HOST_FIELDS = ("name", *HOST_VALUE_FIELDS, "growth", *HOST_STATE_FIELDS, "vms")
OBSERVED_FIELDS = ("consumed", "ballooned", "swapped", "vms", "vms_total", "configured", "source")
VM_VALUE_FIELDS = (
    "memory", "vcpus", "power", "reservation", "limit", "shares", "active", "consumed",
    "overhead", "balloon_max", "tags", "growth", "ballooned", "swapped",
)  # fmt: skip
VM_FIELDS = ("name", *VM_VALUE_FIELDS, "host", "uuid", "seen_on")
POLICY_FIELDS = ("max_overcommit", "reading", "thresholds", "idle_tax")
HA_FIELDS = ("policy", "failures", "percentage", "failover_hosts", "admission_control")
DRS_FIELDS = ("enabled", "automation")
PLANNED_FIELDS = ("at", "add_vm", "add_host", "retire_host")

HA_POLICIES = ("host-failures", "percentage", "slots", "dedicated", "disabled")
DRS_AUTOMATION = ("fully-automated", "partially-automated", "manual")
"""DRS automation levels; the API's defaultVmBehavior spellings (fullyAutomated, ...) are
read as these."""
SHARE_LEVELS = ("low", "normal", "high")
POWER_WORDS = {"on": True, "poweredon": True, "off": False, "poweredoff": False}
