"""RVTools exports (one .xlsx workbook, or per-tab CSV files) into an ImportResult.

Reads vInfo, vMemory, vHost and, when present, vCluster. Headers are matched after
normalising them (lower case, letters and digits only, the tab's own prefix removed), so
the display headers ("Size MiB"), the -DBColumnNames headers ("vMemorySizeMiB") and
RVTools 3.x's "MB" headers ("Size MB") all match. Memory columns are MiB (RVTools 3.x
wrote "MB" for the same unit). docs/import.md has the full mapping table.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from datetime import datetime
from fractions import Fraction
from itertools import repeat
from typing import Any

from memplan.errors import LimitError, UsageError
from memplan.esxi import DEFAULT_SYSTEM_RESERVED, MAX_VMS_PER_HOST
from memplan.importers import files
from memplan.importers.common import (
    MAX_NAME_CHARS,
    MAX_WORKBOOK_BYTES,
    ClusterRecord,
    HostRecord,
    ImportResult,
    VMRecord,
    check_file,
    mib,
    read_file,
)
from memplan.model import Note
from memplan.units import MAX_SIZE, MIB, clip, plural

SHEETS = ("vinfo", "vmemory", "vhost", "vcluster", "vmetadata")

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "vinfo": {
        "name": ("vm", "vmname", "name"),
        "power": ("powerstate",),
        "template": ("template",),
        "cpus": ("cpus", "numcpu", "cpu"),
        "memory": ("memory", "memorymib", "memorymb"),
        "host": ("host", "hostname"),
        "cluster": ("cluster", "clustername"),
        "active": ("activememory",),
        "uuid": ("vmuuid", "uuid"),
        "vmid": ("vmid",),
        "datacenter": ("datacenter",),
    },
    "vmemory": {
        "name": ("vm", "vmname", "name"),
        "power": ("powerstate",),
        "template": ("template",),
        "size": ("sizemib", "sizemb", "size", "memorysize"),
        "overhead": ("overhead", "overheadmib", "overheadmb"),
        "consumed": ("consumed", "consumedmib", "consumedmb"),
        "consumed_overhead": ("consumedoverhead",),
        "swapped": ("swapped",),
        "ballooned": ("ballooned",),
        "active": ("active",),
        "level": ("level", "shareslevel"),
        "shares": ("shares",),
        "reservation": ("reservation",),
        "limit": ("limit",),
        "host": ("host", "hostname"),
        "cluster": ("cluster", "clustername"),
        "datacenter": ("datacenter",),
    },
    "vhost": {
        "name": ("host", "hostname", "name"),
        "cluster": ("cluster", "clustername"),
        "memory": ("memory", "memorysize", "memorymib", "memorymb"),
        "esxi": ("esxversion", "esxiversion", "version"),
        "usage": ("memoryusage", "memoryusagepct", "memoryusagepercent"),
        "ballooned": ("vmmemoryballooned",),
        "swapped": ("vmmemoryswapped",),
        "vms": ("vms",),
        "vms_total": ("vmstotal",),
        "vram": ("vram",),
        "maintenance": ("inmaintenancemode", "maintenancemode"),
        "connection": ("connectionstate",),
        "datacenter": ("datacenter",),
    },
    "vcluster": {
        "name": ("name", "cluster", "clustername"),
        "ha": ("haenabled", "ha"),
        "failures": ("failoverlevel", "hafailoverlevel"),
        "admission": ("admissioncontrolenabled",),
        "effective": ("numeffectivehosts", "effectivehosts"),
        "drs": ("drsenabled",),
        "drsbehavior": ("drsdefaultvmbehavior", "drsbehavior"),
        "datacenter": ("datacenter",),
    },
    "vmetadata": {
        "created": ("xlsxcreationdatetime", "creationdatetime"),
    },
}
_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?)")
_BLANK = frozenset((None, ""))
"""Cells of a blank row; testing a row against it runs in C, which matters for a million rows."""


def _norm(header: object, sheet: str) -> str:
    text = re.sub(r"[^a-z0-9]", "", str(header or "").lower())
    return text[len(sheet) :] if text.startswith(sheet) and len(text) > len(sheet) else text


_TABS = {"vinfo": "vInfo", "vmemory": "vMemory", "vhost": "vHost", "vcluster": "vCluster",
         "vmetadata": "vMetaData"}  # fmt: skip
Row = tuple[int, dict[str, Any]]
"""(row number in the sheet, canonical key -> value)."""


def _same(value: object) -> object:
    return value


def _columns(sheet: str, header: Sequence[object]) -> dict[str, int]:
    """Canonical key -> index of the sheet's known columns in ``header``."""
    index: dict[str, int] = {}
    normalised = [_norm(h, sheet) for h in header]
    for key, names in ALIASES[sheet].items():
        for name in names:
            if name in normalised:
                index[key] = normalised.index(name)
                break
    return index


