"""Help and the root options: --version/-V, shell completion, usage lines without Python
types or Typer's braces, help wrapped between words (never inside a host name), and
formats a command cannot write rejected (exit 2)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from memplan import __version__
from memplan.cli import app
from tests.helpers import ROOT

COMMANDS = [["check"], ["project"], ["headroom"], ["rightsize"], ["diff"], ["trend"],
            ["schema"], ["validate"], ["thresholds"], ["import", "rvtools"], ["import", "govc"],
            ["collect", "vcenter"]]  # fmt: skip


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def invoke(*args: str, columns: int = 80) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    assert invoke(flag) == (0, f"memplan {__version__}\n", "")


def test_shell_completion_is_offered() -> None:
    _, out, _ = invoke("--help")
    assert "--install-completion" in out
    assert "--show-completion" in out
    code, script, _ = invoke("--show-completion", "bash")
    assert code == 0
    assert "_memplan_completion" in script


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_usage_line_names_arguments_plainly(command: list[str]) -> None:
    code, out, _ = invoke(*command, "--help")
    assert code == 0
    usage = out.splitlines()[0]
    assert not re.search(r"[{}<>]|list\[|str\]|INTEGER|TEXT", usage), usage


def test_usage_lines_of_commands_with_arguments() -> None:
    assert invoke("check", "--help")[1].startswith("Usage: memplan check [OPTIONS] INVENTORY...\n")
    assert invoke("headroom", "--help")[1].startswith(
        "Usage: memplan headroom [OPTIONS] INVENTORY\n"
    )
    assert invoke("diff", "--help")[1].startswith("Usage: memplan diff [OPTIONS] [OLD] NEW\n")


@pytest.mark.parametrize("columns", [60, 80, 100])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_never_breaks_a_word_at_a_hyphen(command: list[str], columns: int) -> None:
    """A line ending in a hyphen glued to a word (``esx-``) was a name cut in two."""
    _, out, _ = invoke(*command, "--help", columns=columns)
    for line in out.splitlines():
        assert not re.search(r"\w-$", line), line


@pytest.mark.parametrize("columns", [80, 100])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_fits_the_terminal(command: list[str], columns: int) -> None:
    """check's --format line listed its ten choices in 81 columns at 80."""
    _, out, _ = invoke(*command, "--help", columns=columns)
    assert max(map(len, out.splitlines())) <= columns


def test_check_help_keeps_the_example_host_whole() -> None:
    _, out, _ = invoke("check", "--help")
    assert "esx-web01.prod.example" in out


@pytest.mark.parametrize("command", [["headroom", "samples/realistic.yaml", "--vm", "16GiB"],
                                     ["thresholds", "512GiB"]])  # fmt: skip
@pytest.mark.parametrize("fmt", ["sarif", "csv", "markdown", "junit"])
def test_a_format_the_command_cannot_write_is_a_usage_error(command: list[str], fmt: str) -> None:
    code, out, err = invoke(*command, "-f", fmt)
    assert (code, out) == (2, "")
    assert err == f"memplan: error: --format {fmt}: {command[0]} writes table or json only\n"


@pytest.mark.parametrize("command", [["headroom", "samples/realistic.yaml", "--vm", "16GiB"],
                                     ["thresholds", "512GiB"]])  # fmt: skip
def test_table_and_json_still_work(command: list[str]) -> None:
    assert invoke(*command, "-f", "json")[1].lstrip().startswith("{")
    assert invoke(*command, "--format", "table")[0] == 0


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_python_type_anywhere_in_help(command: list[str]) -> None:
    """Typer 0.29 wrote 'INVENTORY <list[str]>'; no help line names a Python type."""
    _, out, _ = invoke(*command, "--help", columns=100)
    assert not re.search(r"list\[|\[str\]|<int>|<str>|<float>|<bool>|\bINTEGER\b|\bTEXT\b", out)
