"""The engine: ESXi's memory model as pure functions, no I/O.

``evaluate`` turns an inventory and a scenario into a report; ``place`` says which host
each VM runs on; ``headroom_report`` counts how many more VMs of a shape fit. The modules beside
them are the model's parts: ``hostmodel`` (one host's figures and state), ``memsched``
(how ESXi splits memory under contention), ``ha`` (failover scenarios), ``projection``
(growth and planned changes over time), ``observed`` (observed host usage as today's
demand: ``observe``), ``headroom`` and ``diff``.
"""

from __future__ import annotations

from memplan.engine.evaluate import evaluate, headroom_report, place, vms_by_host
from memplan.engine.observed import observe

__all__ = ["evaluate", "headroom_report", "observe", "place", "vms_by_host"]
