"""CI gating: schema-valid SARIF and JUnit, locations, waivers, baselines, outputs, auto."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from typer.testing import CliRunner

from memplan import engine
from memplan.cli import app
from memplan.model import Scenario
from tests.helpers import ROOT, inv

GOLDEN = ROOT / "tests" / "golden"
SCHEMAS = ROOT / "tests" / "schemas"


def test_sarif_validates_against_the_sarif_2_1_0_schema() -> None:
    schema = json.loads((SCHEMAS / "sarif-2.1.0-rtm.5.json").read_text())
    log = json.loads((GOLDEN / "realistic.sarif").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    assert len(results) == 20  # 10 fail + 10 warn, as realistic.txt's verdict line says
    assert {r["level"] for r in results} == {"error", "warning"}
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert all(r["help"]["text"] for r in rules)


def test_sarif_schema_catches_a_broken_log() -> None:
    """The validation above can fail: a result without a message is rejected."""
    schema = json.loads((SCHEMAS / "sarif-2.1.0-rtm.5.json").read_text())
    log = json.loads((GOLDEN / "realistic.sarif").read_text())
    del log["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(log)


def test_junit_validates_against_the_junit_schema() -> None:
    schema = xmlschema.XMLSchema(str(SCHEMAS / "junit.xsd"))
    schema.validate(str(GOLDEN / "realistic.junit.xml"))
    doc = schema.to_dict(str(GOLDEN / "realistic.junit.xml"))
    assert doc["@failures"] == 10  # the ten fail findings of the realistic sample
    assert {s["@name"] for s in doc["testsuite"]} == {"dev", "prod-db", "prod-web", "standalone"}
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema.validate("<testsuites><testsuite/></testsuites>")  # no name, no tests


def _finding(report: object, rule: str, subject: str) -> object:
    return next(f for f in report.findings if f.rule == rule and f.subject == subject)  # type: ignore[attr-defined]


def test_a_vm_finding_points_at_that_vms_line() -> None:
    text = (ROOT / "samples" / "realistic.yaml").read_text().splitlines()
    report = engine.evaluate(inv((ROOT / "samples" / "realistic.yaml").read_text()))
    for rule, subject in (
        ("MP102", "web-007"),
        ("MP101", "lab-huge"),
        ("MP204", "esx-dev04.dev.example"),
    ):
        loc = _finding(report, rule, subject).location  # type: ignore[attr-defined]
        line = text[loc.line - 1]
        assert f"name: {subject}" in line[loc.column - 1 :]


WAIVED = """
    hosts:
      - name: h
        memory: 64GiB
        vms:
          - {name: app01, memory: 16GiB, limit: 8GiB}
          - {name: app02, memory: 16GiB, limit: 8GiB}
          - {name: db01, memory: 16GiB, limit: 8GiB}
    waivers:
      - {rule: MP102, subject: "app*", reason: vendor-mandated limits}
