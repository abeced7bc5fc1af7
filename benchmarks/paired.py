"""Issue 22's table: each run's CPU time as a ratio to its floor, from paired runs.

Usage: python benchmarks/paired.py [--runs 5] [--hosts 2000] [--vms-per-host 50]
                                   [--only NAME ...] [--scaling]

Each row runs a memplan command and its floor alternately, ``--runs`` times, each in a
fresh process, and reports the median of the per-pair ratios of CPU time (user + system
of the child, from os.wait4): on a noisy two-core machine, a ratio taken from two runs a
second apart is far steadier than either time. The floors:

- a bare ``yaml.load(..., Loader=yaml.CSafeLoader)`` of the same file with the garbage
  collector off (the fastest PyYAML reads it);
- for start-up, ``python -c 'import typer, rich'``;
- for an RVTools import, openpyxl's read-only read of the same workbook (what the import
  was made of before python-calamine; benchmarks/import_xlsx.py).

``--scaling`` adds the linearity checks: headroom and project on 10,000 and 100,000 VMs
(the same generator, 10x the hosts), and headroom for 4 GiB copies against 16 GiB ones
(4x the copies): CPU per VM and per copy should stay flat. The generator draws which
clusters grow per cluster, so its 10,000- and 100,000-VM files differ in mix (the larger
has more growth); project also runs on ten copies of the 10,000-VM file (generate.py
--copies 10), 100,000 VMs in the same mix.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
PY = sys.executable
MEMPLAN = [PY, "-c", "from memplan.cli import main; main()"]
FLOOR = "import gc, sys, yaml; gc.disable(); yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)"
IMPORTS = [PY, "-c", "import typer, rich"]


def cpu(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """CPU seconds (user + system) of one child process; fails on a crash."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 3):
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} exited {code}: {err[-400:]}")
    return usage.ru_utime + usage.ru_stime


def paired(cmd: list[str], floor: list[str], runs: int) -> tuple[float, float, float]:
    """(median CPU of cmd, median CPU of floor, median of the pairs' ratios)."""
    pairs = []
    for _ in range(runs):
        a = cpu(cmd, {"COLUMNS": "132"})
        b = cpu(floor)
        pairs.append((a, b))
    return (
        statistics.median(p[0] for p in pairs),
        statistics.median(p[1] for p in pairs),
        statistics.median(p[0] / p[1] for p in pairs),
    )


