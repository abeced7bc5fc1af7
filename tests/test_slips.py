"""Error messages that used to slip: an internal placeholder, an unclosed brace read as
something else, --horizon refusing what --fail-within takes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from memplan.cli import app
from tests.helpers import ROOT


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "132"}).invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_vm_under_an_invalid_host_names_that_host(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(
        "version: 1\nhosts:\n  - name: esx01\n    memory: lots\n"
        "    vms:\n      - {name: v1, memory: 4GiB, host: esx02}\n"
    )
    code, _, err = run("validate", str(path))
    assert code == 4
    assert f"{path}:6:40: error: VM 'v1' is listed under host 'esx01' but says host: 'esx02'" in err
    assert "<" not in err


def test_a_vm_under_a_host_without_a_name_is_not_blamed_for_it(tmp_path: Path) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(
        "version: 1\nhosts:\n  - memory: 64GiB\n    vms:\n      - {name: v1, memory: 4GiB, host: esx02}\n"
    )
    code, _, err = run("validate", str(path))
    assert code == 4
    assert "listed under host" not in err
    assert "<invalid host>" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--add-vm", "name=web{1..3,memory=4GiB,cluster=office"],
         "memplan: error: --add-vm name=web{1..3,memory=4GiB,cluster=office: the '{' at"
         " character 9 is never closed (e.g. name=web{1..3})\n"),
        (["--add-vm", "name=web{1..3},memory=4GiB,cluster=office,tags=[a,b"],
         "memplan: error: --add-vm name=web{1..3},memory=4GiB,cluster=office,tags=[a,b: the '['"
         " at character 48 is never closed (e.g. tags=[a, b])\n"),
    ],
)  # fmt: skip
def test_an_unclosed_bracket_in_a_what_if_says_so(args: list[str], message: str) -> None:
    assert run("check", "samples/small.yaml", *args) == (2, "", message)


def test_an_unclosed_bracket_in_a_shape_counts_the_users_characters() -> None:
    code, _, err = run("headroom", "samples/small.yaml", "--vm", "16GiB,tags=[a")
    assert (code, err) == (
        2,
        "memplan: error: --vm 16GiB,tags=[a: the '[' at character 12 is never closed"
        " (e.g. tags=[a, b])\n",
    )


@pytest.mark.parametrize(
    ("horizon", "months"), [("90d", 3), ("13w", 4), ("1d", 1), ("31d", 1), ("32d", 2), ("3m", 3)]
)
def test_horizon_takes_days_and_weeks_as_fail_within_does(horizon: str, months: int) -> None:
    """From 2026-12-01: 90 days end 2027-03-01, month 3; 13 weeks (91 days) end 2027-03-02,
    which month 4 covers; 31 days end 2027-01-01, month 1;
    32 days end 2027-01-02, which month 2 covers."""
    code, out, err = run("project", "samples/small.yaml", "--as-of", "2026-12-01",
                         "--horizon", horizon)  # fmt: skip
    assert (code, err) == (0, "")
    assert f" · {months} month{'s' if months > 1 else ''}, every 1 month · " in out
    code, out, _ = run("check", "samples/small.yaml", "--as-of", "2026-12-01", "--horizon", horizon)
    assert f"projected {months} month" in out


def test_horizon_out_of_range_is_a_usage_error() -> None:
    code, _, err = run("project", "samples/small.yaml", "--horizon", "99999999d")
    assert code == 2
    assert err == "memplan: error: --horizon: '99999999d': the horizon must be 1 to 600 months\n"
