"""Rules, one module each, in an explicit registry (no import-time discovery).

IDs are stable: MP1xx are about VMs, MP2xx about hosts and clusters, MP3xx about HA, MP4xx about forecasts, MP9xx about memplan's own configuration. A retired ID is
never reused. docs/rules.md is generated from these docstrings and tested to match.
"""

from __future__ import annotations

from memplan.rules import (
    balloon_disabled,
    consumed_above_bound,
    expired_waiver,
    forecast_ballooning,
    forecast_ha_ballooning,
    forecast_ha_failover,
    forecast_swapping,
    ha_admission_control,
    ha_survivor_ballooning,
    ha_survivor_swapping,
    ha_vm_cannot_restart,
    ha_vm_on_failover_host,
    host_ballooning,
    host_not_listed,
    host_observed_reclamation,
    host_swapping,
    limit_below_configured,
    observed_reclamation,
    observed_usage_differs,
    overcommit_above_policy,
    reservations_exceed_capacity,
    vm_fits_no_host,
    vm_larger_than_host,
)
from memplan.rules.base import Rule

_MODULES: tuple[Rule, ...] = (
    vm_larger_than_host,
    limit_below_configured,
    balloon_disabled,
    consumed_above_bound,
    vm_fits_no_host,
    observed_reclamation,
    reservations_exceed_capacity,
    host_ballooning,
    host_swapping,
    overcommit_above_policy,
    host_observed_reclamation,
    observed_usage_differs,
    host_not_listed,
    ha_vm_cannot_restart,
    ha_survivor_ballooning,
    ha_survivor_swapping,
    ha_admission_control,
    ha_vm_on_failover_host,
    forecast_swapping,
    forecast_ballooning,
    forecast_ha_failover,
    forecast_ha_ballooning,
    expired_waiver,
)

RULES: dict[str, Rule] = {m.RULE.id: m for m in _MODULES}
"""Every rule by its stable ID, in ID order."""