def _rows(
    sheet: str,
    header: Sequence[object],
    body: Iterable[tuple[int, Sequence[object]]],
    cell: Callable[[object], object] = _same,
) -> Iterator[Row]:
    """Rows with a value of the sheet's known columns, keyed by canonical name; ``cell``
    converts each kept value (only those: a wide sheet has 80 columns, memplan reads 10)."""
    index = _columns(sheet, header)
    for number, values in body:
        if _blank(values):
            continue  # blank formatted rows (RVTools writes up to a million): skipped silently
        row = {k: cell(values[i]) if i < len(values) else None for k, i in index.items()}
        for key in ("name", "host", "cluster"):
            value = row.get(key)
            if isinstance(value, str) and len(value) > MAX_NAME_CHARS:
                raise LimitError(
                    f"{_TABS.get(sheet, sheet)} row {number}: a name of {len(value):,}"
                    f" characters; the limit is {MAX_NAME_CHARS} (a DNS name's length)"
                )
        yield number, row


def _cell(value: object) -> object:
    """A calamine cell as openpyxl gave it: empty cells None, whole numbers int (calamine
    gives every number as a float, so a VM named 1234 would otherwise read as "1234.0")."""
    if value == "":
        return None
    if isinstance(value, str) and len(value) > files.MAX_CELL_CHARS:
        raise LimitError(f"a cell longer than {files.MAX_CELL_CHARS:,} characters (Excel's limit)")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sheet_rows(sheet: str, grid: list[list[Any]]) -> list[Row]:
    """The rows of a calamine sheet (a grid of equal rows), as _rows makes them, converted
    a column at a time: a column of numbers or of texts alone in one comprehension, not a
    call per cell (0.1 s of 20,000 VMs). Anything unusual (rows of unequal length, a cell or
    name beyond a limit, which _rows reports in row order) goes through _rows itself."""
    header = [_cell(v) for v in grid[0]] if grid else []
    body = grid[1:]
    index = _columns(sheet, header)
    if not body or not index or set(map(len, body)) != {len(header)}:
        return list(_rows(sheet, header, enumerate(body, 2), _cell))
    columns = []
    texts: set[str] = set()
    first: list[Any] | None = None
    for key, i in index.items():
        column = [values[i] for values in body]
        first = column if first is None else first
        converted = _converted(column, texts)
        if converted is None or (
            key in ("name", "host", "cluster") and converted[1] > MAX_NAME_CHARS
        ):
            return list(_rows(sheet, header, enumerate(body, 2), _cell))
        columns.append(converted[0])
    keys = tuple(index)
    numbers = range(2, len(body) + 2)
    if _all_given(first or []):  # no row is blank: every row, made in C
        dicts = map(dict, map(zip, repeat(keys), zip(*columns, strict=True)))
        sheet_rows = _Sheet(zip(numbers, dicts, strict=True))
    else:
        probe = next(iter(index.values()))  # a row with a value there is not blank
        numbered = zip(numbers, body, zip(*columns, strict=True), strict=True)
        sheet_rows = _Sheet(
            (n, dict(zip(keys, kept, strict=False)))  # as long, by construction; strict costs
            for n, values, kept in numbered
            if ((v := values[probe]) is not None and (v.__class__ is not str or v.strip()))
            or not _blank(values)
        )  # fmt: skip
    sheet_rows.texts = texts
    return sheet_rows


class _Sheet(list[Row]):
    """A sheet's rows, and the distinct texts among their cells when they were collected
    a column at a time (a text of a blank row is white space: no number evidence)."""

    texts: set[str] | None = None


def _all_given(column: list[Any]) -> bool:
    """Whether every cell of ``column`` has a value (not empty, not white space alone)."""
    distinct = set(column)
    if set(map(type, distinct)) <= {str}:
        return "" not in distinct and not any(map(str.isspace, distinct))
    return all(v is not None and (v.__class__ is not str or v.strip()) for v in distinct)


def _blank(values: Sequence[object]) -> bool:
    """A row of empty cells and white space (RVTools formats up to a million of them)."""
    return _BLANK.issuperset(values) or all(
        v is None or (isinstance(v, str) and not v.strip()) for v in values
    )


def _converted(column: list[Any], texts: set[str]) -> tuple[list[Any], int] | None:
    """``column`` converted as _cell converts each cell, and its longest text (each text
    added to ``texts``); None when a text is beyond Excel's limit."""
    kinds = set(map(type, column))
    if kinds <= {float}:
        if all(map(float.is_integer, column)):  # sizes and counts: whole numbers, in C
            return list(map(int, column)), 0
        return [int(v) if v.is_integer() else v for v in column], 0
    distinct = set(column if kinds <= {str} else [v for v in column if type(v) is str])
    longest = max(map(len, distinct), default=0)  # states, hosts: a few texts, many times
    if longest > files.MAX_CELL_CHARS:
        return None
    texts |= distinct
    if kinds <= {str}:
        return ([v or None for v in column] if "" in distinct else column), longest
    return list(map(_cell, column)), longest


