"""memplan: capacity planning for VMware vSphere memory."""

import re
import sys

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
