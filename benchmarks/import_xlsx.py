"""Time ``memplan import rvtools`` on a generated RVTools-like workbook, paired with the
openpyxl read that the import used to be made of.

Usage: python benchmarks/import_xlsx.py [--hosts 500] [--vms 20000] [--runs 5]

The workbook has RVTools' real column names on vInfo, vMemory, vHost and vCluster. Each
run takes the CPU time (user + system) of fresh processes, alternating so that both see
the same machine noise (wall time on a shared machine measures the neighbours):

- memplan: ``memplan import rvtools WORKBOOK -o FILE`` end to end;
- baseline: reading the same four sheets with openpyxl's read-only mode and nothing else
  (94% of an import before memplan moved to python-calamine; so "1/5 of today" means a
  ratio memplan / baseline of at most 0.2).

Prints the medians and the median of the paired ratios. benchmarks/paired.py runs the
same pair as one row of issue 22's table.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PY = sys.executable
MEMPLAN = [PY, "-c", "from memplan.cli import main; main()"]
OPENPYXL = (
    "import sys, openpyxl\n"
    "wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)\n"
    "for ws in wb.worksheets:\n"
    "    ws.reset_dimensions()\n"
    "    for row in ws.iter_rows(values_only=True):\n"
    "        pass\n"
)


def workbook(path: Path, n_hosts: int, n_vms: int, seed: int = 1) -> None:
    """Write an RVTools-like workbook with ``n_hosts`` hosts and ``n_vms`` VMs."""
    import openpyxl

    rng = random.Random(seed)
    wb = openpyxl.Workbook(write_only=True)
    clusters = [f"cl{i:02d}" for i in range(max(1, n_hosts // 16))]
    hosts = [(f"esx{i:04d}.example.com", clusters[i % len(clusters)]) for i in range(n_hosts)]
    info = wb.create_sheet("vInfo")
    info.append(["VM", "Powerstate", "Template", "CPUs", "Memory", "Host", "Cluster",
                 "VM UUID", "Annotation", "OS according to the configuration file"])  # fmt: skip
    memory = wb.create_sheet("vMemory")
    memory.append(["VM", "Powerstate", "Size MiB", "Consumed", "Active", "Ballooned",
                   "Swapped", "Reservation", "Limit", "Shares", "Shares Level", "Host",
                   "Cluster"])  # fmt: skip
    for i in range(n_vms):
        host, cluster = hosts[i % n_hosts]
        size = rng.choice((2048, 4096, 8192, 16384, 32768))
        on = "poweredOn" if rng.random() > 0.08 else "poweredOff"
        info.append([f"vm{i:06d}", on, "False", rng.choice((1, 2, 4, 8)), size, host, cluster,
                     f"{rng.getrandbits(128):032x}", "generated", "Linux"])  # fmt: skip
        consumed = int(size * rng.uniform(0.3, 1.0)) if on == "poweredOn" else 0
        memory.append([f"vm{i:06d}", on, size, consumed, int(consumed * rng.uniform(0.1, 0.6)),
                       0, 0, 0, -1, size * 10, "normal", host, cluster])  # fmt: skip
    vhost = wb.create_sheet("vHost")
    vhost.append(["Host", "Cluster", "# Memory", "Memory usage %", "ESX Version",
                  "in Maintenance Mode"])  # fmt: skip
    for host, cluster in hosts:
        vhost.append([host, cluster, 786_079, rng.randint(30, 80),
                      "VMware ESXi 8.0.2 build-22380479", "False"])  # fmt: skip
    vcluster = wb.create_sheet("vCluster")
    vcluster.append(["Name", "HA enabled", "Failover Level", "DRS enabled"])
    for cluster in clusters:
        vcluster.append([cluster, "True", 1, "True"])
    wb.save(path)


def seconds(cmd: list[str]) -> float:
    """CPU seconds (user + system) of one child process; fails when it fails."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {code}; run it alone to see why")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Generate, then run both commands alternately and print medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--vms", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "export.xlsx"
        workbook(book, args.hosts, args.vms)
        out = os.path.join(tmp, "inventory.yaml")
        ours = [*MEMPLAN, "import", "rvtools", str(book), "-o", out]
        base = [PY, "-c", OPENPYXL, str(book)]
        pairs = [(seconds(ours), seconds(base)) for _ in range(args.runs)]
    a = statistics.median(p[0] for p in pairs)
    b = statistics.median(p[1] for p in pairs)
    ratio = statistics.median(p[0] / p[1] for p in pairs)
    print(f"workbook: {args.hosts} hosts, {args.vms} VMs; median of {args.runs} paired runs")
    print(f"memplan import rvtools       {a:7.2f} s CPU")
    print(f"openpyxl read-only, same file {b:6.2f} s CPU (the import before python-calamine)")
    print(f"ratio (median of pairs)      {ratio:7.3f}  target <= 0.2")


if __name__ == "__main__":
    main()
