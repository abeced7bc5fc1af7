"""Time ``memplan collect vcenter`` against govmomi's simulator on a generated model.

Usage: python benchmarks/collect_vcenter.py [--clusters 20] [--hosts 50] [--vms 1000]
       [--sizes 2,5,10] [--runs 1]

The simulator (tests/vcsim, built as the tests build it; needs Go and Debian's govmomi)
generates vcsim's own model: CLUSTERS clusters of HOSTS hosts, VMS VMs per cluster, with
varied memory figures. memplan runs in a child process with its stdout to a file; its
wall time and peak RSS (os.wait4) are reported, with the simulator's start-up apart.
--sizes runs the same model at fractions (e.g. 2,5,10 = a half, a fifth and a tenth of the
VMs too) so that the growth of peak RSS per VM shows whether memory stays bounded.
Not a timed test: run it by hand, and write what it measures into docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.vcsim_server import PASSWORD, USERNAME, Vcsim  # noqa: E402

MEMPLAN = [sys.executable, "-c", "from memplan.cli import main; main()"]


def run_once(sim: Vcsim, out: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one collect."""
    env = {**os.environ, "MEMPLAN_VCENTER_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    cmd = [*MEMPLAN, "collect", "vcenter", "--server", sim.server, "--username", USERNAME]
    cmd += ["--ca-file", str(sim.ca), "-o", str(out)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"collect failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=50, help="hosts per cluster")
    parser.add_argument("--vms", type=int, default=1000, help="VMs per cluster")
    parser.add_argument("--sizes", default="1", help="divisors of the VM count, e.g. 1,4")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    print("| VMs | hosts | simulator start s | collect s (median) | peak RSS MiB | file MB |")
    print("|---:|---:|---:|---:|---:|---:|")
    for divisor in (int(d) for d in args.sizes.split(",")):
        vms = max(args.vms // divisor, 1)
        start = time.perf_counter()
        with Vcsim(generate=f"{args.clusters},{args.hosts},{vms}") as sim:
            ready = time.perf_counter() - start
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "inventory.yaml"
                results = [run_once(sim, out) for _ in range(args.runs)]
                size = out.stat().st_size / 1e6
        wall = statistics.median(r[0] for r in results)
        rss = statistics.median(r[1] for r in results)
        print(
            f"| {args.clusters * vms:,} | {args.clusters * args.hosts:,} | {ready:.1f}"
            f" | {wall:.1f} | {rss:.0f} | {size:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