def _read_xlsx(path: str) -> dict[str, list[Row]]:
    # python-calamine (Rust) reads the sheets about 10x faster than openpyxl's read-only
    # mode did, and only the used range, so the million formatted rows RVTools declares
    # cost nothing. Imported here: only imports need it.
    from python_calamine import CalamineWorkbook

    check_file(path, limit=MAX_WORKBOOK_BYTES)
    files.check_workbook(path, SHEETS)
    out: dict[str, list[Row]] = {}
    try:
        wb = CalamineWorkbook.from_path(path)
        for name in wb.sheet_names:
            sheet = name.strip().lower()
            if sheet not in SHEETS:
                continue
            # skip_empty_area=False keeps row numbers right when the sheet starts lower down
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            try:
                out[sheet] = _sheet_rows(sheet, rows)
            except LimitError as exc:
                where = "" if str(exc).startswith(_TABS[sheet]) else f"sheet {name}: "
                raise LimitError(f"{where}{exc}") from None
    except LimitError as exc:
        raise LimitError(f"{path}: {exc}") from None
    except UsageError:
        raise
    except Exception as exc:  # calamine raises several kinds for a bad workbook
        raise UsageError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    return out


def _read_csv(path: str, notes: list[tuple[str, str]]) -> tuple[str, list[Row]] | None:
    """One RVTools tab exported as CSV: its encoding and delimiter detected (and stated in
    ``notes`` when not UTF-8 and comma), bounded like a workbook; every line read inside
    a quoted field that spans lines (an unterminated quote swallows the rest) is noted."""
    name = os.path.basename(path).lower()
    m = re.search(r"(vinfo|vmemory|vhost|vcluster|vmetadata)\.csv$", name)
    if m is None:
        return None
    tab = _TABS[m.group(1)]
    text, encoding = files.decode_csv(read_file(path))
    if "\x00" in text:
        raise UsageError(f"{path}: contains NUL characters: not a text CSV export")
    sep = files.delimiter(text)
    said = [f"encoding {encoding}"] if encoding else []
    said += [f"delimiter {_SEP_NAMES[sep]}"] if sep != "," else []
    if said:
        notes.append(("csv-dialect", f"{os.path.basename(path)}: read with {', '.join(said)}"))
    csv.field_size_limit(files.MAX_CELL_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    records: list[tuple[int, tuple[str, ...]]] = []
    try:
        header = list(next(reader, []))
        line = reader.line_num
        for number, record in enumerate(reader, 2):
            if number - 1 > files.MAX_SHEET_ROWS:
                raise LimitError(
                    f"{path}: more than {files.MAX_SHEET_ROWS:,} data rows; the limit is"
                    f" {files.MAX_SHEET_ROWS:,} (vCenter 8 holds at most 45,000 VMs, 150,000"
                    " in linked mode)"
                )
            first, line = line + 1, reader.line_num
            for swallowed in range(first + 1, line + 1):
                notes.append(("csv-quote", f"{tab} line {swallowed}: read inside the quoted"
                              f" field that starts on line {first} (row {number}); a quote"
                              " that is never closed swallows the lines after it"))  # fmt: skip
            records.append((number, tuple(record)))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise LimitError(
                f"{path}: line {reader.line_num}: a cell longer than"
                f" {files.MAX_CELL_CHARS:,} characters (Excel's limit)"
            ) from None
        raise UsageError(f"{path}: line {reader.line_num}: not a readable CSV ({exc})") from None
    return m.group(1), list(_rows(m.group(1), header, records))


_SEP_NAMES = {";": "semicolon", "\t": "tab", ",": "comma"}


def read(paths: list[str]) -> ImportResult:
    """Import an RVTools workbook, or per-tab CSV files (given, or in a folder)."""
    sheets: dict[str, list[Row]] = {}
    source = ", ".join(os.path.basename(p.rstrip("/")) for p in paths)
    paths_read: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            paths_read += sorted(
                os.path.join(p, f) for f in os.listdir(p) if f.lower().endswith(".csv")
            )
        elif os.path.exists(p):
            paths_read.append(p)  # read_file and check_file say what is wrong with it
        else:
            raise UsageError(f"{p}: no such file or folder")
    notes: list[tuple[str, str]] = []
    for f in paths_read:
        if f.lower().endswith((".xlsx", ".xlsm")):
            sheets.update(_read_xlsx(f))
        else:
            got = _read_csv(f, notes)
            if got is not None:
                sheets[got[0]] = got[1]
    if "vinfo" not in sheets and "vmemory" not in sheets:
        raise UsageError(f"{source}: no vInfo or vMemory tab found (RVTools_tabvInfo.csv, ...)")
    unread: list[str] = []
    tokens = (_DECIMAL_COMMA.set(_decimal_comma(sheets)), _UNREAD.set(unread))
    try:
        result = _build(sheets, source)
    finally:
        _DECIMAL_COMMA.reset(tokens[0])
        _UNREAD.reset(tokens[1])
    odd = [u for u in unread if not u.startswith("~")]
    ambiguous = [u[1:] for u in unread if u.startswith("~")]
    if ambiguous:
        notes.append(("unread-ambiguous", (
            f"{plural(len(ambiguous), 'number')} read as empty: {_examples(ambiguous)}; with no"
            f" decimal comma or point elsewhere in the export, {ambiguous[0]!r} could be either"
            " a thousands separator or a decimal one: export without thousands separators")))  # fmt: skip
    if odd:
        notes.append(("unread-not-finite", f"{plural(len(odd), 'number')} read as empty:"
                      f" {_examples(odd)} (not finite)"))  # fmt: skip
    result.repairs[:0] = [Note(k, t) for k, t in notes if k == "csv-dialect"]
    result.skipped[:0] = [Note(k, t) for k, t in notes if k != "csv-dialect"]
    return result


_DECIMAL_COMMA: ContextVar[bool | None] = ContextVar("decimal_comma", default=None)
"""Whether the export being read writes decimal commas (True), decimal points (False),
or shows no evidence either way (None): decides '16,384' and '16.384'."""
_UNREAD: ContextVar[list[str] | None] = ContextVar("unread", default=None)
"""Number texts that could not be read safely (ambiguous or not finite), for one note."""
_COMMA_EVIDENCE = re.compile(
    r"\d+,\d{1,2}|\d+,\d{4,}|\d{1,3}(?:\.\d{3})+,\d+|\d{1,3}(?:\.\d{3}){2,}"
)
_POINT_EVIDENCE = re.compile(
    r"\d+\.\d{1,2}|\d+\.\d{4,}|\d{1,3}(?:,\d{3})+\.\d+|\d{1,3}(?:,\d{3}){2,}"
)
_GROUPED = {sep: re.compile(r"[+-]?\d{1,3}(?:" + re.escape(sep) + r"\d{3})+") for sep in ",."}


def _decimal_comma(sheets: dict[str, list[Row]]) -> bool | None:
    """True, False or None (see _DECIMAL_COMMA) from the number texts of every sheet."""
    comma = point = False
    texts: set[str] = set()
    for rows in sheets.values():
        known = getattr(rows, "texts", None)
        if known is None:
            known = {v for _, row in rows for v in row.values() if v.__class__ is str}
        texts |= known
    for value in texts:  # evidence has a comma or a point: names and UUIDs seldom do
        if value[:1].isdigit() and ("," in value or "." in value):
            text = _squeeze(value)
            comma = comma or bool(_COMMA_EVIDENCE.fullmatch(text))
            point = point or bool(_POINT_EVIDENCE.fullmatch(text))
    return None if comma == point else comma


def _squeeze(text: str) -> str:
    for space in ("\u00a0", "\u202f", " ", "'"):  # thousands spaces and Swiss apostrophes
        text = text.replace(space, "")
    return text.strip()


def _num(value: object) -> float | None:
    """A number from a cell: int, float, or text with a decimal point or comma and
    optional thousands separators. A text that could mean two numbers ('16,384' with no
    decimal evidence in the export) or that is not finite ('nan', 'inf') reads as empty
    and is reported, never read as 1,000 times smaller."""
    if type(value) is int:  # the common cases first: a million calls
        return float(value)
    if type(value) is float:
        return value if value - value == 0 else _unread(str(value))  # inf - inf is NaN
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) else _unread(str(value))
    text = _squeeze(str(value))
    if not text:
        return None
    comma, point = "," in text, "." in text
    if comma and point:
        dec = "," if text.rfind(",") > text.rfind(".") else "."
        whole, _, frac = text.rpartition(dec)
        thousands = "." if dec == "," else ","
        if not (_GROUPED[thousands].fullmatch(whole) or whole.lstrip("+-").isdigit()):
            return None
        text = whole.replace(thousands, "") + "." + frac
    elif comma or point:
        sep = "," if comma else "."
        if _GROUPED[sep].fullmatch(text):
            mode = _DECIMAL_COMMA.get()
            if text.count(sep) > 1 or (mode is (sep == ".")):
                text = text.replace(sep, "")  # thousands separators
            elif mode is None:
                return _unread(str(value), ambiguous=True)
            else:
                text = text.replace(",", ".")
        else:
            text = text.replace(",", ".")
    if len(text) > 40:
        return _unread(str(value))
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else _unread(str(value))


