"""Regenerate what spares memplan's start-up the compiler (docs/performance.md, start-up):

- memplan/dataclass_code.marshal: ``@dataclass`` compiles the source text of each class's
  methods when the class is created; memplan/__init__.py hands it this file's code for the
  texts found in it instead. The file maps each text to ``compile()``'s code for it, in
  marshal's format, with the bytecode's magic number: a Python with another one ignores it.
- memplan/regex_code.marshal: what re's compiler makes of each pattern memplan's commands
  compile on their way (COMMANDS), for this minor version of Python and its regular
  expression engine; memplan/__init__.py puts the patterns made from it in re's cache.

Run: python scripts/gen_startup_code.py   (after changing a dataclass or a pattern)
     python scripts/gen_startup_code.py --check   (tests/test_startup.py: exit 1 when a
     text of memplan's classes or a pattern of COMMANDS is missing from the files, or its
     code is not what the compiler makes of it on this Python)
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib
import marshal
import os
import pkgutil
import re
import subprocess
import sys
import tempfile
import warnings
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from re import _compiler, _parser  # type: ignore[attr-defined]
from types import CodeType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import memplan  # noqa: E402

DATACLASSES = ROOT / "memplan" / memplan.DATACLASS_CODE
PATTERNS = ROOT / "memplan" / memplan.REGEX_CODE
EXAMPLE = "tests/data/rvtools/example1.xlsx"
COMMANDS = (
    ["check", "samples/small.yaml"],
    ["check", "samples/small.yaml", "--format", "json"],
    ["validate", "samples/small.yaml"],
    ["import", "rvtools", EXAMPLE, "-o", "{tmp}/out.yaml"],
    ["check", EXAMPLE],
)
"""The runs whose patterns the file holds: every pattern they compile (tests/test_startup.py
runs the first and the fourth and sees none compiled)."""

RECORD = """
import marshal, re, sys
seen = {}
lookup = re._compile
def record(pattern, flags):
    if isinstance(pattern, (str, bytes)):
        seen[pattern, int(flags)] = None
    return lookup(pattern, flags)
re._compile = record  # every pattern the run looks up, in re's cache or not
import memplan
from memplan.cli import root
try:
    root.app(sys.argv[2:], prog_name="memplan", standalone_mode=False)
except SystemExit:
    pass
seen.pop((memplan.YAML_NON_PRINTABLE, 0), None)  # memplan/__init__.py compiles its ranges
with open(sys.argv[1], "wb") as file:
    marshal.dump(list(seen), file)
"""


def compiled(text: str) -> CodeType:
    """The code ``exec(text)`` runs, compiled as dataclasses' ``exec`` compiles it (no
    ``from __future__`` flags: dataclasses.py has none)."""
    return compile(text, "<string>", "exec", dont_inherit=True)


def texts() -> dict[str, dict[str, CodeType]]:
    """Every method text dataclasses compiles for a class of memplan's modules (all of them
    imported), with its code, by module."""
    found: dict[str, dict[str, CodeType]] = {}

    def record(source: Any, globals: dict[str, Any], *args: Any) -> None:
        name = globals.get("__name__")
        if isinstance(source, str) and isinstance(name, str) and name.startswith("memplan"):
            found.setdefault(name, {})[source] = compiled(source)
        builtins.exec(source, globals, *args)

    setattr(dataclasses, "exec", record)  # noqa: B010
    for module in pkgutil.walk_packages(memplan.__path__, "memplan."):
        if module.name != "memplan.__main__":  # runs the command
            importlib.import_module(module.name)
    return found


def sre_arguments(pattern: str | bytes, flags: int) -> tuple[Any, ...] | None:
    """What re's compiler passes ``_sre.compile`` for ``pattern`` (its last step, as
    re/_compiler.py's compile() ends), or None for a pattern that warns when parsed."""
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        parsed = _parser.parse(pattern, flags)
    if warned or flags & (re.DEBUG | re.LOCALE | re.TEMPLATE):
        return None
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    code = [int(c) for c in _compiler._code(parsed, flags)]
    return (pattern, flags, flags | parsed.state.flags, code, parsed.state.groups - 1,
            groupindex, tuple(indexgroup))  # fmt: skip


def patterns() -> list[tuple[Any, ...]]:
    """Every pattern COMMANDS compile, each run in a process of its own as a user runs it,
    with _sre.compile's arguments."""
    seen: dict[tuple[str | bytes, int], None] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for command in COMMANDS:
            out = f"{tmp}/patterns"
            args = [a.format(tmp=tmp) for a in command]
            subprocess.run([sys.executable, "-c", RECORD, out, *args], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
            seen.update(dict.fromkeys(map(tuple, marshal.loads(Path(out).read_bytes()))))
    found = [sre_arguments(pattern, flags) for pattern, flags in seen]
    return [f for f in found if f is not None]


def stale_patterns(found: list[tuple[Any, ...]]) -> list[str]:
    """The patterns of ``found`` the file lacks or holds otherwise than re compiles them."""
    engine, held = marshal.loads(PATTERNS.read_bytes())
    held_by_key = {(p[0], p[1]): p for p in held}
    sre = sys.modules["_sre"]
    stale = [repr(f[0]) for f in found if held_by_key.get((f[0], f[1])) != f]
    if engine != memplan.regex_engine():
        return ["the engine", *stale]
    return stale + [repr(p[0]) for p in held
                    if sre.compile(p[0], *p[2:]) != _compiler.compile(p[0], p[1])]  # fmt: skip


def main() -> int:
    found = texts()
    found_patterns = patterns()
    if "--check" in sys.argv[1:]:
        magic, modules = marshal.loads(DATACLASSES.read_bytes())
        stale = [f"{name}: {text.splitlines()[1].strip()}" for name, codes in found.items()
                 for text, code in codes.items()
                 if magic != MAGIC_NUMBER
                 or marshal.loads(modules.get(name, marshal.dumps({}))).get(text) != code]  # fmt: skip
        stale += stale_patterns(found_patterns)
        if stale:
            print(f"{len(stale)} dataclass methods or patterns are missing or stale, e.g."
                  f" {stale[0]!r}: run python scripts/gen_startup_code.py")  # fmt: skip
            return 1
        return 0
    data = {
        name: marshal.dumps(dict(sorted(codes.items()))) for name, codes in sorted(found.items())
    }
    DATACLASSES.write_bytes(marshal.dumps((MAGIC_NUMBER, data)))
    count = sum(map(len, found.values()))
    PATTERNS.write_bytes(marshal.dumps((memplan.regex_engine(), found_patterns)))
    print(f"wrote {DATACLASSES.relative_to(ROOT)}: {count} methods of {len(data)} modules,"
          f" {DATACLASSES.stat().st_size:,} bytes; {PATTERNS.relative_to(ROOT)}:"
          f" {len(found_patterns)} patterns, {PATTERNS.stat().st_size:,} bytes")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
