"""The command line through CliRunner: exit codes, stdout, stderr, help, colour, --output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memplan import __version__
from memplan.cli import app
from tests.helpers import ROOT

SMALL = "samples/small.yaml"
REALISTIC = "samples/realistic.yaml"
WARN_ONLY = """version: 1
hosts:
  - name: h
    memory: 64GiB
    vms: [{name: v, memory: 16GiB, limit: 8GiB}]
"""


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner(env=env).invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_ok_inventory_exits_0() -> None:
    code, out, err = run("check", SMALL)
    assert code == 0
    assert "verdict: OK · 0 fail, 0 warn" in out
    assert err == ""


def test_failing_inventory_exits_1() -> None:
    code, out, _ = run("check", REALISTIC)
    assert code == 1
    assert "verdict: FAIL" in out


def test_usage_error_exits_2() -> None:
    code, _, err = run("check", SMALL, "--fail-on", "sometimes")
    assert code == 2
    assert "Invalid value for '--fail-on'" in err


def test_warnings_exit_0_by_default_and_3_with_fail_on_warn(tmp_path: Path) -> None:
    path = tmp_path / "warn.yaml"
    path.write_text(WARN_ONLY)
    assert run("check", str(path))[0] == 0
    assert run("check", str(path), "--fail-on", "warn")[0] == 3
    assert run("check", REALISTIC, "--fail-on", "warn")[0] == 1


def test_fail_on_never_exits_0() -> None:
    assert run("check", REALISTIC, "--fail-on", "never")[0] == 0


def test_invalid_inventory_exits_4() -> None:
    code, out, err = run("check", "tests/data/invalid/duplicate_key.yaml")
    assert (code, out) == (4, "")
    assert err.startswith("tests/data/invalid/duplicate_key.yaml:5:5: error: duplicate key")


def test_version() -> None:
    assert run("--version") == (0, f"memplan {__version__}\n", "")


@pytest.mark.parametrize(
    "command",
    ["check", "validate", "thresholds", "project", "headroom", "rightsize", "diff", "schema"],
)
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Example: memplan " in out


def test_top_level_help_lists_commands_and_exit_codes() -> None:
    code, out, _ = run("--help")
    assert code == 0
    for word in ("check", "validate", "thresholds", "project", "headroom", "Exit codes"):
        assert word in out


def test_no_args_shows_help() -> None:
    code, out, err = run()
    assert code in (0, 2)
    assert "Usage" in out + err


def test_output_is_plain_when_not_a_terminal() -> None:
    _, out, _ = run("check", REALISTIC)
    assert "\x1b[" not in out


def test_no_color_env_and_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    colored = run("check", REALISTIC)[1]
    assert "\x1b[" in colored
    assert "\x1b[" not in run("check", REALISTIC, "--no-color")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run("check", REALISTIC)[1]


def test_json_format_is_parseable_and_has_the_documented_keys() -> None:
    code, out, _ = run("check", SMALL, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema_version"] == 1
    assert {"verdict", "hosts", "clusters", "vms", "findings"} <= set(doc)
    host = doc["hosts"][0]
    for key in ("name", "cluster", "memory_bytes", "capacity_bytes", "min_free_bytes",
                "demand_bytes", "free_bytes", "state", "overcommit_ratio", "verdict"):  # fmt: skip
        assert key in host
    vm = doc["vms"][0]
    for key in ("name", "host", "configured_bytes", "overhead_bytes", "verdict"):
        assert key in vm


def test_output_file_written_only_after_success(tmp_path: Path) -> None:
    out_file = tmp_path / "report.json"
    code, out, _ = run("check", SMALL, "--format", "json", "--output", str(out_file))
    assert (code, out) == (0, "")
    assert json.loads(out_file.read_text())["verdict"] == "ok"
    bad = tmp_path / "never.json"
    assert run("check", "tests/data/invalid/empty.yaml", "-o", str(bad))[0] == 4
    assert not bad.exists()


def test_outputs_replace_old_reports_whole_and_leave_no_temporary_file(tmp_path: Path) -> None:
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    report.write_text("old report")
    code, _, _ = run("check", SMALL, "-f", "json", "-o", str(report), "-o", f"junit={junit}")
    assert code == 0
    assert json.loads(report.read_text())["verdict"] == "ok"
    assert junit.read_text().startswith("<?xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml", "report.json"]


def test_an_output_through_a_symlink_replaces_its_target_and_keeps_its_mode(
    tmp_path: Path,
) -> None:
    target, link = tmp_path / "reports" / "report.json", tmp_path / "latest.json"
    target.parent.mkdir()
    target.write_text("old report")
    target.chmod(0o640)
    link.symlink_to(target)
    assert run("check", SMALL, "-f", "json", "-o", str(link))[0] == 0
    assert link.is_symlink()
    assert json.loads(target.read_text())["verdict"] == "ok"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]


def test_a_failed_output_keeps_the_old_files(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("old report")
    missing = tmp_path / "no" / "such" / "dir.xml"
    code, _, err = run("check", SMALL, "-f", "json", "-o", str(report), "-o", f"junit={missing}")
    assert code == 2
    assert f"cannot write {missing}" in err
    assert report.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_output_to_unwritable_place_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("check", SMALL, "-o", str(tmp_path / "no" / "such" / "dir.json"))
    assert code == 2
    assert "cannot write" in err


def test_dash_is_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a file named '-' would land here
    small = str(ROOT / SMALL)
    table = run("check", small)[1]
    assert run("check", small, "-o", "-") == (0, table, "")
    code, out, _ = run("check", small, "-f", "json", "-o", "-", "-o", "junit=r.xml")
    assert (code, json.loads(out)["verdict"]) == (0, "ok")
    assert (tmp_path / "r.xml").read_text().startswith("<?xml")
    code, out, _ = run("check", small, "-o", "r.txt", "-o", "sarif=-")  # table to a file
    assert (code, json.loads(out)["version"]) == (0, "2.1.0")
    code, out, _ = run("check", small, "--write-baseline", "-", "-o", "r.txt")  # report aside
    assert json.loads(out)["baseline"] == []  # stdout is the baseline alone: it parses
    code, out, _ = run("project", small, "-f", "json", "-o", "-")
    assert (code, out.startswith("{")) == (0, True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt", "r.xml"]  # no '-'


def test_two_outputs_to_stdout_are_a_usage_error() -> None:
    code, out, err = run("check", SMALL, "-o", "sarif=-")
    assert (code, out) == (2, "")
    assert err == (
        "memplan: error: -o sarif=-: stdout already carries the table output; write one of"
        " them to a file (-o FILE, or -o sarif=FILE), or print sarif alone (-f sarif)\n"
    )
    for quiet in ([], ["-q"], ["-f", "json"]):  # the verdict line or JSON, then a baseline
        code, out, err = run("check", SMALL, "--write-baseline", "-", *quiet)
        assert (code, out) == (2, "")
        shown = "json" if quiet == ["-f", "json"] else "table"
        assert err == (
            f"memplan: error: --write-baseline -: stdout already carries the {shown} output;"
            " write the baseline to a file, or the report (-o FILE)\n"
        )


def test_explain_shows_formula_inputs_and_sources() -> None:
    _, out, _ = run("check", REALISTIC, "--explain")
    assert "formula: need = soft edge - free > balloonable" in out
    assert "source: minFree sliding scale" in out
    assert "at samples/realistic.yaml:" in out


def test_validate() -> None:
    assert run("validate", REALISTIC) == (
        0, "samples/realistic.yaml: valid (3 clusters, 13 hosts, 157 VMs)\n", "")  # fmt: skip


@pytest.mark.parametrize(
    ("size", "min_free", "esxtop"),
    [("130607MiB", "1920.47 MiB", "1920 MiB"), ("32510MiB", "939.50 MiB", "939 MiB")],
)
def test_thresholds_match_esxtop(size: str, min_free: str, esxtop: str) -> None:
    code, out, _ = run("thresholds", size)
    assert code == 0
    assert f"minFree {min_free} (esxtop shows {esxtop})" in out


def test_thresholds_json() -> None:
    code, out, _ = run("thresholds", "130607MiB", "--format", "json")
    doc = json.loads(out)
    assert (code, doc["min_free_mib_esxtop"], doc["state_table"]) == (0, 1920, "6.0+")
    assert [s["state"] for s in doc["states"]] == ["high", "clear", "soft", "hard", "low"]


def test_thresholds_old_esxi_and_reading_a() -> None:
    out = run("thresholds", "64GiB", "--esxi", "5.5", "--reading", "A")[1]
    assert "table 4.1-5.x, reading A" in out
    assert "clear" not in out


def _threshold_rows(out: str) -> dict[str, tuple[str, str, str]]:
    """State -> (threshold, band in % of minFree, band in MiB) of the thresholds table."""
    rows = {}
    for line in out.splitlines():
        words = line.split(maxsplit=2)
        if words[:1] and words[0] in ("high", "clear", "soft", "hard", "low"):
            pct_band, mib_band = words[2].split("   ", 1)
            rows[words[0]] = (words[1], pct_band.strip(), mib_band.strip())
    return rows


def test_thresholds_reading_b_says_low_starts_below_hard_not_at_its_own_16_percent() -> None:
    """Reading B: every threshold shown beside a band is that band's lower edge, except
    low's 16%, which is marked and explained with the figure that applies to this host."""
    code, out, _ = run("thresholds", "130607MiB", env={"COLUMNS": "80"})
    assert code == 0
    assert max(map(len, out.splitlines())) <= 80
    assert _threshold_rows(out) == {
        "high": ("400%", "400% and more", "7681.88 MiB and more"),
        "clear": ("100%", "100% to 400%", "1920.47 MiB to 7681.88 MiB"),
        "soft": ("64%", "64% to 100%", "1229.10 MiB to 1920.47 MiB"),
        "hard": ("32%", "32% to 64%", "614.55 MiB to 1229.10 MiB"),
        "low": ("16%*", "below 32%", "below 614.55 MiB"),
    }
    assert (
        "* Reading B (memplan's default): each threshold is the lower edge of its own\n"
        "  state's band, so low is everything below hard's 32% (614.55 MiB on this host);\n"
        "  low's own 16% (307.28 MiB) is no edge. An esxtop capture and a reader's test\n"
    ) in out


