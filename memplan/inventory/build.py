"""Frozen dataclasses built without their ``__init__``, for the records there are 100,000 of.

Python 3.11 compiles a frozen dataclass's ``__init__`` to one ``object.__setattr__(self,
name, value)`` per field (the class's own ``__setattr__`` refuses), and each of those calls
costs about 1,400 machine instructions (callgrind): building a VM of 25 fields took 35,000,
more than reading its line of YAML. :func:`builder` makes a function that stores the fields
in an object of a twin class with the same slots (plain attribute stores, which CPython
specialises) and then gives the object its real class, which Python allows between
classes of the same slot layout: about a tenth of the cost. What comes out is an instance
of the class itself, equal to what its constructor makes from the same arguments, and as
frozen (tests/test_inventory_build.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def builder(cls: type[T]) -> Callable[..., T]:
    """A function taking every field of ``cls`` positionally, in order, that returns what
    ``cls(*args)`` returns. ``cls``: a slotted dataclass without ``__post_init__`` whose
    fields are all ``__init__`` arguments; any other class gets its own constructor."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    names = tuple(f.name for f in fields)
    if (
        getattr(cls, "__slots__", None) != names
        or hasattr(cls, "__post_init__")
        or not all(f.init for f in fields)
        or any(not n.isidentifier() or n.startswith("_") for n in names)
    ):
        return cls
    twin = type(f"_{cls.__name__}Fields", (), {"__slots__": names})
    args = ", ".join(names)
    body = "".join(f"    o.{n} = {n}\n" for n in names)
    source = f"def build({args}):\n    o = new(twin)\n{body}    o.__class__ = cls\n    return o\n"
    namespace: dict[str, Any] = {"new": object.__new__, "twin": twin, "cls": cls}
    exec(source, namespace)  # as dataclasses makes __init__: names are the fields' own
    build: Callable[..., T] = namespace["build"]
    build.__qualname__ = build.__name__ = f"build_{cls.__name__}"
    build.__doc__ = f"{cls.__name__}(*fields), without its __init__ (inventory/build.py)."
    return build
