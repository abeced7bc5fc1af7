"""Hostile files other than inventories (issue 17): govc JSON, baselines, RVTools CSV and
workbooks get the same size, file-type and nesting checks as inventories, and a value of
the wrong type or a non-finite number is reported, never a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from memplan.cli import app
from tests.helpers import SAMPLES


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def notes(err: str) -> list[str]:
    """The import: lines of ``err``, each made whole again (they wrap at 132 columns)."""
    lines: list[str] = []
    for line in err.splitlines():
        if line.startswith("  ") and lines:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return lines


def write_json(tmp_path: Path, doc: Any, name: str = "g.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


HOST = {"name": "esx1", "self": {"type": "HostSystem", "value": "host-1"},
        "summary": {"hardware": {"memorySize": 64 << 30}}}  # fmt: skip


def vm(name: Any = "v1", **over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": name, "config": {"hardware": {"memoryMB": 4096, "numCPU": 2}},
                           "runtime": {"host": {"type": "HostSystem", "value": "host-1"}}}  # fmt: skip
    doc.update(over)
    return doc


# --- govc: non-finite numbers, wrong types, wrong shapes ---------------------------------------


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_govc_non_finite_memory_is_a_skipped_row(tmp_path: Path, literal: str) -> None:
    path = tmp_path / "g.json"
    text = json.dumps({"hostSystems": [HOST], "virtualMachines": [vm("bad"), vm("good")]})
    path.write_text(text.replace('"memoryMB": 4096', f'"memoryMB": {literal}', 1))
    code, out, err = cli("import", "govc", str(path))
    assert code == 0
    shown = {"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf", "1e400": "inf"}[literal]
    assert (f"import: VM #1 (bad): config.hardware.memoryMB {shown} is not a finite number\n"
            in err)  # fmt: skip
    assert "1 VM, 1 host" in err
    assert '"good"' in out
    assert '"bad"' not in out


def test_govc_values_of_the_wrong_type(tmp_path: Path) -> None:
    doc = {
        "hostSystems": [HOST, 5, "x", {**HOST, "name": ["a"], "self": {"value": "host-2"}}],
        "virtualMachines": [
            vm("two-cpus", config={"hardware": {"memoryMB": 2048, "numCPU": "two"}},
               summary={"quickStats": [1, 2]}),
            vm({"a": 1}),
            vm("str-memory", config={"hardware": {"memoryMB": "4096"}}),
            vm("ok"),
        ],
    }  # fmt: skip
    code, out, err = cli("import", "govc", str(write_json(tmp_path, doc)))
    assert code == 0
    lines = err.splitlines()
    for expected in [
        "import: hostSystems item #2: a number, not an object",
        "import: hostSystems item #3: text, not an object",
        "import: host #2: name is a list, not text",
        "import: VM #2: name is an object, not text",
        "import: VM #3 (str-memory): config.hardware.memoryMB 4096 is not a finite number",
        "import: VM #1 (two-cpus): numCPU two is not a CPU count; assumed 1",
        "import: VM #1 (two-cpus): summary.quickStats is a list, not an object; no usage imported",
    ]:
        assert expected in lines
    assert lines[-1] == (
        "import: imported 2 VMs, 1 host, 0 clusters from g.json; 5 rows skipped, 2 repairs"
    )
    assert '{name: "two-cpus", memory: 2GiB}' in out


def test_govc_object_collect_with_a_wrong_propset(tmp_path: Path) -> None:
    doc = [{"obj": {"type": "HostSystem", "value": "host-1"}, "propSet": 7},
           {"obj": {"type": "VirtualMachine", "value": "vm-1"}, "propSet": "x"}]  # fmt: skip
    path = write_json(tmp_path, doc)
    code, _, err = cli("import", "govc", str(path))
    assert code == 4
    assert "import: object #1: propSet is a number, not a list" in err
    assert "import: object #2: propSet is text, not a list" in err
    assert err.endswith(f"{path}:1:1: error: no VM imported: 2 rows read, none usable"
                        " (the 'import:' lines say why)\nmemplan: 1 problem; nothing was"
                        " imported\n")  # fmt: skip


def test_an_import_without_vms_is_an_error_unless_it_is_hosts_alone(tmp_path: Path) -> None:
    bad = vm("v", config={"hardware": {"memoryMB": None}})
    path = write_json(tmp_path, {"hostSystems": [HOST], "virtualMachines": [bad]})
    code, out, err = cli("import", "govc", str(path))
    assert (code, out) == (4, "")
    assert err.endswith(f"{path}:1:1: error: no VM imported: 2 rows read, none usable"
                        " (the 'import:' lines say why)\nmemplan: 1 problem; nothing was"
                        " imported\n")  # fmt: skip
    code, out, _ = cli("import", "govc", str(write_json(tmp_path, {"hostSystems": [HOST]})))
    assert code == 0  # hosts alone: a plan for an empty cluster
    assert 'name: "esx1"' in out


@pytest.mark.parametrize("which", ["govc", "baseline"])
def test_json_nested_5000_deep(tmp_path: Path, which: str) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 5000 + "]" * 5000)
    if which == "govc":
        code, _, err = cli("import", "govc", str(path))
        assert (code, err) == (4, f"{path}:1:1: error: JSON nested too deeply\n"
                                  "memplan: 1 problem; nothing was imported\n")  # fmt: skip
    else:
        code, _, err = cli("check", str(SAMPLES / "small.yaml"), "--baseline", str(path))
        assert (code, err) == (2, f"memplan: error: --baseline {path}: JSON nested too deeply\n")


def test_govc_nested_just_below_the_json_limit(tmp_path: Path) -> None:
    """Deep enough for the parser, too deep for a recursive walk: still one line."""
    path = tmp_path / "deep.json"
    path.write_text('{"a":' * 900 + "1" + "}" * 900)
    code, _, err = cli("import", "govc", str(path))
    assert code == 4
    assert err.startswith(f"{path}:1:1: error: ")
    assert err.count("\n") == 2  # the problem and the summary


# --- every file is checked before it is read -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "label"),
    [
        (["check", str(SAMPLES / "small.yaml"), "--baseline", "/dev/zero"], "--baseline /dev/zero"),
        (["import", "govc", "/dev/zero"], "/dev/zero"),
    ],
)
def test_devices_are_refused_before_reading(args: list[str], label: str) -> None:
    """A flag's file is a usage error (exit 2); an import's input is the data (exit 4,
    FILE:1:1, as check says of an inventory)."""
    code, _, err = cli(*args)
    why = "is not a regular file (a FIFO, socket or device); memplan reads files only"
    if args[0] == "check":
        assert (code, err) == (2, f"memplan: error: {label}: {why}\n")
    else:
        assert (code, err) == (4, f"{label}:1:1: error: {why}\n"
                                  "memplan: 1 problem; nothing was imported\n")  # fmt: skip


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_baseline_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "b.json"
    os.mkfifo(fifo)
    code, _, err = cli("check", str(SAMPLES / "small.yaml"), "--baseline", str(fifo))
    assert code == 2
    assert "is not a regular file" in err


def test_a_huge_sparse_govc_file_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with open(path, "wb") as fh:
        fh.truncate(200 * 1024 * 1024)
    code, _, err = cli("import", "govc", str(path))
    assert (code, err) == (4, f"{path}:1:1: error: file is larger than 134217728 bytes"
                              " (128 MiB), the limit\nmemplan: 1 problem; nothing was"
                              " imported\n")  # fmt: skip


@pytest.mark.parametrize(
    ("doc", "why"),
    [
        ({}, "not a memplan baseline or JSON report (no 'baseline' or 'findings' list)"),
        ([1, 2], "not a memplan baseline or JSON report (no 'baseline' or 'findings' list)"),
        ({"baseline": [{"rule": "MP101", "kind": "vm"}]},
         "finding #1 is not an object with text rule, kind and subject"),
        ({"baseline": [{"rule": 1, "kind": "vm", "subject": "x"}]},
         "finding #1 is not an object with text rule, kind and subject"),
    ],
)  # fmt: skip
def test_baselines_of_the_wrong_shape(tmp_path: Path, doc: Any, why: str) -> None:
    path = write_json(tmp_path, doc, "b.json")
    code, _, err = cli("check", str(SAMPLES / "small.yaml"), "--baseline", str(path))
    assert (code, err) == (2, f"memplan: error: --baseline {path}: {why}\n")


def test_baseline_with_nan_is_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text('{"baseline": [{"rule": NaN, "kind": "vm", "subject": "x"}]}')
    code, _, err = cli("check", str(SAMPLES / "small.yaml"), "--baseline", str(path))
    assert code == 2
    assert "finding #1 is not an object with text rule, kind and subject" in err


# --- RVTools CSV: encodings, delimiters, thousands separators, quotes -------------------------

INFO = [["VM", "Powerstate", "CPUs", "Memory", "Host"],
        ["web01", "poweredOn", "2", "{web}", "esx1"],
        ["Grüße", "poweredOn", "1", "4096", "esx1"]]  # fmt: skip
HOSTS = [["Host", "# Memory", "ESX Version"], ["esx1", "{host}", "VMware ESXi 8.0.2"]]


def export(tmp_path: Path, sep: str, encoding: str, bom: bytes = b"", web: str = "16384",
           host: str = "262144") -> Path:  # fmt: skip
    folder = tmp_path / "export"
    folder.mkdir()
    for name, rows in (("vInfo", INFO), ("vHost", HOSTS)):
        lines = [sep.join(c.format(web=web, host=host) for c in row) for row in rows]
        data = bom + ("\r\n".join(lines) + "\r\n").encode(encoding)
        (folder / f"RVTools_tab{name}.csv").write_bytes(data)
    return folder


@pytest.mark.parametrize(
    ("sep", "encoding", "bom", "stated"),
    [
        ("\t", "utf-16-le", b"\xff\xfe", "encoding UTF-16 LE (byte order mark), delimiter tab"),
        ("\t", "utf-16-be", b"\xfe\xff", "encoding UTF-16 BE (byte order mark), delimiter tab"),
        (",", "utf-16-le", b"", "encoding UTF-16 LE (no byte order mark)"),
        (
            ";",
            "cp1252",
            b"",
            (
                "delimiter semicolon",
                "encoding Windows-1252 (not UTF-8 or UTF-16), delimiter semicolon",
            ),
        ),
        (",", "utf-8", b"\xef\xbb\xbf", None),
        ("\t", "utf-8", b"", "delimiter tab"),
    ],
)
def test_csv_encodings_and_delimiters_are_detected_and_stated(
    tmp_path: Path, sep: str, encoding: str, bom: bytes, stated: str | tuple[str, str] | None
) -> None:
    """vHost is plain ASCII: only vInfo (with 'Grüße') needs Windows-1252."""
    code, out, err = cli("import", "rvtools", str(export(tmp_path, sep, encoding, bom)))
    assert code == 0, err
    assert '{name: "Grüße", memory: 4GiB}' in out
    assert '{name: "web01", memory: 16GiB, vcpus: 2}' in out
    assert "memory: 256GiB" in out
    dialect = [line for line in err.splitlines() if ".csv: read with" in line]
    if stated is None:
        assert dialect == []
    else:
        host, info = (stated, stated) if isinstance(stated, str) else stated
        assert dialect == [f"import: RVTools_tabvHost.csv: read with {host}",
                           f"import: RVTools_tabvInfo.csv: read with {info}"]  # fmt: skip


@pytest.mark.parametrize(
    ("web", "host", "memory", "host_memory"),
    [
        ("16,384", "262,144.0", "16GiB", "256GiB"),  # a decimal point elsewhere: commas group
        ("16.384", "262.144,0", "16GiB", "256GiB"),  # a decimal comma elsewhere: points group
        ("1,5", "262.144", "1536KiB", "256GiB"),  # 1,5 is a decimal comma: 262.144 groups
        ("16 384", "262 144", "16GiB", "256GiB"),  # spaces group thousands
        ("16'384", "1,048,576", "16GiB", "1TiB"),  # Swiss apostrophes; two commas group
    ],
)
def test_thousands_separators_are_read_right(
    tmp_path: Path, web: str, host: str, memory: str, host_memory: str
) -> None:
    code, out, err = cli(
        "import", "rvtools", str(export(tmp_path, ";", "utf-8", web=web, host=host))
    )
    assert code == 0, err
    assert f'{{name: "web01", memory: {memory}, vcpus: 2}}' in out
    assert f"memory: {host_memory}" in out


def test_an_ambiguous_thousands_separator_is_refused_never_read_1000x_smaller(
    tmp_path: Path,
) -> None:
    code, out, err = cli("import", "rvtools", str(export(tmp_path, ";", "utf-8", web="16,384")))
    assert code == 0
    assert "web01" not in out  # not 16.384 MiB
    lines = notes(err)
    assert lines[0] == (
        "import: 1 number read as empty: '16,384'; with no decimal comma or point elsewhere in"
        " the export, '16,384' could be either a thousands separator or a decimal one: export"
        " without thousands separators"
    )
    assert "import: vInfo row 2 (web01): no memory value (vInfo Memory, vMemory Size MiB)" in lines


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity", "1e400"])
def test_non_finite_memory_text_in_rvtools(tmp_path: Path, value: str) -> None:
    code, out, err = cli("import", "rvtools", str(export(tmp_path, ",", "utf-8", web=value)))
    assert code == 0
    assert "web01" not in out
    assert f"import: 1 number read as empty: {value!r} (not finite)" in err.splitlines()


def test_an_unterminated_quote_reports_every_line_it_swallowed(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    folder.mkdir()
    (folder / "RVTools_tabvInfo.csv").write_text(
        'VM,Memory,Host,Annotation\nweb01,1024,esx1,"never closed\nweb02,2048,esx1,x\n'
        "web03,2048,esx1,y\n"
    )
    (folder / "RVTools_tabvHost.csv").write_text("Host,# Memory\nesx1,65536\n")
    code, out, err = cli("import", "rvtools", str(folder))
    assert code == 0
    assert "web02" not in out
    for line in (3, 4):
        assert (f"import: vInfo line {line}: read inside the quoted field that starts on line 2"
                " (row 2); a quote that is never closed swallows the lines after it"
                in notes(err))  # fmt: skip
    assert "2 rows skipped" in err


def test_an_export_where_every_row_is_unusable_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "RVTools_tabvInfo.csv").write_text("Name|Size\nweb01|1024\nweb02|2048\n")
    code, out, err = cli("import", "rvtools", str(folder))
    assert (code, out) == (4, "")
    message = f"{folder}:1:1: error: no VM imported: 2 rows read, none usable"
    assert err.endswith(f"{message} (the 'import:' lines say why)\n"
                        "memplan: 1 problem; nothing was imported\n")  # fmt: skip
    code, _, err = cli("check", str(folder))
    assert code == 4
    assert err.endswith(f"{message} (the 'import:' lines say why)\n"
                        "memplan: 1 problem; nothing was checked\n")  # fmt: skip


def test_csv_with_nul_and_huge_cells(tmp_path: Path) -> None:
    folder = tmp_path / "n"
    folder.mkdir()
    tab = folder / "RVTools_tabvInfo.csv"
    tab.write_bytes(b"VM,Memory,Host\nweb\x0001,1024,esx1\n")
    code, _, err = cli("import", "rvtools", str(folder))
    assert (code, err) == (4, f"{tab}:1:1: error: contains NUL characters: not a text CSV"
                              " export\nmemplan: 1 problem; nothing was imported\n")  # fmt: skip
    tab.write_text("VM,Memory,Host\n" + "x" * 40_000 + ",1024,esx1\n")
    for command in (["import", "rvtools"], ["check"]):  # the same line from both
        code, _, err = cli(*command, str(folder))
        assert code == 4
        assert err.startswith(f"{tab}:2:1: error: a cell longer than 32,767 characters"
                              " (Excel's limit)\n")  # fmt: skip


# --- RVTools workbooks: bounded before calamine sees them ------------------------------------

HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        '.org/spreadsheetml/2006/main"><sheetData>')  # fmt: skip


def workbook(path: Path, rows: str, sheet: str = "vInfo") -> Path:
    """A minimal .xlsx with one sheet whose sheetData is ``rows``."""
    import zipfile

    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            (
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
                '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
                'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
                '.worksheet+xml"/></Types>'
            ),
        )
        z.writestr(
            "_rels/.rels",
            (
                '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
                f'2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
                'Target="xl/workbook.xml"/></Relationships>'
            ),
        )
        z.writestr(
            "xl/workbook.xml",
            (
                '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml'
                f'/2006/main" xmlns:r="{rel}"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/>'
                "</sheets></workbook>"
            ),
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            (
                '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
                f'2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
                'Target="worksheets/sheet1.xml"/></Relationships>'
            ),
        )
        z.writestr("xl/worksheets/sheet1.xml", HEAD + rows + "</sheetData></worksheet>")
    return path  # fmt: skip


def cell(ref: str, text: str, attrs: str = "") -> str:
    return f'<c r="{ref}"{attrs} t="inlineStr"><is><t>{text}</t></is></c>'


HEADER = f'<row r="1">{cell("A1", "VM")}{cell("B1", "Memory")}{cell("C1", "Host")}</row>'


@pytest.mark.parametrize(
    ("rows", "why"),
    [
        (HEADER + f'<row r="1048576">{cell("XFD1048576", "x")}</row>',
         "sheet vInfo spans 1,048,576 rows; the limit is 150,000 data rows (vCenter 8 holds at"
         " most 45,000 VMs, 150,000 in linked mode)"),
        (HEADER + '<row r="2"><c s="1" r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
         + f'<row r="2000">{cell("A2000", "x")}</row>',
         "sheet vInfo spans 2,000 rows by 16,384 columns; the limit is 20,000,000 cells"),
        (HEADER + '<row r="99"><c t="inlineStr"><is><t>x</t></is></c></row>',
         "sheet vInfo has cells without a cell reference (r=...), so its size cannot be checked"
         " before reading; save it again with Excel or LibreOffice"),
        (HEADER + f'<row r="2">{cell("A2", "v" * 40_000)}{cell("B2", "1024")}</row>',
         "sheet vInfo: a cell longer than 32,767 characters (Excel's limit)"),
        (HEADER + f'<row r="2">{cell("A2", "v" * 300)}{cell("B2", "1024")}{cell("C2", "h")}</row>',
         "vInfo row 2: a name of 300 characters; the limit is 255 (a DNS name's length)"),
    ],
)  # fmt: skip
def test_workbooks_beyond_a_limit_exit_4_naming_it(tmp_path: Path, rows: str, why: str) -> None:
    path = workbook(tmp_path / "x.xlsx", rows)
    for args in (["import", "rvtools", str(path)], ["check", str(path)]):
        code, out, err = cli(*args)
        assert (code, out) == (4, "")
        assert err.splitlines()[0] == f"{path}:1:1: error: {why}"


def test_a_zip_bomb_workbook_is_refused_by_its_declared_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the limit lowered to 1 MiB (writing the 1 GiB it really is would take seconds):
    4 MiB of spaces compress to a few KB."""
    import zipfile

    from memplan.importers import files

    monkeypatch.setattr(files, "MAX_WORKBOOK_EXPANDED", 1 << 20)
    path = workbook(tmp_path / "bomb.xlsx", HEADER)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b" " * (4 << 20))
    assert path.stat().st_size < 64 << 10
    code, _, err = cli("import", "rvtools", str(path))
    assert code == 4
    with zipfile.ZipFile(path) as z:
        declared = z.getinfo("xl/sharedStrings.xml").file_size
        declared += z.getinfo("xl/worksheets/sheet1.xml").file_size
    assert err.splitlines()[0] == (
        f"{path}:1:1: error: the sheets memplan reads expand to {declared:,} bytes of XML;"
        " the limit is 1 MiB"
    )


