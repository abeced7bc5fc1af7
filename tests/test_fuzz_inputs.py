"""Property-based fuzzing of every input path but the YAML inventory (tests/test_hostile.py
fuzzes that): RVTools CSV and xlsx, govc JSON, what-if values and baselines (issue 17).

The property is the same everywhere: memplan ends with one of its documented exit codes,
never with an exception. Workbooks run in fresh processes, since a workbook that slipped
past the checks could abort python-calamine and the test process with it; a sample of the
others runs in fresh processes too, through the real entry point and its guard.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from memplan.cli import app
from tests.helpers import ROOT, SAMPLES
from tests.test_hostile_inputs import HEADER, cell, workbook

FUZZ = settings(
    max_examples=int(os.environ.get("MEMPLAN_FUZZ", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
FRESH = settings(
    max_examples=int(os.environ.get("MEMPLAN_FUZZ_FRESH", "6")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
MAIN = [sys.executable, "-c", "from memplan.cli import main; main()"]


def invoke(args: list[str], codes: tuple[int, ...]) -> Any:
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, result.exception)  # fmt: skip
    assert result.exit_code in codes, (result.exit_code, result.output)
    return result


def fresh(args: list[str], codes: tuple[int, ...]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*MAIN, *args], capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode in codes, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    assert "internal error" not in done.stderr
    return done


# --- RVTools CSV ------------------------------------------------------------------------------

TEXT = st.text(
    st.characters(blacklist_categories=["Cs"]), max_size=12
)  # any character but lone surrogates (a file cannot hold them)
NUMBER = st.one_of(
    st.integers(-10, 10**7).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["16,384", "16.384", "1.234,5", "1,234.5", "16 384", "nan", "inf", "1e400",
                     "0x10", "", " ", "-0", "1'024", "١٢٣"]),
)  # fmt: skip
CSV_HEADERS = ["VM", "Powerstate", "CPUs", "Memory", "Host", "Cluster", "Size MiB", "Annotation"]


@st.composite
def csv_export(draw: st.DrawFn) -> tuple[bytes, bytes]:
    sep = draw(st.sampled_from([",", ";", "\t"]))
    headers = draw(st.lists(st.sampled_from(CSV_HEADERS), min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(st.one_of(TEXT, NUMBER), min_size=0, max_size=9), max_size=8))
    quote = draw(st.sampled_from(["", '"', '""']))
    lines = [sep.join(headers)] + [quote + sep.join(r) for r in rows]
    text = "\r\n".join(lines) + "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    host = f"Host{sep}# Memory\nesx1{sep}{draw(NUMBER)}\n".encode(encoding, errors="replace")
    return data, host


@FUZZ
@given(csv_export())
@example((b"VM,Memory\r\n0,1.7144137714980277e+302\n", b"Host,# Memory\nesx1,0\n")).via(
    "a size whose bytes overflow a float: mib() raised OverflowError (exit 70)"
)
def test_fuzz_rvtools_csv(tmp_path: Path, export: tuple[bytes, bytes]) -> None:
    folder = tmp_path / "csv"
    folder.mkdir(exist_ok=True)
    (folder / "RVTools_tabvInfo.csv").write_bytes(export[0])
    (folder / "RVTools_tabvHost.csv").write_bytes(export[1])
    result = invoke(["import", "rvtools", str(folder)], (0, 4))
    if result.exit_code == 0:  # what it wrote is a valid inventory
        out = tmp_path / "imported.yaml"
        out.write_text(result.stdout)
        invoke(["validate", str(out)], (0,))


@FRESH
@given(csv_export())
def test_fuzz_rvtools_csv_in_fresh_processes(tmp_path: Path, export: tuple[bytes, bytes]) -> None:
    folder = tmp_path / "csv"
    folder.mkdir(exist_ok=True)
    (folder / "RVTools_tabvInfo.csv").write_bytes(export[0])
    (folder / "RVTools_tabvHost.csv").write_bytes(export[1])
    fresh(["check", str(folder)], (0, 1, 4))


# --- RVTools workbooks (fresh processes only) --------------------------------------------------

REF = st.tuples(st.sampled_from(["A", "B", "C", "D", "Z", "AA", "CL", "XFD", "ZZZ"]),
                st.sampled_from([2, 3, 10, 1000, 150_002, 1_048_576, 99_999_999]))  # fmt: skip


FORMS = {
    "plain": lambda c, ref: c,
    "tab": lambda c, ref: c.replace("<c ", "<c\t", 1),
    "prefix": lambda c, ref: c.replace("<c ", "<x:c ", 1).replace("</c>", "</x:c>"),
    "lower": lambda c, ref: c.replace(f'r="{ref}"', f'r="{ref.lower()}"', 1),
    "repeated": lambda c, ref: c.replace(f'r="{ref}"', f'r="A2" r="{ref}"', 1),
    "quoted": lambda c, ref: c.replace(f'r="{ref}"', f"r='{ref}'", 1),
    "after": lambda c, ref: c.replace(f'r="{ref}"', f's="0" r="{ref}"', 1),
}
"""Ways of writing a cell's reference that calamine reads: tab, prefix, lower and repeated
once hid a far cell from the scan before calamine, which then aborted the process."""


@st.composite
def sheet_rows(draw: st.DrawFn) -> str:
    parts = [HEADER]
    for col, row in draw(st.lists(REF, max_size=6)):
        value = draw(st.one_of(TEXT, NUMBER)).replace("&", "&amp;").replace("<", "&lt;")
        value = "".join(c for c in value if c >= " " or c in "\t\n")  # XML 1.0 text
        attrs = draw(st.sampled_from(["", ' s="1"']))
        written = cell(f"{col}{row}", value, attrs)
        form = draw(st.sampled_from(list(FORMS)))  # every form calamine reads a reference in
        parts.append(f'<row r="{row}">{FORMS[form](written, f"{col}{row}")}</row>')
    if draw(st.booleans()):
        parts.append('<row r="5"><c t="inlineStr"><is><t>no ref</t></is></c></row>')
    return "".join(parts)


@FRESH
@given(sheet_rows(), st.sampled_from(["vInfo", "vMemory", "vHost", "Other"]))
def test_fuzz_rvtools_xlsx_in_fresh_processes(tmp_path: Path, rows: str, sheet: str) -> None:
    path = workbook(tmp_path / "x.xlsx", rows, sheet)
    fresh(["import", "rvtools", str(path)], (0, 4))


# --- govc JSON --------------------------------------------------------------------------------

JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), TEXT,
    st.floats(allow_nan=True, allow_infinity=True),
)  # fmt: skip
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)  # fmt: skip
GOVC: dict[str, Any] = {
    "hostSystems": [{"name": "esx1", "self": {"type": "HostSystem", "value": "host-1"},
                     "parent": {"type": "ClusterComputeResource", "value": "domain-c7"},
                     "summary": {"hardware": {"memorySize": 64 << 30},
                                 "quickStats": {"overallMemoryUsage": 1024},
                                 "config": {"product": {"version": "8.0.2"}}},
                     "runtime": {"inMaintenanceMode": False, "connectionState": "connected"}}],
    "virtualMachines": [{"name": "v1", "config": {"hardware": {"memoryMB": 4096, "numCPU": 2},
                                                  "memoryAllocation": {"reservation": 0,
                                                                       "limit": -1,
                                                                       "shares": {"level": "normal",
                                                                                  "shares": 40960}}},
                         "summary": {"quickStats": {"guestMemoryUsage": 512,
                                                    "hostMemoryUsage": 1024,
                                                    "consumedOverheadMemory": 30}},
                         "runtime": {"host": {"type": "HostSystem", "value": "host-1"},
                                     "powerState": "poweredOn"}}],
}  # fmt: skip


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def govc_doc(draw: st.DrawFn) -> Any:
    doc = json.loads(json.dumps(GOVC))
    paths = _paths(doc)[1:]
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths))
        node = doc
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = draw(JSON)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement changed the shape: fine
    return doc


def _dump(doc: Any) -> str:
    return json.dumps(doc, allow_nan=True)  # NaN and Infinity as govc never writes them


@FUZZ
@given(govc_doc())
def test_fuzz_govc_json(tmp_path: Path, doc: Any) -> None:
    path = tmp_path / "g.json"
    path.write_text(_dump(doc))
    result = invoke(["import", "govc", str(path)], (0, 4))
    if result.exit_code == 0:
        out = tmp_path / "imported.yaml"
        out.write_text(result.stdout)
        invoke(["validate", str(out)], (0,))


@FRESH
@given(govc_doc())
def test_fuzz_govc_json_in_fresh_processes(tmp_path: Path, doc: Any) -> None:
    path = tmp_path / "g.json"
    path.write_text(_dump(doc))
    fresh(["import", "govc", str(path)], (0, 4))


# --- what-if values ---------------------------------------------------------------------------

VALUE = st.one_of(
    TEXT, NUMBER,
    st.sampled_from(["16GiB", "0x" + "f" * 4000, "1" * 5000, "{1..3}", "{1..99999999999}",
                     "[1, 2", "'x", "!!python/object:os.system", "*a", "&a x", "100%", "-1GiB",
                     ".nan", "all", "unlimited", "\x1b[31m", "a,b=c", "=", ""]),
)  # fmt: skip
FIELD = st.sampled_from(["memory", "vcpus", "reservation", "limit", "shares", "active", "power",
                         "name", "count", "cluster", "host", "growth", "esxi", "managed"])  # fmt: skip


@st.composite
def whatif(draw: st.DrawFn) -> list[str]:
    flag = draw(st.sampled_from(["--set", "--add-vm", "--add-host", "--remove-vm",
                                 "--remove-host", "--power-off", "--growth", "--horizon",
                                 "--as-of", "--fail-within"]))  # fmt: skip
    if flag == "--set":
        target = draw(st.sampled_from(["host:*", "vm:*", "host:esx01.office.example",
                                       "defaults.vm", "cluster:office", "nope"]))  # fmt: skip
        return [flag, f"{target}.{draw(FIELD)}={draw(VALUE)}"]
    if flag in ("--add-vm", "--add-host"):
        fields = draw(st.lists(st.tuples(FIELD, VALUE), max_size=4))
        base = ["name=x", "memory=1GiB", "cluster=office"] if draw(st.booleans()) else []
        return [flag, ",".join(base + [f"{k}={v}" for k, v in fields])]
    return [flag, draw(VALUE)]


@FUZZ
@given(st.lists(whatif(), min_size=1, max_size=3))
def test_fuzz_whatif_values(flags: list[list[str]]) -> None:
    args = [a for f in flags for a in f]
    invoke(["check", str(SAMPLES / "small.yaml"), *args], (0, 1, 2, 3, 4))


@FRESH
@given(whatif())
def test_fuzz_whatif_values_in_fresh_processes(flag: list[str]) -> None:
    assume(all("\x00" not in arg for arg in flag))  # no process argument can hold a NUL
    fresh(["headroom", str(SAMPLES / "small.yaml"), "--vm", "16GiB", *flag], (0, 2, 4))


# --- baselines --------------------------------------------------------------------------------

FINDING = st.fixed_dictionaries(
    {}, optional={"rule": st.one_of(TEXT, JSON_LEAF), "kind": st.one_of(TEXT, JSON_LEAF),
                  "subject": st.one_of(TEXT, JSON_LEAF)},
)  # fmt: skip
BASELINE = st.one_of(
    JSON,
    st.fixed_dictionaries({"baseline": st.lists(st.one_of(FINDING, JSON), max_size=4)}),
    st.fixed_dictionaries({"findings": st.one_of(JSON, st.lists(FINDING, max_size=4))}),
)


@FUZZ
@given(BASELINE)
def test_fuzz_baselines(tmp_path: Path, doc: Any) -> None:
    path = tmp_path / "b.json"
    path.write_text(_dump(doc))
    invoke(["check", str(SAMPLES / "small.yaml"), "--baseline", str(path)], (0, 2))


@FRESH
@given(st.binary(max_size=200))
def test_fuzz_baseline_bytes_in_fresh_processes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "b.json"
    path.write_bytes(data)
    fresh(["check", str(SAMPLES / "small.yaml"), "--baseline", str(path)], (0, 2))


def test_the_fuzz_strategies_reach_nan_and_wrong_shapes() -> None:
    """The generators can produce what found the bugs: a NaN memory, a list for an object."""
    assert math.isnan(json.loads(_dump({"x": float("nan")}))["x"])
    assert GOVC["virtualMachines"][0]["summary"]["quickStats"]