def _unread(text: str, ambiguous: bool = False) -> float | None:
    unread = _UNREAD.get()
    if unread is not None:
        unread.append(("~" if ambiguous else "") + clip(text, 20))
    return None


def _examples(texts: list[str]) -> str:
    shown = ", ".join(repr(t) for t in texts[:3])
    return shown + (", ..." if len(texts) > 3 else "")


def _text(value: object) -> str | None:
    if type(value) is str:  # the common case: a million calls
        return value.strip() or None
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _true(value: object) -> bool:
    text = value if type(value) is str else str(value)
    return text.strip().lower() in _TRUE


_TRUE = frozenset(("true", "yes", "1", "wahr", "vrai"))


class _Hosts:
    """Resolves host names that differ between tabs: exact, case, then domain suffix."""

    def __init__(self, names: Iterable[str]) -> None:
        self.exact = set(names)
        self.lower = {n.lower(): n for n in self.exact}
        self.short: dict[str, list[str]] = {}
        for n in self.exact:
            self.short.setdefault(n.lower().split(".")[0], []).append(n)

    def resolve(self, name: str) -> tuple[str | None, str | None]:
        """(host name, how it was resolved or None when exact)."""
        if name in self.exact:
            return name, None
        if name.lower() in self.lower:
            return self.lower[name.lower()], "by case"
        if not _is_address(name):
            candidates = self.short.get(name.lower().split(".")[0], [])
            if len(candidates) == 1:
                return candidates[0], "by name without domain"
        return None, None