def test_the_real_export_passes_the_workbook_checks(tmp_path: Path) -> None:
    from memplan.importers import files
    from tests.helpers import DATA

    files.check_workbook(str(DATA / "rvtools" / "example1.xlsx"), ["vinfo", "vmemory", "vhost"])


def test_a_long_name_in_the_inventory_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "n.yaml"
    path.write_text(f"version: 1\nhosts:\n  - name: {'h' * 256}\n    memory: 64GiB\n")
    code, _, err = cli("check", str(path))
    assert code == 4
    assert err.splitlines()[0] == (
        f"{path}:3:11: error: host name is 256 characters long; the limit is 255"
    )


def test_headroom_of_a_tiny_shape_stops_at_vsphere_maximums(tmp_path: Path) -> None:
    """--vm 1MiB counted copies until a 100,000 cap, placing each one by re-evaluating its
    host: it never ended. A host runs at most 1,024 VMs (vSphere 8 configuration maximum):
    one host with one VM takes 1,023 more."""
    path = tmp_path / "one.yaml"
    path.write_text("version: 1\nclusters:\n  - name: c\n    hosts:\n      - name: h\n"
                    "        memory: 1TiB\n        vms: [{name: v, memory: 4GiB}]\n")  # fmt: skip
    code, out, _ = cli("headroom", str(path), "--vm", "1MiB", "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert [c["count"] for c in doc["clusters"]] == [1023]
    assert [(h["count"], h["limit"]) for h in doc["hosts"]] == [
        (1023, "vSphere's 1024 VMs per host")
    ]
