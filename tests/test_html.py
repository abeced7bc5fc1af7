"""The HTML report: one self-contained file, every cluster and finding in it, charts with
their numbers beside them, and a real browser that opens it without an error or a request.

The browser test drives Debian's chromium through Playwright (``.ci/run`` installs both). It
skips with its reason only where chromium is missing and MEMPLAN_REQUIRE_BROWSER is unset;
CI sets it, so there a missing browser fails.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from memplan import engine, inventory
from memplan.cli import app
from memplan.model import Severity
from memplan.render import Format, renderer
from tests.helpers import ROOT, inv

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


class Page(HTMLParser):
    """What a test needs of a page: tags, attributes, ids, text, and unclosed tags."""

    VOID = frozenset({"meta", "br", "hr", "img", "link", "input", "path", "rect", "use"})

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.mismatched: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.mismatched.append(tag)
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}

    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def html_of(source: str | None = None, text: str | None = None) -> str:
    report = engine.evaluate(inventory.load(source) if source else inv(text or ""))
    buffer = io.StringIO()
    renderer(Format.HTML).render(report, Console(file=buffer, color_system=None))
    return buffer.getvalue()


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?!#)[^"'\s>]+|url\(\s*["']?(?!#)""", re.I)


def test_realistic_report_is_self_contained_and_small() -> None:
    text = html_of("samples/realistic.yaml")
    assert len(text.encode()) < 2_000_000
    assert EXTERNAL.findall(text) == [], "every link must stay inside the page"
    assert "<script" not in text.lower()
    assert "@import" not in text
    page = Page(text)
    assert page.open == [], "every element is closed"
    assert page.mismatched == [], "every element is closed in order"


def test_every_cluster_host_and_finding_is_in_the_page() -> None:
    report = engine.evaluate(inventory.load("samples/realistic.yaml"))
    page = Page(html_of("samples/realistic.yaml"))
    words = page.all_text()
    for c in report.clusters:
        assert f"cluster-{c.name}" in page.ids()
    assert "cluster-standalone-hosts" in page.ids()
    for h in report.hosts:
        assert h.host.name in words
    shown = [f for f in report.findings if f.severity is not Severity.OK]
    rows = [a for t, a in page.tags if t == "tr" and a.get("class") == "finding"]
    assert len(rows) == len(shown) == 20
    for f in shown:
        assert f"{f.location.file}:{f.location.line}:{f.location.column}" in words
        assert f.rule in words
    assert words.count("Explain") == len(shown), "each finding's explanation is collapsible"
    assert "FAIL" in words
    assert "10 fail, 10 warn" in words


def test_one_chart_per_cluster_with_its_numbers_in_a_table() -> None:
    text = html_of("samples/realistic.yaml")
    page = Page(text)
    figures = [a for t, a in page.tags if t == "figure"]
    assert len(figures) == 4  # 3 clusters + the standalone hosts
    assert all(a.get("role") == "img" and "table" in (a.get("aria-label") or "") for a in figures)
    assert text.count("<svg") == 4
    # prod-db's esx-db02 settles in soft: the state is written in words, not only coloured
    row = re.search(r"<tr><td>esx-db02\.prod\.example</td>(.*?)</tr>", text, re.S)
    assert row is not None
    assert "soft" in row.group(1)
    assert "1015.9" in row.group(1)
    assert "balloon 7.2" in row.group(1)


def test_the_worst_ha_scenario_is_shown() -> None:
    words = Page(html_of("samples/realistic.yaml")).all_text()
    assert "HA: worst host failure" in words
    assert "failing esx-db01.prod.example (worst of 3 tried): 8 VM(s) restarted" in words
    assert "HA percentage policy, 1 host failure · admission control on · restarts: DRS" in words


def test_names_cannot_inject_markup_or_control_characters() -> None:
    text = html_of(
        text="""
        hosts:
          - name: "h<script>alert(1)</script>"
            memory: 64GiB
            vms:
              - {name: "v\\e]8;;http://x\\e\\\\", memory: 16GiB}
              - {name: "<img src=http://evil>", memory: 8GiB}
        """
    )
    assert "<script>" not in text
    assert "<img" not in text
    assert "&lt;script&gt;" in text
    assert "\x1b" not in text
    assert EXTERNAL.findall(text) == []


