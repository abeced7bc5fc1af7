"""Start-up stays small (issue 22, docs/performance.md): a command imports and builds only
what it runs. Checked by the modules a fresh process ends with, not by timing."""

from __future__ import annotations

import ast
import marshal
import subprocess
import sys
from pathlib import Path

import pytest

from memplan import DATACLASS_CODE
from tests.helpers import ROOT

PROBE = """
import sys
from memplan.cli import root
try:
    root.app(sys.argv[1:], prog_name="memplan", standalone_mode=False)
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.startswith(("memplan", "rich", "json"))))
"""


def modules_after(*args: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": str(ROOT), "COLUMNS": "100"})  # fmt: skip
    return set(ast.literal_eval(out.stdout.splitlines()[-1]))


def test_check_imports_no_other_command() -> None:
    loaded = modules_after("check", "samples/small.yaml")
    assert "memplan.cli.check" in loaded
    others = {f"memplan.cli.{m}" for m in ("project", "headroom", "diff", "schema", "validate",
                                           "thresholds", "imports", "collect")}  # fmt: skip
    assert not loaded & others, loaded & others
    assert not {m for m in loaded if m.startswith("memplan.importers")}
    assert "rich.table" not in loaded  # its tables are laid out by render/layout.py
    assert not loaded & {"memplan.render.rightsize", "memplan.render.trend", "json"}


def test_import_and_validate_import_no_console(tmp_path: Path) -> None:
    """What prints only lines to stderr (an import's notes, errors) needs no Rich console:
    render/safe.py escapes them, and render.base is imported by what renders."""
    out = str(tmp_path / "out.yaml")
    for args in (("import", "rvtools", "tests/data/rvtools/example1.xlsx", "-o", out),
                 ("validate", "samples/small.yaml")):  # fmt: skip
        loaded = modules_after(*args)
        assert "memplan.render.safe" in loaded or args[0] == "validate"
        assert not {m for m in loaded if m.startswith("rich.")}, args
        assert "memplan.render.base" not in loaded


def test_help_builds_every_command() -> None:
    loaded = modules_after("--help")
    assert {"memplan.cli.project", "memplan.cli.thresholds", "memplan.cli.validate"} <= loaded
    assert "memplan.cli.imports" not in loaded  # listed by its group's own help only


def test_check_creates_no_report_class_of_other_commands() -> None:
    loaded = modules_after("check", "samples/small.yaml")
    assert not {m for m in loaded if m.startswith("memplan.model.")}


def test_every_report_class_is_reachable_from_the_model() -> None:
    """memplan.model names each class of its submodules (imported on first use)."""
    import dataclasses
    import importlib

    import memplan.model

    for sub in ("project", "headroom", "diff", "rightsize", "trend", "forecast", "occasional"):
        module = importlib.import_module(f"memplan.model.{sub}")
        classes = [v for v in vars(module).values()
                   if dataclasses.is_dataclass(v) and v.__module__ == module.__name__]  # fmt: skip
        assert classes
        for cls in classes:
            assert getattr(memplan.model, cls.__name__) is cls
    assert not hasattr(memplan.model, "NoSuchReport")


def test_yaml_forbidden_characters_are_pyyaml_s_class() -> None:
    """memplan hands PyYAML a cheaper compilation of its own class of forbidden characters
    (memplan/__init__.py): the same for every code point, and the one yaml's import gets."""
    import re

    import memplan

    every = "".join(map(chr, range(0x110000)))
    pyyaml_s = re.compile(memplan.YAML_NON_PRINTABLE, re.DOTALL)  # DOTALL: not the cached one
    assert pyyaml_s.findall(every) == re.compile(memplan.YAML_FORBIDDEN).findall(every)
    assert len(pyyaml_s.findall(every)) == 9 + 2 + 18 + 6 + 26 + 2048 + 2
    probe = "import memplan, yaml.reader; print(yaml.reader.Reader.NON_PRINTABLE.pattern)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": str(ROOT)})  # fmt: skip
    assert out.stdout.strip() == memplan.YAML_FORBIDDEN


def test_vm_line_quoted_scalars_are_the_printable_characters_but_their_quote() -> None:
    """inventory/vmlines.py writes its quoted scalars' classes as complements below U+00A0
    (cheap to compile), and splice() leaves a text with any other character they should
    not match (_OUTSIDE) to libyaml: on the texts it reads, the classes match the same
    characters as printable ASCII and _PRINTABLE without the quote (and, double-quoted,
    the backslash)."""
    import re

    from memplan.inventory import vmlines

    outside = re.compile(vmlines._OUTSIDE)
    every = outside.sub("", "".join(map(chr, range(0x110000))))
    assert len(every) == 0x110000 - 2 - 2048 - 3
    for c in "\u2028\ud800\udfff\ufeff\uffff":
        assert vmlines.splice(f'vms:\n  - {{name: "a{c}", memory: 4GiB}}\n') is None
    assert vmlines.splice("vms:\n  - {name: 'a\u00e9', memory: 4GiB}\n") is not None
    ranges = {'"': rf"[ !#-\[\]-~{vmlines._PRINTABLE}]", "'": rf"[ -&(-~{vmlines._PRINTABLE}]"}
    for quoted in (vmlines._DQ, vmlines._SQ):
        quote = quoted[0]
        assert quoted.endswith("]*" + quote)
        ours = re.compile(quoted[1:-2]).findall(every)
        assert ours == re.compile(ranges[quote]).findall(every)
        assert len(ours) > 1_000_000
        excluded = {quote, "\n", "\x85", "\x00"} | ({"\\"} if quote == '"' else set())
        assert not excluded & set(ours)


