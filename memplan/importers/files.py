"""Bounded reading of spreadsheets: a workbook is checked before python-calamine opens it,
and CSV text is decoded and split the way RVTools and Excel write it.

Why a workbook is scanned first: calamine builds a dense grid spanning the sheet's
first to last value cell, so a 1 KB file with one cell in A1 and one in XFD1048576 asks
for 550 GB and aborts the process (no exception to catch). The scan streams each sheet
memplan reads through Python's zipfile (which also holds every part to its declared size
and CRC) and finds the value cells' extent with one regular expression. docs/performance.md
lists every limit.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterable

from memplan.errors import LimitError, UsageError
from memplan.units import MIB

MAX_WORKBOOK_EXPANDED = 1024 * MIB
"""Most XML memplan decompresses from one workbook (the sheets it reads and the shared
strings): an export of 45,000 VMs is a few hundred MB; a zip bomb is refused."""
MAX_SHEET_ROWS = 150_000
"""Most data rows in a sheet: vCenter Server 8 holds at most 45,000 registered VMs, and
15 linked vCenters 150,000 (VMware Configuration Maximums, vCenter Server 8.0)."""
MAX_SHEET_CELLS = 20_000_000
"""Most cells in the grid spanning a sheet's value cells (150,000 rows of 133 columns);
RVTools' vInfo has about 90 columns."""
MAX_CELL_CHARS = 32_767
"""Longest cell text: Excel's own limit ("Excel specifications and limits")."""
MAX_NAME_CHARS = 255
"""Longest VM, host or cluster name: a host's DNS name is at most 255 characters
(RFC 1035); vSphere limits VM names to 80."""

