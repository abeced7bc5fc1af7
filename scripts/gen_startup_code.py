"""Regenerate memplan/dataclass_code.marshal, what spares memplan's start-up the compiler
(docs/performance.md, start-up).

``@dataclass`` compiles the source text of each class's methods when the class is created;
memplan/__init__.py hands it this file's code for the texts found in it instead. The file
maps each text to ``compile()``'s code for it, in marshal's format, with the bytecode's
magic number (a Python with another one ignores the file) and the Python version it was
made with (tests/test_startup.py holds it current on that version).

Run: python scripts/gen_startup_code.py   (after adding or changing a dataclass)
     python scripts/gen_startup_code.py --check   (tests/test_startup.py: exit 1 when a
     text of memplan's classes is missing from the file, or its code is not what the
     compiler makes of it on this Python)
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib
import marshal
import pkgutil
import sys
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import memplan  # noqa: E402

DATACLASSES = ROOT / "memplan" / memplan.DATACLASS_CODE
PYTHON = "{}.{}.{}".format(*sys.version_info[:3])


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


def made_with() -> str:
    """The Python version the file was made with."""
    return str(marshal.loads(DATACLASSES.read_bytes())[2])


def main() -> int:
    found = texts()
    if "--check" in sys.argv[1:]:
        magic, modules, python = marshal.loads(DATACLASSES.read_bytes())
        if (magic, python) != (MAGIC_NUMBER, PYTHON):
            print(f"{DATACLASSES.relative_to(ROOT)} is made with Python {python}; this is"
                  f" {PYTHON}: check it with that version, or regenerate it")  # fmt: skip
            return 1
        stale = [f"{name}: {text.splitlines()[1].strip()}" for name, codes in found.items()
                 for text, code in codes.items()
                 if marshal.loads(modules.get(name, marshal.dumps({}))).get(text) != code]  # fmt: skip
        if stale:
            print(f"{DATACLASSES.relative_to(ROOT)} is stale for {len(stale)} dataclass"
                  f" methods, e.g. {stale[0]!r}: run python scripts/gen_startup_code.py")  # fmt: skip
            return 1
        return 0
    data = {
        name: marshal.dumps(dict(sorted(codes.items()))) for name, codes in sorted(found.items())
    }
    DATACLASSES.write_bytes(marshal.dumps((MAGIC_NUMBER, data, PYTHON)))
    count = sum(map(len, found.values()))
    print(f"wrote {DATACLASSES.relative_to(ROOT)}: {count} methods of {len(data)} modules,"
          f" {DATACLASSES.stat().st_size:,} bytes, for Python {PYTHON}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