def _is_address(name: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+|[0-9a-fA-F:]+", name))


def _collected(rows: list[Row], result: ImportResult) -> None:
    """vMetaData's "xlsx creation datetime": when RVTools wrote the export."""
    for number, row in rows:
        value = row.get("created")
        if value is None or value == "":
            continue
        when = _datetime(value)
        if when is None:
            result.repair(
                "vmetadata-unreadable",
                f"vMetaData row {number}: xlsx creation datetime {value!r} is not a date;"
                " collected: left out",
            )
        else:
            result.collected = when
        return


def _percent(value: object) -> float | None:
    """A percentage cell: a number, or text with a trailing '%' ("58 %"), else None."""
    if isinstance(value, str) and value.rstrip().endswith("%"):
        value = value.rstrip()[:-1]
    return _num(value)


def _datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%d.%m.%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S",
                "%m/%d/%Y %I:%M:%S %p"):  # fmt: skip
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _build(sheets: dict[str, list[Row]], source: str) -> ImportResult:
    result = ImportResult(source)
    _collected(sheets.get("vmetadata", []), result)
    unsized = _hosts(sheets.get("vhost", []), result)
    apart = _datacenters(sheets, result)
    if "vhost" not in sheets:
        result.no_hosts = (
            "no vHost tab: memplan needs the hosts' memory (# Memory) to plan; export the"
            " vHost tab too (RVTools_tabvHost.csv for CSV files)"
        )
    elif not result.hosts:
        read = len(sheets["vhost"])
        result.no_hosts = (
            f"no host imported: none of vHost's {plural(read, 'row')} is usable (the"
            " 'import:' lines say why)" if read else "no host imported: vHost lists no host"
        )  # fmt: skip
    effective: dict[str, tuple[int, int]] = {}
    for number, row in sheets.get("vcluster", []):
        name = _text(row.get("name"))
        if name and name in apart:
            name = f"{name} ({_text(row.get('datacenter'))})"
        if name:
            failures = _num(row.get("failures"))
            record = ClusterRecord(
                name, _true(row["ha"]) if "ha" in row else None,
                int(failures) if failures is not None else None,
            )  # fmt: skip
            if record.ha_enabled:
                record.policy = "host-failures"  # RVTools does not say which policy
            if _text(row.get("admission")) is not None:
                record.admission_control = _true(row["admission"])
            if _text(row.get("drs")) is not None:
                record.drs_enabled = _true(row["drs"])
            record.drs_behavior = _text(row.get("drsbehavior"))
            result.clusters[name] = record
            count = _num(row.get("effective"))
            if count is not None:
                effective[name] = (number, int(count))
    for name, (number, count) in sorted(effective.items()):
        usable = sum(1 for h in result.hosts if h.cluster == name and not h.maintenance)
        if count != usable:
            result.repair(
                "effective-hosts",
                f"vCluster row {number} ({name}): numEffectiveHosts {count}, but vHost lists"
                f" {usable} usable (connected, not in maintenance); memplan plans with vHost's",
            )
    host_cluster = {h.name: h.cluster for h in result.hosts}
    resolver = _Hosts(host_cluster)
    missing = _Missing(_Hosts(unsized))
    memory_rows: dict[str, Row] = {}
    more_rows: dict[str, list[Row]] = {}  # vMemory rows of a name after its first
    for number, row in sheets.get("vmemory", []):
        name = _text(row.get("name"))
        if name is None:
            result.rows_read += 1
            result.skip("skip-no-name", f"vMemory row {number}: no VM name")
        elif name not in memory_rows:
            memory_rows[name] = (number, row)
        else:
            more_rows.setdefault(name, []).append((number, row))
    seen: dict[str, int] = {}
    info = sheets.get("vinfo", [])
    info_names = [_text(r.get("name")) for _, r in info]
    names_in_info = set(info_names)
    primary = [("vInfo", n, r, name) for (n, r), name in zip(info, info_names, strict=True)]
    primary += [
        ("vMemory", n, r, name)
        for name, first in memory_rows.items() if name not in names_in_info
        for n, r in (first, *more_rows.get(name, ()))
    ]  # fmt: skip
    result.rows_read += len(primary)
    for tab, number, row, name in primary:
        where = f"{tab} row {number}"
        if name is None:
            result.skip("skip-no-name", f"{where}: no VM name")
            continue
        if tab == "vMemory":
            joined: Row | None = (number, row)
        elif name not in seen:
            seen[name] = 0
            joined = memory_rows.get(name)
        else:  # VMs of one name (result.distinct_names settles them): vMemory in row order
            seen[name] += 1
            later = more_rows.get(name, [])
            joined = later[seen[name] - 1] if seen[name] <= len(later) else None
        vm = _vm(name, row, joined, where, result)
        if vm is not None and vm.cluster in apart:  # its host's, when vHost lists it
            dc = _text(row.get("datacenter")) or _text((joined or (0, {}))[1].get("datacenter"))
            if dc is None:
                result.repair(
                    "cluster-datacenters",
                    f"{where} ({name}): cluster {vm.cluster} is used in several datacenters"
                    " and the row names none; kept in a cluster of that name alone",
                )
            else:
                vm.cluster = f"{vm.cluster} ({dc})"
        if vm is None:
            continue
        _place(vm, resolver, host_cluster, where, result)
        if vm.host is None and vm.cluster is None:
            result.skip("skip-no-place", f"{where} ({name}): no host and no cluster to place it in")
            continue
        if result.keep_vm(vm) and vm.seen_on is not None:
            missing.count(vm)
    missing.report(result)
    if any(seen.values()) or more_rows:
        result.distinct_names()
    return result


