"""Write samples/history/: six monthly snapshots of a small cluster, for ``memplan trend``.

Run: python -m scripts.gen_history_sample

The VMs' consumed memory grows steadily (each VM at its own rate, with a little noise, as
exports read); in September two VMs join, in October db01 is resized from 32 to 48 GiB,
and from August web05 is called web05-new (same uuid). docs/trend.md walks through it.
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "samples" / "history"
MONTHS = ["2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01", "2026-11-01"]
# name, host, configured GiB, consumed GiB in June, GiB/month
VMS = [
    ("db01", 1, 32, 20.0, 0.8),
    ("db02", 2, 32, 18.0, 0.6),
    ("web01", 1, 24, 9.0, 0.4),
    ("web02", 2, 24, 9.5, 0.4),
    ("web03", 3, 24, 8.0, 0.3),
    ("web04", 3, 24, 8.5, 0.3),
    ("web05", 1, 24, 10.0, 0.5),
    ("app01", 2, 64, 30.0, 1.2),
    ("app02", 3, 64, 28.0, 1.0),
    ("cache01", 1, 24, 16.0, 0.2),
    ("cache02", 3, 24, 15.0, 0.2),
    ("batch01", 2, 32, 12.0, 0.9),
]
JOIN = {3: [("api01", 1, 24, 14.0, 0.5), ("api02", 2, 24, 14.0, 0.5)]}


def main() -> None:
    rng = random.Random(2026)
    OUT.mkdir(parents=True, exist_ok=True)
    joined: list[tuple[str, int, int, float, float, int]] = []
    for m, day in enumerate(MONTHS):
        joined += [(*vm, m) for vm in JOIN.get(m, [])]
        lines = [
            f"# Snapshot {m + 1} of 6 ({day}), written by scripts/gen_history_sample.py.",
            "# Try: memplan trend samples/history/",
            "version: 1",
            f"collected: {day}",
            "defaults:",
            '  host: {esxi: "8.0", system_reserved: 4GiB}',
            "  vm: {vcpus: 4}",
            "clusters:",
            "  - name: shop",
            "    ha: {policy: host-failures, failures: 1}",
            "    hosts:",
        ]
        for h in (1, 2, 3):
            lines += [
                f"      - name: esx0{h}.shop.example",
                "        memory: 160GiB",
                "        vms:",
            ]
            for name, host, size, start, rate, since in [(*v, 0) for v in VMS] + joined:
                if host != h:
                    continue
                if name == "db01" and m >= 4:
                    size = 48
                gib = start + rate * (m - since) + rng.gauss(0, 0.15)
                if name == "db01" and m >= 4:
                    gib += 6  # the resize: the guest soon uses some of its new memory
                shown = "web05-new" if name == "web05" and m >= 2 else name
                mib = round(min(gib, size) * 1024)
                lines.append(
                    f"          - {{name: {shown}, memory: {size}GiB, consumed: {mib}MiB,"
                    f" active: {mib * 2 // 5}MiB, uuid: {uuid.uuid5(uuid.NAMESPACE_DNS, name + '.shop')}}}"
                )
        (OUT / f"shop-{day[:7]}.yaml").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