_PREFIX = rb"(?:[^\s<>/!?=\"':]+:)?"
"""A namespace prefix (x:c): calamine matches elements by their local name."""
_NEAR = rb"(?:[A-Z]|[A-D][A-Z]|E[A-C])(?:[1-9][0-9]{0,4}|1[0-4][0-9]{4}|15000[01])"
"""A cell reference in A1:EC150001: value cells there alone span at most 150,001 rows by
133 columns, 19,950,133 cells, within both limits."""
_NOT_NEAR = re.compile(rb'<c(?! r="' + _NEAR + rb'")[\s/>]')
"""A cell element that does not start <c r="NEAR": its reference is elsewhere, far or in
another form, so the sheet is read cell by cell. Excel, LibreOffice, openpyxl and RVTools
write every cell so."""
_OTHER_R = re.compile(rb"r(?<=\sr)(?<!<c r)(?<!<row r)\s*=")
"""An r= that is not the first attribute of a <c or <row, anywhere: a cell's reference
given twice (calamine takes the last) has one, so the sheet is read cell by cell. Searched
on its own, from each 'r', it costs a quarter of a check of the rest of every cell tag."""
_ODD_PREFIXED = re.compile(b"<" + _PREFIX + rb'c(?! r="' + _NEAR + rb'"(?![^<]*\sr\s*=))[\s/>]')
"""A cell element, prefixed or not, that is not <c r="NEAR" ...> with one r= (slower: tried
at every '<'), when ':c' occurs."""
_TAG = re.compile(b"<" + _PREFIX + rb"c[\s/>]")
"""Every cell element (the start of its tag)."""
_FULL_TAG = re.compile(
    b"<" + _PREFIX + rb"""c((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>"""
)
"""A well-formed cell start tag: its attributes, and '/' when it is empty (no value:
calamine skips it, so only value cells count towards the extent)."""
_REF_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(rb"([A-Za-z]{1,4})([0-9]{1,10})")
_SHEET = re.compile(rb'<sheet\s[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_SHEET_ID_FIRST = re.compile(rb'<sheet\s[^>]*?r:id="([^"]*)"[^>]*?name="([^"]*)"')
_REL = re.compile(rb'<Relationship\s[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')
_REL_TARGET_FIRST = re.compile(rb'<Relationship\s[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _unescape(name: bytes) -> str:
    text = name.decode("utf-8", "replace")
    for a, b in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(a, b)
    return text


def check_workbook(path: str, wanted: Iterable[str]) -> None:
    """Refuse, with a LimitError naming the limit, a workbook whose sheets in ``wanted``
    (lower-case names) or shared strings expand beyond MAX_WORKBOOK_EXPANDED, or whose
    value cells span more than MAX_SHEET_ROWS rows or MAX_SHEET_CELLS cells."""
    names = set(wanted)
    try:
        with zipfile.ZipFile(path) as z:
            parts = _sheet_parts(z)
            read = [part for sheet, part in parts.items() if sheet.strip().lower() in names]
            read += [i.filename for i in z.infolist()
                     if i.filename.lower().endswith("sharedstrings.xml")]  # fmt: skip
            declared = sum(z.getinfo(p).file_size for p in read if p in z.NameToInfo)
            if declared > MAX_WORKBOOK_EXPANDED:  # zipfile holds each part to this size
                raise LimitError(_too_big(declared))
            budget = [MAX_WORKBOOK_EXPANDED]
            for sheet, part in parts.items():
                if sheet.strip().lower() in names and part in z.NameToInfo:
                    _scan_sheet(z, part, sheet, budget)
            for info in z.infolist():
                if info.filename.lower().endswith("sharedstrings.xml"):
                    _drain(z, info.filename, budget)
    except LimitError as exc:
        raise LimitError(f"{path}: {exc}") from None
    except UsageError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable .xlsx workbook ({exc})") from None


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip part, from xl/workbook.xml and its relationships."""
    try:
        book = z.read("xl/workbook.xml")[: 4 * MIB]
        rels = z.read("xl/_rels/workbook.xml.rels")[: 4 * MIB]
    except KeyError:
        return {}
    targets = dict(_REL.findall(rels))
    targets.update({rid: target for target, rid in _REL_TARGET_FIRST.findall(rels)})
    sheets = {rid: name for name, rid in _SHEET.findall(book)}
    sheets.update(dict(_SHEET_ID_FIRST.findall(book)))
    out = {}
    for rid, name in sheets.items():
        target = targets.get(rid)
        if target is None:
            continue
        text = target.decode("utf-8", "replace")
        out[_unescape(name)] = text.lstrip("/") if text.startswith("/") else "xl/" + text
    return out


def _chunks(z: zipfile.ZipFile, part: str, budget: list[int]) -> Iterable[bytes]:
    with z.open(part) as fh:
        while True:
            chunk = fh.read(16 * MIB)
            if not chunk:
                return
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise LimitError(_too_big(MAX_WORKBOOK_EXPANDED - budget[0]))
            yield chunk


def _too_big(size: int) -> str:
    return (
        f"the sheets memplan reads expand to {size:,} bytes of XML; the limit is"
        f" {MAX_WORKBOOK_EXPANDED // MIB} MiB"
    )


def _drain(z: zipfile.ZipFile, part: str, budget: list[int]) -> None:
    for _ in _chunks(z, part, budget):
        pass


def _scan_sheet(z: zipfile.ZipFile, part: str, sheet: str, budget: list[int]) -> None:
    """Refuse a sheet whose value cells span too much: two regular expressions find,
    without making an object per cell, that every cell is written <c r="A1" ...> within
    A1:EC150001 with no other r= (about 4 ms per MB of XML); any other sheet is read cell
    by cell."""
    spent = budget[0]
    for data in _tags(z, part, budget):
        if (
            _ODD_PREFIXED.search(data) is not None
            if b":c" in data
            else _NOT_NEAR.search(data) is not None or _OTHER_R.search(data) is not None
        ):
            budget[0] = spent  # read again, counted once
            _extent(z, part, sheet, budget)
            return


def _tags(z: zipfile.ZipFile, part: str, budget: list[int]) -> Iterable[bytes]:
    """The part in chunks that end before a '<', so that no tag is cut in two."""
    carry = b""
    for chunk in _chunks(z, part, budget):
        data = carry + chunk
        cut = data.rfind(b"<")
        data, carry = (data[:cut], data[cut:]) if cut >= 0 else (data, b"")
        yield data
    yield carry


def _extent(z: zipfile.ZipFile, part: str, sheet: str, budget: list[int]) -> None:
    """The extent of the value cells of one sheet, cell by cell; a LimitError when too
    large or when a value cell's reference cannot be read."""
    rows: list[int] = []
    columns: set[int] = set()
    for data in _tags(z, part, budget):
        tags = _FULL_TAG.findall(data)
        if len(tags) != len(_TAG.findall(data)):
            raise LimitError(
                f"sheet {sheet} has a cell element memplan cannot read, so its size cannot be"
                " checked before reading; save it again with Excel or LibreOffice"
            )
        for attributes, empty in tags:
            if empty:
                continue
            refs = [a or b for a, b in _REF_ATTR.findall(attributes)]
            if not refs:
                raise LimitError(
                    f"sheet {sheet} has cells without a cell reference (r=...), so its size"
                    " cannot be checked before reading; save it again with Excel or LibreOffice"
                )
            for ref in refs:
                m = _REF.fullmatch(ref)
                if m is None:
                    raise LimitError(
                        f"sheet {sheet} has a cell reference r={_unescape(ref[:20])!r} that is"
                        " not like A1, so its size cannot be checked before reading"
                    )
                rows.append(int(m.group(2)))
                columns.add(_column(m.group(1)))
    if not rows:
        return
    height = max(rows) - min(rows) + 1
    width = max(columns) - min(columns) + 1
    if height - 1 > MAX_SHEET_ROWS:
        raise LimitError(
            f"sheet {sheet} spans {height:,} rows; the limit is {MAX_SHEET_ROWS:,} data rows"
            " (vCenter 8 holds at most 45,000 VMs, 150,000 in linked mode)"
        )
    if height * width > MAX_SHEET_CELLS:
        raise LimitError(
            f"sheet {sheet} spans {height:,} rows by {width:,} columns; the limit is"
            f" {MAX_SHEET_CELLS:,} cells"
        )


# --- CSV ---------------------------------------------------------------------------------


def decode_csv(data: bytes) -> tuple[str, str | None]:
    """The text of a CSV export and, when it was not UTF-8, the encoding used, stated so
    that the user can check it: a byte order mark (UTF-8, UTF-16 LE/BE, RVTools' own
    default is UTF-16), UTF-16 without one (every other byte zero), UTF-8, then Windows-1252
    (Western European Windows) with Latin-1 for the bytes it leaves undefined."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), None
    for bom, name, label in ((codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE (byte order mark)"),
                             (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE (byte order mark)")):  # fmt: skip
        if data.startswith(bom):
            return data[2:].decode(name, "replace"), label
    sample = data[:4096]
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.1:
            return data.decode("utf-16-le", "replace"), "UTF-16 LE (no byte order mark)"
        if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.1:
            return data.decode("utf-16-be", "replace"), "UTF-16 BE (no byte order mark)"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    text = "".join(
        chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
        for b in range(256)
    )
    return data.decode("latin-1").translate(dict(enumerate(text))), (
        "Windows-1252 (not UTF-8 or UTF-16)"
    )


def delimiter(text: str) -> str:
    """The delimiter of a CSV export: whichever of tab, semicolon and comma splits the
    header line most (RVTools writes commas; Excel in many European locales semicolons)."""
    header = text.split("\n", 1)[0]
    outside = re.sub(r'"[^"]*"', "", header)
    counts = {d: outside.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