def main() -> None:
    """Generate the inventories, run every row, print Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--vms-per-host", type=int, default=50)
    parser.add_argument("--only", nargs="*", default=None, help="rows whose name contains one")
    parser.add_argument("--scaling", action="store_true")
    args = parser.parse_args()
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "memplan")], check=True)
    tmp = Path(tempfile.mkdtemp(prefix="memplan-paired-"))
    gen = [PY, str(ROOT / "benchmarks" / "generate.py")]

    def inventory(hosts: int, plain: bool, copies: int = 1) -> Path:
        path = tmp / f"{hosts}{'-plain' if plain else ''}x{copies}.yaml"
        if not path.exists():
            extra = (["--plain"] if plain else []) + ["--copies", str(copies)]
            subprocess.run([*gen, str(hosts), str(args.vms_per_host), "--seed", "1", *extra,
                            "-o", str(path)], check=True)  # fmt: skip
        return path

    plain, full = inventory(args.hosts, True), inventory(args.hosts, False)
    out = str(tmp / "out")
    n = args.hosts * args.vms_per_host

    def floor_of(p: Path) -> list[str]:
        return [PY, "-c", FLOOR, str(p)]

    def workbook() -> Path:
        from import_xlsx import workbook as write

        path = tmp / "export.xlsx"
        if not path.exists():
            write(path, 500, 20_000)
        return path

    openpyxl_read = [PY, "-c", __import__("import_xlsx").OPENPYXL]
    rows: list[tuple[str, Callable[[], list[str]], Callable[[], list[str]], str]] = [
        (f"check --format json (plain), {n:,} VMs",
         lambda: [*MEMPLAN, "check", str(plain), "-f", "json", "-o", out, "--fail-on", "never"],
         lambda: floor_of(plain), "<= 1.25"),
        ("check --format json (HA + growth, --horizon 24m)",
         lambda: [*MEMPLAN, "check", str(full), "-f", "json", "-o", out, "--fail-on", "never",
                  "--horizon", "24m", "--as-of", "2026-01-01"],
         lambda: floor_of(full), "<= 1.5"),
        ("check, table output",
         lambda: [*MEMPLAN, "check", str(plain), "-f", "table", "-o", out, "--fail-on", "never"],
         lambda: floor_of(plain), "<= 1.6"),
        ("project --horizon 24m (HA + growth)",
         lambda: [*MEMPLAN, "project", str(full), "--horizon", "24m", "--as-of", "2026-01-01",
                  "-f", "json", "-o", out],
         lambda: floor_of(full), "<= 2"),
        ("headroom --vm 16GiB",
         lambda: [*MEMPLAN, "headroom", str(plain), "--vm", "16GiB", "-f", "json"],
         lambda: floor_of(plain), "<= 2"),
        ("headroom --vm 4GiB",
         lambda: [*MEMPLAN, "headroom", str(plain), "--vm", "4GiB", "-f", "json"],
         lambda: floor_of(plain), "<= 2, linear"),
        ("check --ha-failures 2 (HA file)",
         lambda: [*MEMPLAN, "check", str(full), "-f", "json", "-o", out, "--fail-on", "never",
                  "--ha-failures", "2"],
         lambda: floor_of(full), "<= 4"),
        ("import rvtools, 20k VMs / 500 hosts xlsx (floor: openpyxl read)",
         lambda: [*MEMPLAN, "import", "rvtools", str(workbook()), "-o", out + ".yaml"],
         lambda: [*openpyxl_read, str(workbook())], "<= 0.2"),
        ("start-up, check samples/small.yaml (floor: import typer, rich)",
         lambda: [*MEMPLAN, "check", str(ROOT / "samples" / "small.yaml")],
         lambda: IMPORTS, "<= 2"),
    ]  # fmt: skip
    if args.scaling:
        small = inventory(args.hosts // 10, True)
        small_full = inventory(args.hosts // 10, False)
        tiled = inventory(args.hosts // 10, False, 10)
        rows += [
            (f"headroom --vm 16GiB, {n // 10:,} VMs",
             lambda: [*MEMPLAN, "headroom", str(small), "--vm", "16GiB", "-f", "json"],
             lambda: floor_of(small), "= the 100k ratio"),
            (f"project --horizon 24m, {n // 10:,} VMs",
             lambda: [*MEMPLAN, "project", str(small_full), "--horizon", "24m", "--as-of",
                      "2026-01-01", "-f", "json", "-o", out],
             lambda: floor_of(small_full), "= the 100k ratio"),
            (f"project --horizon 24m, 10 copies of the {n // 10:,} VMs",
             lambda: [*MEMPLAN, "project", str(tiled), "--horizon", "24m", "--as-of",
                      "2026-01-01", "-f", "json", "-o", out],
             lambda: floor_of(tiled), "10x the 10k CPU"),
        ]  # fmt: skip
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python"
          f" {platform.python_version()}; CPU time, median of {args.runs} paired runs\n")  # fmt: skip
    print("| run | CPU s | floor CPU s | ratio | target |")
    print("|---|---:|---:|---:|---|")
    for name, cmd, floor, target in rows:
        if args.only and not any(o in name for o in args.only):
            continue
        a, b, ratio = paired(cmd(), floor(), args.runs)
        print(f"| {name} | {a:.2f} | {b:.2f} | {ratio:.2f} | {target} |", flush=True)


if __name__ == "__main__":
    main()