def test_check_html_with_a_forecast_charts_demand_over_time(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, stdout, stderr = run(
        "check", "samples/realistic.yaml", "--growth", "3%/month", "--as-of", "2026-01-01",
        "-o", f"html={out}",
    )  # fmt: skip
    assert code == 1, stderr
    assert "verdict: FAIL" in stdout  # the table still goes to stdout
    text = out.read_text()
    assert text.count("<svg") == 8  # demand now + demand over time, per cluster
    words = Page(text).all_text()
    assert "As of 2026-01-01, projected 12 months" in words
    assert "The first host balloons from 2026-01-01" in words  # prod-db's esx-db02, today
    assert "Month by month (GiB)" in words
    assert "growth=3%/month" in words or "--growth" in words


def test_project_html_marks_the_balloon_and_swap_dates(tmp_path: Path) -> None:
    out = tmp_path / "p.html"
    code, _, stderr = run(
        "project", "samples/realistic.yaml", "--growth", "3%/month", "--horizon", "24m",
        "--as-of", "2026-01-01", "--format", "html", "-o", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    text = out.read_text()
    page = Page(text)
    assert page.open == []
    assert page.mismatched == []
    assert EXTERNAL.findall(text) == []
    words = page.all_text()
    assert "memplan project" in words
    assert "projected 24 months" in words
    for cluster in ("dev", "prod-db", "prod-web"):
        assert f"cluster-{cluster}" in page.ids()
    assert re.search(r"balloons 2026-\d\d-\d\d", text), "the balloon date is marked on a chart"
    assert "2027-12" in words  # the last month of the table


def test_html_is_deterministic() -> None:
    assert html_of("samples/realistic.yaml") == html_of("samples/realistic.yaml")


def test_missing_extra_is_a_usage_error_naming_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name)
    )
    code, stdout, stderr = run("check", "samples/small.yaml", "-f", "html")
    assert code == 2
    assert stdout == ""
    assert "needs matplotlib: pip install 'memplan[html]'" in stderr
    code, _, stderr = run("project", "samples/small.yaml", "-f", "html", "--horizon", "3m")
    assert code == 2
    assert "memplan[html]" in stderr


@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("MEMPLAN_REQUIRE_BROWSER"),
    reason="Debian's chromium is not installed here (apt-get install chromium); CI installs it",
)
def test_report_opens_in_a_real_browser_without_errors_or_requests(tmp_path: Path) -> None:
    assert CHROMIUM is not None, "MEMPLAN_REQUIRE_BROWSER is set: chromium must be installed"
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    report = tmp_path / "report.html"
    code, _, stderr = run(
        "check", "samples/realistic.yaml", "--growth", "3%/month", "-o", f"html={report}"
    )
    assert code == 1, stderr
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}"))
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            charts = page.locator("figure svg").count()
            boxes = [page.locator("figure svg").nth(i).bounding_box() for i in range(charts)]
            page.emulate_media(media="print")
            pdf_width = page.evaluate("document.documentElement.scrollWidth")
        finally:
            browser.close()
    assert problems == []
    assert requests == [report.as_uri()], "the page requests nothing but itself"
    assert charts == 8
    assert all(b is not None and b["width"] > 300 and b["height"] > 100 for b in boxes)
    assert shot.stat().st_size > 50_000, "a real rendering, not a blank page"
    assert pdf_width <= 1100


def test_real_export_marks_observed_hosts_and_shows_each_hosts_ha_verdict(tmp_path: Path) -> None:
    out = tmp_path / "x.html"
    code, _, stderr = run("check", "tests/data/rvtools/example1.xlsx", "-o", f"html={out}")
    assert code in (0, 1, 3), stderr
    text = out.read_text()
    assert text.count("(observed usage)") == 7  # every host of the export rests on vCenter's
    assert "<th>HA</th>" in text
    report = Page(text)
    assert report.open == []
    assert report.mismatched == []


def test_the_chart_over_time_starts_from_todays_demand_on_an_observed_export(
    tmp_path: Path,
) -> None:
    """Month 0 of the chart is the report's today: hosts resting on observed usage too."""
    out = tmp_path / "x.html"
    code, _, stderr = run(
        "check", "tests/data/rvtools/example1.xlsx", "--growth", "5%/month",
        "--as-of", "2026-01-01", "-o", f"html={out}",
    )  # fmt: skip
    assert code in (0, 1, 3), stderr
    text = out.read_text()
    summary = re.search(r'<a href="#cluster-Cluster">Cluster</a></td>(.*?)</tr>', text, re.S)
    first_month = re.search(r"<tr><td>2026-01</td><td class=\"num\">([\d.]+)</td>", text)
    assert summary is not None
    assert first_month is not None
    demand = re.findall(r'<td class="num">([\d.]+)</td>', summary.group(1))[2]
    assert first_month.group(1) == demand
    assert float(demand) > 100