def test_thresholds_reading_a_marks_highs_400_percent_instead() -> None:
    out = run("thresholds", "130607MiB", "--reading", "A", env={"COLUMNS": "80"})[1]
    rows = _threshold_rows(out)
    assert rows["high"] == ("400%*", "100% and more", "1920.47 MiB and more")
    assert rows["low"] == ("16%", "below 16%", "below 307.28 MiB")
    assert "high is everything from clear's 100% (1920.47 MiB on this host)" in out
    doc = json.loads(run("thresholds", "130607MiB", "--reading", "A", "-f", "json")[1])
    assert [s["threshold_is_edge"] for s in doc["states"]] == [False, True, True, True, True]


def test_thresholds_json_says_which_threshold_is_no_edge() -> None:
    doc = json.loads(run("thresholds", "130607MiB", "--format", "json")[1])
    assert [s["threshold_is_edge"] for s in doc["states"]] == [True, True, True, True, False]
    assert doc["states"][-1]["free_from_bytes"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [(["thresholds", "128"], "has no unit"), (["thresholds", "0"], "above 0"),
     (["thresholds", "1GiB", "--esxi", "eight"], "not a version")],
)  # fmt: skip
def test_thresholds_usage_errors(args: list[str], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert message in err


def test_vms_lists_reclamation_per_vm_on_contended_hosts() -> None:
    code, out, _ = run("check", REALISTIC, "--vms")
    assert code == 1
    assert "reclamation on esx-db02.prod.example · soft · need 7.2 GiB" in out
    assert "reclamation on esx-web01" not in out  # not contended


def test_host_drill_down_and_unknown_host() -> None:
    out = run("check", REALISTIC, "--host", "esx-web01.prod.example")[1]
    assert "reclamation on esx-web01.prod.example · high · need 0.0 GiB" in out
    code, _, err = run("check", REALISTIC, "--host", "esx-db0")
    assert code == 2
    assert "no host 'esx-db0'; did you mean 'esx-db01.prod.example'?" in err


TWO_HOSTS = """version: 1
clusters:
  - name: c
    hosts:
      - name: esx1
        memory: 16GiB
        vms: [{name: big, memory: 32GiB}]
      - name: esx10
        memory: 256GiB
        vms: [{name: v10, memory: 16GiB, limit: 8GiB}]
    vms: [{name: p, memory: 4GiB}]
"""


def test_host_shows_that_host_alone_and_the_whole_verdict(tmp_path: Path) -> None:
    """--host esx10 prints esx10's row, its VMs (p placed on it by most free memory), its
    one finding and the note naming it; nothing of esx1 (a name esx10 starts with), whose
    failures still set the verdict and the exit code (docs/ci.md)."""
    path = tmp_path / "two.yaml"
    path.write_text(TWO_HOSTS)
    code, out, err = run("check", str(path), "--host", "esx10", env={"COLUMNS": "80"})
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert "cluster c · 2 hosts · ratio 0.20 · worst state low · fail" in lines
    assert [line.split()[0] for line in lines if line.startswith("esx")] == ["esx10", "esx10:"]
    assert "note: placed p on esx10 (cluster VM without host:, most free memory)" in lines
    assert not [line for line in lines if "managed" in line or "esx1 " in line or "big" in line]
    assert [line.split()[:2] for line in lines if line.startswith(("fail ", "warn "))] == [
        ["warn", "MP102"]
    ]
    assert "reclamation on esx10 · high · need 0.0 GiB" in lines
    assert [line.split()[0] for line in lines[lines.index("reclamation on esx10 · high · need"
                                                          " 0.0 GiB") + 3:][:2]] == ["p", "v10"]  # fmt: skip
    assert lines[-3:] == [
        "esx10: 0 fail, 1 warn (the host, its 2 VMs, cluster c) · not shown: 3 findings",
        "  and the notes about the rest · verdict and exit code: the whole inventory's",
        "verdict: FAIL · 3 fail, 1 warn · 1 cluster, 2 hosts, 3 VMs (3 on)",
    ]
    code, out, _ = run("check", str(path), "--host", "esx1", env={"COLUMNS": "80"})
    assert code == 1
    assert "placed p on esx10" not in out
    assert "fail MP101 vm-larger-than-host · vm big" in out
    assert "esx1: 3 fail, 0 warn (the host, its 1 VM, cluster c)" in out


def test_output_to_a_device_is_written_directly() -> None:
    """/dev/null (like /dev/stdout or a pipe) is not a regular file: nothing is staged."""
    assert run("check", SMALL, "-f", "json", "-o", "/dev/null")[0] == 0
    assert not Path("/dev/null").is_file()


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "csv", "codeclimate", "html"])
def test_several_inventories_with_a_one_document_format_is_a_usage_error(fmt: str) -> None:
    code, stdout, stderr = run("check", "samples/small.yaml", "samples/realistic.yaml", "-f", fmt)
    assert code == 2
    assert stdout == ""
    assert f"-f {fmt} writes one document per inventory" in stderr


