"""Time memplan against the floor, in one session, on the same files.

Usage: python benchmarks/run.py [--runs 3] [--hosts 2000] [--vms-per-host 50] [--markdown]

Floor: a bare ``yaml.load(..., Loader=yaml.CSafeLoader)`` of the same file in a fresh
interpreter with the garbage collector disabled (the fastest PyYAML reads it); the
default-GC parse is reported too. Every figure is the median of --runs runs, and every
ratio compares figures taken in this same session, because these machines are noisy.
Peak RSS is each child process's own (os.wait4), in MiB.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
MEMPLAN = [PY, "-c", "from memplan.cli import main; main()"]
FLOOR = "import gc, sys, yaml; gc.disable(); yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)"
FLOOR_GC = "import sys, yaml; yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)"
HELLO = (
    "import typer\nfrom rich.console import Console\napp = typer.Typer()\n"
    "@app.command()\ndef hello(name: str = 'world') -> None:\n    Console().print(f'hello {name}')\n"
    "app()\n"
)


FORECAST = "evaluate with a 24-month forecast"


def measure(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    return wall, usage.ru_maxrss / 1024


def median(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median peak RSS over ``runs`` runs."""
    results = [measure(cmd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def steps(path: str) -> dict[str, float]:
    """Seconds of each step, in this process (GC off as in the CLI)."""
    import gc
    from datetime import date

    from rich.console import Console

    from memplan import engine, inventory
    from memplan.model import Scenario
    from memplan.render.json import JsonRenderer

    gc.disable()
    out: dict[str, float] = {}
    t = time.perf_counter()
    inv = inventory.load(path)
    out["load + validate"] = time.perf_counter() - t
    t = time.perf_counter()
    report = engine.evaluate(inv, Scenario())
    out["evaluate (hosts, rules; HA when configured)"] = time.perf_counter() - t
    t = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        JsonRenderer().render(report, Console(file=sink))
    out["render JSON"] = time.perf_counter() - t
    t = time.perf_counter()
    engine.evaluate(inv, Scenario(as_of=date(2026, 1, 1), horizon_months=24))
    out[FORECAST] = time.perf_counter() - t
    gc.enable()
    return out


def main() -> None:
    """Run everything and print a Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--vms-per-host", type=int, default=50)
    args = parser.parse_args()
    # Byte-compile memplan as `pip install .` does: with PYTHONDONTWRITEBYTECODE set (or a
    # read-only tree) every run would otherwise compile its sources, which typer and rich,
    # installed by pip, never do.
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "memplan")], check=True)
    tmp = Path(tempfile.mkdtemp(prefix="memplan-bench-"))
    plain, full = tmp / "plain.yaml", tmp / "full.yaml"
    gen = [PY, str(ROOT / "benchmarks" / "generate.py"), str(args.hosts), str(args.vms_per_host),
           "--seed", "1"]  # fmt: skip
    subprocess.run([*gen, "--plain", "-o", str(plain)], check=True)
    subprocess.run([*gen, "-o", str(full)], check=True)
    out = str(tmp / "report.json")
    rows: list[tuple[str, float, float]] = []
    floor = median([PY, "-c", FLOOR, str(plain)], args.runs)
    floor_gc = median([PY, "-c", FLOOR_GC, str(plain)], args.runs)
    check = median(
        [*MEMPLAN, "check", str(plain), "-f", "json", "-o", out, "--fail-on", "never"], args.runs
    )
    floor_full = median([PY, "-c", FLOOR, str(full)], args.runs)
    check_full = median([*MEMPLAN, "check", str(full), "-f", "json", "-o", out, "--fail-on", "never",
                         "--horizon", "24m", "--as-of", "2026-01-01"], args.runs)  # fmt: skip
    hello_py = tmp / "hello.py"
    hello_py.write_text(HELLO)
    hello = median([PY, str(hello_py)], max(args.runs, 21))
    small = median([*MEMPLAN, "check", str(ROOT / "samples" / "small.yaml")], max(args.runs, 21))
    rows = [
        ("bare CSafeLoader parse, GC off (floor)", *floor),
        ("bare CSafeLoader parse, default GC", *floor_gc),
        ("memplan check --format json", *check),
        ("floor of the HA + growth file", *floor_full),
        ("memplan check --format json --horizon 24m, HA on every cluster", *check_full),
        ("typer + rich hello (start-up floor)", *hello),
        ("memplan check samples/small.yaml", *small),
    ]
    print(f"## {args.hosts} hosts, {args.hosts * args.vms_per_host} VMs"
          f" ({plain.stat().st_size / 1e6:.1f} MB plain, {full.stat().st_size / 1e6:.1f} MB with HA"
          f" and growth); median of {args.runs} runs\n")  # fmt: skip
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
          f" {platform.system()} {platform.release()}\n")  # fmt: skip
    print("| run | seconds | peak RSS MiB |")
    print("|---|---:|---:|")
    for name, wall, rss in rows:
        print(f"| {name} | {wall:.2f} | {rss:.0f} |")
    print("\n| ratio | measured | target |")
    print("|---|---:|---:|")
    print(f"| check / floor (time) | {check[0] / floor[0]:.2f} | 1.25 |")
    print(f"| check / floor (peak memory) | {check[1] / floor[1]:.2f} | 2.5 |")
    print(
        f"| check with HA + 24-month projection / its floor (time) | {check_full[0] / floor_full[0]:.2f} | 2.0 |"
    )
    print(f"| small sample / typer + rich hello (time) | {small[0] / hello[0]:.2f} | 1.3 |")
    print("\n| step (in process, plain file; forecast on the HA + growth file) | seconds |")
    print("|---|---:|")
    for name, seconds in steps(str(plain)).items():
        if name != FORECAST:
            print(f"| {name} | {seconds:.2f} |")
    for name, seconds in steps(str(full)).items():
        print(f"| {name}, HA + growth file | {seconds:.2f} |")


if __name__ == "__main__":
    main()