"""


def test_a_waiver_silences_exactly_what_it_names() -> None:
    r = engine.evaluate(inv(WAIVED), Scenario(as_of=date(2026, 1, 1)))
    status = {f.subject: f.suppressed for f in r.findings}
    assert status == {"app01": "waived: vendor-mandated limits",
                      "app02": "waived: vendor-mandated limits", "db01": None}  # fmt: skip
    assert r.verdict == "warn"  # db01 still counts
    only_apps = engine.evaluate(
        inv(WAIVED.replace("db01", "app03")), Scenario(as_of=date(2026, 1, 1))
    )
    assert only_apps.verdict == "ok"  # waived findings still show but do not count


def test_an_expired_waiver_warns_and_no_longer_applies() -> None:
    text = WAIVED.replace("reason: vendor-mandated limits}", "reason: vendor, until: 2025-12-31}")
    r = engine.evaluate(inv(text), Scenario(as_of=date(2026, 1, 1)))
    assert [f.rule for f in r.findings if f.suppressed is None] == ["MP102"] * 3 + ["MP901"]
    still = engine.evaluate(inv(text), Scenario(as_of=date(2025, 12, 31)))
    assert [f.rule for f in still.findings if f.suppressed is None] == ["MP102"]


@pytest.mark.parametrize(
    ("waiver", "message"),
    [("{rule: MP102, subject: x}", "a waiver needs reason"),
     ("{rule: MP999, subject: x, reason: y}", "unknown rule 'MP999'"),
     ("{rule: MP102, subject: x, reason: y, until: soon}", "waiver until must be a date")],
)  # fmt: skip
def test_bad_waivers_are_errors(tmp_path: Path, waiver: str, message: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(f"version: 1\nhosts: []\nwaivers:\n  - {waiver}\n")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 4
    assert message in result.stderr


def test_ignore_drops_a_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = CliRunner().invoke(app, ["check", "samples/realistic.yaml", "-f", "json",
                                   "--ignore", "MP102", "--ignore", "host-ballooning"]).stdout  # fmt: skip
    assert not {f["rule"] for f in json.loads(out)["findings"]} & {"MP102", "MP202"}
    bad = CliRunner().invoke(app, ["check", "samples/realistic.yaml", "--ignore", "MP1O2"])
    assert bad.exit_code == 2
    assert "no such rule; did you mean 'MP102'?" in bad.stderr


def test_baseline_counts_only_new_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    base = tmp_path / "baseline.json"
    first = CliRunner().invoke(
        app, ["check", "samples/realistic.yaml", "--write-baseline", str(base)]
    )
    assert first.exit_code == 1
    again = CliRunner().invoke(app, ["check", "samples/realistic.yaml", "--baseline", str(base)])
    assert again.exit_code == 0  # nothing new
    worse = CliRunner().invoke(app, ["check", "samples/realistic.yaml", "--baseline", str(base),
                                     "--add-vm", "name=huge,memory=900GiB,cluster=dev"])  # fmt: skip
    assert worse.exit_code == 1  # the new VM fits no host: a new finding
    report = tmp_path / "report.json"
    CliRunner().invoke(app, ["check", "samples/realistic.yaml", "-o", f"json={report}"])
    from_report = CliRunner().invoke(
        app, ["check", "samples/realistic.yaml", "--baseline", str(report)]
    )
    assert from_report.exit_code == 0  # an earlier JSON report works as a baseline too
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    bad = CliRunner().invoke(app, ["check", "samples/realistic.yaml", "--baseline", str(broken)])
    assert (bad.exit_code, "not a memplan baseline" in bad.stderr) == (2, True)


def test_several_outputs_in_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    junit, sarif = tmp_path / "r.xml", tmp_path / "m.sarif"
    result = CliRunner().invoke(
        app, ["check", "samples/realistic.yaml", "-o", f"junit={junit}", "-o", f"sarif={sarif}"]
    )
    assert result.exit_code == 1
    assert "verdict: FAIL" in result.stdout  # the table still prints
    assert junit.read_text() == (GOLDEN / "realistic.junit.xml").read_text()
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert (
        CliRunner().invoke(app, ["check", "samples/realistic.yaml", "-o", "jnuit=x"]).exit_code == 2
    )


def test_no_output_file_after_an_invalid_inventory(tmp_path: Path) -> None:
    out = tmp_path / "r.xml"
    CliRunner().invoke(
        app, ["check", str(ROOT / "tests/data/invalid/syntax.yaml"), "-o", f"junit={out}"]
    )
    assert not out.exists()


def test_auto_adds_github_annotations_under_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    plain = CliRunner().invoke(app, ["check", "samples/realistic.yaml"]).stdout
    assert "::error" not in plain
    gha = (
        CliRunner(env={"GITHUB_ACTIONS": "true"})
        .invoke(app, ["check", "samples/realistic.yaml"])
        .stdout
    )
    assert gha.startswith(
        "::error file=samples/realistic.yaml,line=237,col=9,title=MP101 vm-larger-than-host::"
    )
    assert "verdict: FAIL" in gha


def test_flag_made_findings_are_located_at_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = CliRunner().invoke(app, ["check", "samples/small.yaml", "-f", "sarif",
                                   "--add-vm", "name=big,memory=300GiB,cluster=office"]).stdout  # fmt: skip
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["properties"] == {"fromFlag": "--add-vm"}
    assert result["locations"] == [{"logicalLocations": [{"name": "big", "kind": "vm"}]}]