def _datacenters(sheets: dict[str, list[Row]], result: ImportResult) -> set[str]:
    """Cluster names used in more than one datacenter (vHost's and vCluster's Datacenter
    column): vSphere allows it, and each is its own cluster with its own HA settings. Their
    hosts' clusters are renamed ``NAME (DATACENTER)`` here, and reported; the caller does
    the same for vCluster rows and VMs of those names."""
    where: dict[str, set[str]] = {}
    for tab in ("vhost", "vcluster"):
        key = "cluster" if tab == "vhost" else "name"
        for _, row in sheets.get(tab, []):
            name, dc = _text(row.get(key)), _text(row.get("datacenter"))
            if name is not None and dc is not None:
                where.setdefault(name, set()).add(dc)
    apart = {name for name, dcs in where.items() if len(dcs) > 1}
    if not apart:
        return apart
    dc_of = {_text(r.get("name")): _text(r.get("datacenter")) for _, r in sheets["vhost"]}
    for h in result.hosts:
        if h.cluster in apart:
            h.cluster = f"{h.cluster} ({dc_of.get(h.name)})"
    for name in sorted(apart):
        names = ", ".join(f"'{name} ({dc})'" for dc in sorted(where[name]))
        result.repair(
            "cluster-datacenters",
            f"cluster name {name} is used in {len(where[name])} datacenters: kept apart as"
            f" {names}, each with its own hosts and HA settings",
        )
    return apart


class _Missing:
    """VMs whose host vHost does not list (or lists without a memory size), counted per
    host and reported once per host, not once per VM: a sanitised export has hundreds."""

    def __init__(self, unsized: _Hosts) -> None:
        self.unsized = unsized
        self.vms: dict[tuple[str, str | None], int] = {}

    def count(self, vm: VMRecord) -> None:
        key = (vm.seen_on or "", vm.cluster)
        self.vms[key] = self.vms.get(key, 0) + 1

    def report(self, result: ImportResult) -> None:
        for (host, cluster), n in sorted(self.vms.items(), key=lambda kv: (-kv[1], kv[0][0])):
            known, _ = self.unsized.resolve(host)
            vms = "1 VM names" if n == 1 else f"{n} VMs name"
            if known is not None:
                result.repair(
                    "host-unsized",
                    f"{vms} host {host}: vHost gives no memory size for {known}; kept in"
                    f" cluster {cluster} with seen_on",
                )
            else:
                result.repair(
                    "host-not-listed",
                    f"{vms} host {host}, not in vHost; kept in cluster {cluster} with seen_on",
                )


def _hosts(rows: list[Row], result: ImportResult) -> set[str]:
    """Read vHost into ``result``; the names of hosts listed without a usable memory size."""
    names: set[str] = set()
    unsized: set[str] = set()
    missing_version = 0
    for number, row in rows:
        result.rows_read += 1
        where = f"vHost row {number}"
        name = _text(row.get("name"))
        memory = _num(row.get("memory"))
        if name is None:
            result.skip("skip-no-name", f"{where}: no host name")
            continue
        if name in names:
            result.skip(
                "skip-duplicate", f"{where} ({name}): duplicate host; the first row is kept"
            )
            continue
        if memory is None or memory <= 0:
            result.skip(
                "skip-no-memory", f"{where}: host {name}: vHost gives no memory size ('# Memory')"
            )
            unsized.add(name)
            continue
        if memory > MAX_SIZE // MIB:  # also keeps 1e302 MiB from overflowing to bytes
            result.skip(
                "skip-implausible", f"{where} ({name}): # Memory {memory:g} MiB is above 1 PiB"
            )
            unsized.add(name)
            continue
        if mib(memory) <= DEFAULT_SYSTEM_RESERVED:
            result.skip(
                "skip-no-room",
                f"{where} ({name}): {memory:g} MiB leaves nothing for VMs after the"
                f" {DEFAULT_SYSTEM_RESERVED // MIB} MiB memplan reserves for ESXi",
            )
            unsized.add(name)
            continue
        version = _VERSION.search(str(row.get("esxi") or ""))
        record = HostRecord(
            name, mib(memory), None, _text(row.get("cluster")),
            version.group(1) if version else None, where,
        )  # fmt: skip
        _observed(record, row, memory, where, result)
        if not result.keep_host(record):
            continue
        names.add(name)
        if version is None:
            missing_version += 1
    if missing_version:
        result.repair(
            "no-esx-version",
            f"vHost: no ESX version for {missing_version} of {len(result.hosts)} hosts;"
            " they are planned as ESXi 8.0",
        )
    return unsized - names