def test_several_inventories_print_one_table_each_and_exit_with_the_worst() -> None:
    code, stdout, _ = run("check", "samples/small.yaml", "samples/realistic.yaml")
    assert code == 1  # realistic fails
    assert stdout.count("verdict: ") == 2
    assert "memplan check samples/small.yaml" in stdout
    assert "memplan check samples/realistic.yaml" in stdout


@pytest.mark.parametrize(
    "command", [["check"], ["project"], ["headroom", "--vm", "4GiB"], ["rightsize"]]
)
def test_an_inventory_without_hosts_says_so(tmp_path: Path, command: list[str]) -> None:
    # an empty check printed "Demand hidden at 80 columns: --wide or COLUMNS=87 shows
    # them" about a table it never printed; headroom and rightsize a header over no rows
    path = tmp_path / "empty.yaml"
    path.write_text("version: 1\n")
    code, out, err = run(command[0], str(path), *command[1:], env={"COLUMNS": "80"})
    assert (code, err) == (0, "")
    assert "no hosts" in out
    assert "hidden" not in out
    assert not any(line.startswith(("Host ", "Cluster ")) for line in out.splitlines())


def test_one_format_commands_refuse_check_s_format_equals_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """project, trend, rightsize and import write one format (-f): `-o json=-` wrote the
    table to a file named 'json=-'. It is a usage error that says what to write."""
    small = str(ROOT / SMALL)
    monkeypatch.chdir(tmp_path)
    for args in (
        ["project", small, "-o", "json=-"],
        ["rightsize", small, "-o", "json=p.json"],
        ["trend", str(ROOT / "samples/history"), "-o", "csv=-"],
        ["import", "rvtools", str(ROOT / "tests/data/rvtools/example1.xlsx"), "-o", "yaml=-"],
    ):
        code, out, err = run(*args)
        assert (code, out) == (2, ""), (args, err)
        value = args[-1]
        assert err == (
            f"memplan: error: -o {value}: this command writes one format, chosen with -f; give"
            f" -o FILE, or -o - for stdout (a file named so: -o ./{value})\n"
        )
    assert list(tmp_path.iterdir()) == []


def test_markdown_counts_read_in_the_singular_too() -> None:
    code, out, _ = run("check", "tests/data/rvtools/example1.xlsx", "-f", "markdown")
    assert code == 0
    assert "0 fail, 4 warn · 1 cluster, 7 hosts, 9 VMs · `tests/data/rvtools/example1.xlsx`" in out
