"""memplan: capacity planning for VMware vSphere memory."""

import re
import sys
from types import CodeType
from typing import Any

__version__ = "0.1.0"
"""The one place the version is written (pyproject.toml reads it from here; reading it
back through importlib.metadata would cost 40 ms of start-up on every command)."""

YAML_NON_PRINTABLE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
"""The class of characters YAML forbids, as PyYAML's pure-Python reader writes it (its
``Reader.NON_PRINTABLE``): the complement of what YAML allows."""
YAML_FORBIDDEN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"
"""The same class written as the ranges it holds."""


def _precompile_yaml_reader() -> None:
    """PyYAML compiles YAML_NON_PRINTABLE when yaml is imported, and Python's re builds a
    bitmap of the whole Basic Multilingual Plane for a complement like it: 5 to 13 ms of
    every start. memplan parses with libyaml (CSafeLoader) and never runs that reader, but
    importing yaml cannot be avoided. YAML_FORBIDDEN compiles in half a millisecond; put in
    re's cache under PyYAML's pattern, it is what yaml's import gets. Equivalent for every
    code point (tests/test_startup.py); should re's cache change, yaml compiles its own."""
    cache = getattr(re, "_cache", None)
    if isinstance(cache, dict) and "yaml" not in sys.modules:
        cache[(str, YAML_NON_PRINTABLE, 0)] = re.compile(YAML_FORBIDDEN)


_precompile_yaml_reader()

DATACLASS_CODE = "dataclass_code.marshal"
"""The file beside this one that holds the compiled methods of memplan's dataclasses
(scripts/gen_startup_code.py writes it; tests/test_startup.py checks it is current)."""


def _precompiled_dataclass_methods() -> None:
    """``@dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
    ``__setattr__`` and ``__delattr__`` as source text and compiles it with ``exec`` when the
    class is created, on every start: for the classes a ``check`` creates, a fifth of its
    start-up's instructions went to compiling about 80 KB of such text (docs/performance.md).
    The file beside this one maps each of those texts, as this Python writes them, to the
    code ``compile()`` makes of it (in marshal's format, as .pyc files keep code), and
    dataclasses' ``exec`` is handed that code for a text found there: the same methods
    without the compiler. Any other text, another class or another Python's dataclasses
    (the file records the bytecode's magic number), is compiled as before. The file also
    records the Python version it was made with (the tests hold it current on that one)."""
    import dataclasses
    import marshal
    from importlib.util import MAGIC_NUMBER

    try:
        with open(f"{__path__[0]}/{DATACLASS_CODE}", "rb") as file:
            magic, modules, _made_with = marshal.loads(file.read())
    except (OSError, EOFError, ValueError, TypeError):
        return
    if magic != MAGIC_NUMBER or not isinstance(modules, dict):
        return
    loaded: dict[str, dict[str, CodeType]] = {}
    run = exec

    def exec_(source: Any, globals: Any = None, /, *args: Any, **kwargs: Any) -> None:
        """dataclasses' exec: the code of ``source`` as compiled before, if it is there."""
        name = globals.get("__name__") if type(globals) is dict else None
        codes = loaded.get(name) if type(name) is str else None
        if codes is None and type(name) is str and name in modules:
            codes = loaded[name] = marshal.loads(modules.pop(name))
        code = codes.get(source) if codes is not None and type(source) is str else None
        run(source if code is None else code, globals, *args, **kwargs)

    setattr(dataclasses, "exec", exec_)  # noqa: B010 (mypy: dataclasses has no exec)


_precompiled_dataclass_methods()