def test_importing_the_cli_leaves_the_garbage_collector_as_it_was() -> None:
    """The CLI pauses collection while its modules load (memplan/cli/__init__.py), and
    only main() keeps it off: a program importing memplan.cli keeps its collector."""
    probe = "import gc; import memplan.cli; print(gc.isenabled())"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": str(ROOT)})  # fmt: skip
    assert out.stdout.strip() == "True"


def test_python_dash_m_memplan_runs_the_command() -> None:
    """`python -m memplan` is the memplan command (usage names memplan, exit codes kept)."""
    ok = subprocess.run([sys.executable, "-m", "memplan", "check", "-q", "samples/small.yaml"],
                        cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert (ok.returncode, ok.stderr) == (0, ""), ok.stderr
    bad = subprocess.run([sys.executable, "-m", "memplan", "check", "--nope"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert bad.returncode == 2
    assert "Usage: memplan check" in bad.stderr


def made_for_this_python() -> bool:
    """memplan/dataclass_code.marshal is made with this Python (magic number and version)."""
    from importlib.util import MAGIC_NUMBER

    magic, _, python = marshal.loads((ROOT / "memplan" / DATACLASS_CODE).read_bytes())
    return (magic, python) == (MAGIC_NUMBER, "{}.{}.{}".format(*sys.version_info[:3]))


def test_compiled_startup_file_is_current() -> None:
    """memplan/dataclass_code.marshal holds, for every method text of memplan's dataclasses,
    the code compile() makes of it (scripts/gen_startup_code.py --check imports every module
    and compares). Stale, start-up compiles again: run the script. Another Python than the
    file's writes other texts or code; its start-up compiles as before."""
    if not made_for_this_python():
        pytest.skip("the compiled methods are made with another Python: it compiles them")
    out = subprocess.run([sys.executable, "scripts/gen_startup_code.py", "--check"], cwd=ROOT,
                         capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)})  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


COMPILED = """
import builtins, sys
compiled = []
real = builtins.exec
def exec_(source, globals=None, *args):
    if isinstance(source, str) and str(globals.get("__name__")).startswith("memplan"):
        compiled.append(source.splitlines()[1])
    return real(source, globals, *args)
builtins.exec = exec_  # what compiles a text, with memplan's dataclasses' exec or without
from memplan.cli import root
try:
    root.app(sys.argv[1:], prog_name="memplan", standalone_mode=False)
except SystemExit:
    pass
import memplan.model, dataclasses
vm = memplan.model.Location("a.yaml", 1, 2)
print(compiled, repr(vm), vm == memplan.model.Location("a.yaml", 1, 2), hash(vm) == hash(("a.yaml", 1, 2)))
try:
    vm.line = 3
except dataclasses.FrozenInstanceError as e:
    print("frozen", e)
"""


def test_check_and_import_compile_no_dataclass_method(tmp_path: Path) -> None:
    """What ``check`` and ``import`` create of memplan's dataclasses comes compiled from
    memplan/dataclass_code.marshal: no method's text reaches the compiler (on the Python
    the file is made with), and the methods behave as their own (on any)."""
    out_file = str(tmp_path / "out.yaml")
    for args in (["check", "samples/small.yaml"],
                 ["import", "rvtools", "tests/data/rvtools/example1.xlsx", "-o", out_file]):  # fmt: skip
        out = subprocess.run([sys.executable, "-c", COMPILED, *args], cwd=ROOT,
                             capture_output=True, text=True, check=True,
                             env={"PYTHONPATH": str(ROOT)})  # fmt: skip
        compiled, rest = out.stdout.splitlines()[-2].split("] ", 1)
        assert compiled == "[" or not made_for_this_python(), compiled
        assert rest == "Location(file='a.yaml', line=1, column=2) True True"
        assert out.stdout.splitlines()[-1] == "frozen cannot assign to field 'line'"


def test_a_broken_or_foreign_compiled_file_is_compiled_as_before(tmp_path: Path) -> None:
    """A file of another Python (its magic number), or one that does not unmarshal, is
    ignored: the methods are compiled and behave the same."""
    import shutil

    for content in (marshal.dumps((b"\0\0\r\n", {}, "0.0.0")), b"not marshal"):
        package = tmp_path / "memplan"
        shutil.rmtree(package, ignore_errors=True)
        shutil.copytree(ROOT / "memplan", package)
        (package / DATACLASS_CODE).write_bytes(content)
        small = str(ROOT / "samples" / "small.yaml")
        out = subprocess.run([sys.executable, "-c", COMPILED, "check", small], cwd=tmp_path,
                             capture_output=True, text=True, check=True,
                             env={"PYTHONPATH": str(tmp_path)})  # fmt: skip
        assert f"memplan check {small}" in out.stdout  # the copy ran, not the checkout
        compiled, rest = out.stdout.splitlines()[-2].split("] ", 1)
        assert compiled.startswith("[' def __init__(self,"), compiled[:80]  # compiled, as before
        assert rest == "Location(file='a.yaml', line=1, column=2) True True"
