"""Regenerate memplan/dataclass_code.marshal: the compiled methods of memplan's dataclasses.

``@dataclass`` compiles the source text of each class's methods when the class is created;
memplan/__init__.py hands it this file's code for the texts found in it instead
(docs/performance.md, start-up). The file maps each text to ``compile()``'s code for it, in
marshal's format, with the bytecode's magic number: a Python with another one ignores it.

Run: python scripts/gen_dataclass_code.py   (after changing any dataclass of memplan)
     python scripts/gen_dataclass_code.py --check   (tests/test_startup.py: exit 1 when a
     text of memplan's classes is missing from the file or its code is not compile()'s)
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

PATH = ROOT / "memplan" / memplan.DATACLASS_CODE


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


def main() -> int:
    found = texts()
    if "--check" in sys.argv[1:]:
        magic, modules = marshal.loads(PATH.read_bytes())
        stale = [f"{name}: {text.splitlines()[1].strip()}" for name, codes in found.items()
                 for text, code in codes.items()
                 if magic != MAGIC_NUMBER
                 or marshal.loads(modules.get(name, marshal.dumps({}))).get(text) != code]  # fmt: skip
        if stale:
            print(f"{PATH.relative_to(ROOT)} is stale for {len(stale)} dataclass methods, e.g."
                  f" {stale[0]!r}: run python scripts/gen_dataclass_code.py")  # fmt: skip
            return 1
        return 0
    data = {
        name: marshal.dumps(dict(sorted(codes.items()))) for name, codes in sorted(found.items())
    }
    PATH.write_bytes(marshal.dumps((MAGIC_NUMBER, data)))
    count = sum(map(len, found.values()))
    print(f"wrote {PATH.relative_to(ROOT)}: {count} methods of {len(data)} modules,"
          f" {PATH.stat().st_size:,} bytes")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