def _observed(
    record: HostRecord, row: dict[str, Any], memory: float, where: str, result: ImportResult
) -> None:
    """Memory usage %, VM Memory Ballooned and Swapped, # VMs, vRAM, maintenance mode and
    connection. A figure that is blank (where its column exists), unreadable or out of range
    is left out and reported: the host's demand then rests on its VMs (docs/model.md)."""
    name = record.name
    if "usage" in row:
        cell = row["usage"]
        usage = _percent(cell)
        if usage is None or usage < 0:
            text = _text(cell)
            said = (
                "is blank" if text is None
                else f"{text!r} is not a number" if usage is None
                else f"{usage:g} is below 0"
            )  # fmt: skip
            result.repair(
                "usage-unread",
                f"{where} ({name}): Memory usage % {said}; no observed usage: the host's"
                " demand is modelled from the VMs listed on it",
            )
            usage = None
        elif usage > 100:
            result.repair(
                "usage-above-100",
                f"{where} ({name}): Memory usage {usage:g}% is above 100%; taken as 100%",
            )
            usage = 100.0
        if usage is not None:
            # consumed = usage % x "# Memory" MiB, rounded to bytes (overallMemoryUsage)
            record.observed_consumed = round(Fraction(usage) * Fraction(memory) * MIB / 100)
    for key in ("ballooned", "swapped"):
        value = _num(row.get(key))
        if value is not None and (value > memory or value < 0):  # not a reading
            said = "negative" if value < 0 else f"above the host's {memory:g} MiB"
            result.repair(
                "observed-implausible",
                f"{where} ({name}): VM Memory {key.capitalize()} {value:g} MiB is {said}; left out",
            )
        elif value is not None:
            setattr(record, f"observed_{key}", mib(value))
    for key, header in (("vms", "# VMs"), ("vms_total", "# VMs total")):
        count = _num(row.get(key))
        if count is None:
            continue
        if 0 <= count <= MAX_VMS_PER_HOST and count == int(count):
            setattr(record, f"observed_{key}", int(count))
        else:
            result.repair(
                "observed-count-implausible",
                f"{where} ({name}): {header} {count:g} is not a count from 0 to vSphere's"
                f" {MAX_VMS_PER_HOST} VMs per host; left out",
            )
    vram = _num(row.get("vram"))
    if vram is not None:
        # A running VM is no larger than its host (rule MP101): vRAM <= # VMs x # Memory
        vms = record.observed_vms
        most = (MAX_VMS_PER_HOST if vms is None else vms) * memory
        if 0 <= vram <= most:
            record.observed_configured = mib(vram)
        else:
            per = f"vSphere's {MAX_VMS_PER_HOST} VMs per host" if vms is None else f"# VMs ({vms})"
            said = "negative" if vram < 0 else (
                f"more than {per} x the host's {memory:g} MiB (no running VM is larger than"
                " its host)"
            )  # fmt: skip
            result.repair(
                "observed-implausible", f"{where} ({name}): vRAM {vram:g} MiB is {said}; left out"
            )
    if any(v is not None for v in (record.observed_consumed, record.observed_ballooned,
                                   record.observed_swapped)):  # fmt: skip
        record.observed_source = "RVTools vHost"
    state = (_text(row.get("connection")) or "connected").lower()
    if _true(row.get("maintenance")):
        record.maintenance = True
        result.repair(
            "host-maintenance",
            f"{where} ({record.name}): in maintenance mode; planned with no capacity",
        )
    elif state != "connected":
        record.maintenance = True
        result.repair(
            "host-disconnected",
            f"{where} ({record.name}): connection state {state}; planned with no capacity",
        )


def _vm(
    name: str, info: dict[str, Any], memory_row: Row | None, where: str, result: ImportResult
) -> VMRecord | None:
    # Values first, the record made once (a VM is 7 us of 20,000; this is the common work).
    # _num runs on the same cells in the same order as ever: an unreadable number's note
    # lists them in that order.
    mem = memory_row[1] if memory_row else _NO_ROW
    mem_get, info_get = mem.get, info.get
    info_mem, size = _num(info_get("memory")), _num(mem_get("size"))
    if size is not None and size > 0:
        memory = mib(size)
        if info_mem is not None and info_mem > 0 and info_mem != size:
            result.repair(
                "memory-disagrees",
                f"{where} ({name}): vInfo Memory {info_mem:g} MiB and vMemory Size MiB"
                f" {size:g} disagree; using vMemory",
            )
    elif info_mem is not None and info_mem > 0:
        memory = mib(info_mem)
    else:
        result.skip(
            "skip-no-memory", f"{where} ({name}): no memory value (vInfo Memory, vMemory Size MiB)"
        )
        return None
    cpus = _num(info_get("cpus"))
    if cpus is None or cpus < 1:
        result.repair("no-cpus", f"{where} ({name}): no CPUs; assumed 1")
        cpus = 1
    state = _text(info_get("power")) or _text(mem_get("power"))
    if state is None:
        result.repair("no-power", f"{where} ({name}): no power state; assumed powered on")
    power = state is None or state.lower() == "poweredon"
    template = _true(info_get("template")) or _true(mem_get("template"))
    info_host, info_cluster = _text(info_get("host")), _text(info_get("cluster"))
    host = info_host or _text(mem_get("host"))
    cluster = info_cluster or _text(mem_get("cluster"))
    if memory_row and not info_host and host:
        result.repair(
            "host-from-vmemory", f"{where} ({name}): no Host in vInfo; took {host} from vMemory"
        )
    if memory_row and not info_cluster and cluster:
        result.repair(
            "cluster-from-vmemory",
            f"{where} ({name}): no Cluster in vInfo; took {cluster} from vMemory",
        )
    reservation = _num(mem_get("reservation"))
    reservation = mib(reservation) if reservation and reservation > 0 else None
    limit = _num(mem_get("limit"))
    limit = mib(limit) if limit is not None and limit >= 0 else None
    level = _text(mem_get("level"))
    level = level.lower() if level is not None else ""
    shares = _num(mem_get("shares"))
    uuid = _text(info_get("uuid")) or _text(info_get("vmid"))
    active = consumed = ballooned = swapped = overhead = None
    if power and not template:  # vMemory, MiB
        if (value := _num(mem_get("active"))) is not None and value >= 0:
            active = mib(value)
        elif value is not None:
            _negative("vMemory Active", value, where, name, result)
        if (value := _num(mem_get("consumed"))) is not None and value >= 0:
            consumed = mib(value)
        elif value is not None:
            _negative("vMemory Consumed", value, where, name, result)
        if (value := _num(mem_get("ballooned"))) is not None and value >= 0:
            ballooned = mib(value)
        elif value is not None:
            _negative("vMemory Ballooned", value, where, name, result)
        if (value := _num(mem_get("swapped"))) is not None and value >= 0:
            swapped = mib(value)
        elif value is not None:
            _negative("vMemory Swapped", value, where, name, result)
        value = _num(info_get("active"))  # vInfo Active Memory (newer RVTools)
        if active is None and value is not None and value >= 0:
            active = mib(value)
        elif active is None and value is not None:
            _negative("vInfo Active Memory", value, where, name, result)
        if value := _num(mem_get("consumed_overhead")) or _num(mem_get("overhead")):
            overhead = mib(value)  # 0 means not measured: memplan estimates instead
    if reservation and limit is not None and reservation > limit:
        result.repair(
            "reservation-above-limit",
            f"{where} ({name}): reservation above limit; limit raised to it",
        )
        limit = reservation
    if reservation and memory and reservation > memory:
        result.repair(
            "reservation-above-memory",
            f"{where} ({name}): reservation above memory; capped at memory",
        )
        reservation = memory
    if active is not None and memory and active > memory:
        result.repair(
            "vm-active-above-memory",
            f"{where} ({name}): Active {active / MIB:g} MiB is above its memory"
            f" ({memory / MIB:g} MiB); capped at it",
        )
        active = memory
    return VMRecord(
        name, memory, int(cpus), power, template, host, cluster, reservation, limit,
        level if level in _LEVELS else None, int(shares) if shares else None,
        active, consumed, overhead, ballooned, swapped, where, uuid,
    )  # fmt: skip


def _negative(column: str, value: float, where: str, name: str, result: ImportResult) -> None:
    result.repair(
        "vm-figure-negative", f"{where} ({name}): {column} {value:g} MiB is negative; left out"
    )


_NO_ROW: dict[str, Any] = {}
"""The vMemory row of a VM that has none (read, never written)."""
_LEVELS = frozenset(("low", "normal", "high", "custom"))


def _place(
    vm: VMRecord,
    resolver: _Hosts,
    host_cluster: dict[str, str | None],
    where: str,
    result: ImportResult,
) -> None:
    if vm.host is None:
        return
    resolved, how = resolver.resolve(vm.host)
    if resolved is not None:
        if how is not None:
            result.repair(
                "host-matched", f"{where} ({vm.name}): host {vm.host} matched {resolved} {how}"
            )
        vm.host = resolved
        vm.cluster = host_cluster.get(resolved) or vm.cluster
        return
    vm.seen_on = vm.host  # reported once per host by _Missing
    vm.host = None
