"""memplan.model.builder(): a record built without its __init__ is the record its constructor
makes, of its own class, and as frozen."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

import memplan.model
from memplan.model import VM, Location, builder


def _models() -> list[type]:
    return [
        c for _, c in inspect.getmembers(memplan.model, inspect.isclass)
        if dataclasses.is_dataclass(c) and c.__module__ == "memplan.model"
    ]  # fmt: skip


@pytest.mark.parametrize("cls", _models(), ids=lambda c: c.__name__)
def test_built_records_are_what_the_constructor_makes(cls: type) -> None:
    values = [object() for _ in dataclasses.fields(cls)]
    expected = cls(*values)
    got = builder(cls)(*values)
    assert type(got) is cls
    assert got == expected
    assert repr(got) == repr(expected)
    assert [getattr(got, f.name) for f in dataclasses.fields(cls)] == values
    if cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(got, dataclasses.fields(cls)[0].name, 1)


def test_a_vm_built_hashes_and_compares_as_one_constructed() -> None:
    loc = builder(Location)("inv.yaml", 3, 7)
    assert loc == Location("inv.yaml", 3, 7)
    assert hash(loc) == hash(Location("inv.yaml", 3, 7))
    args = ("web", 4 << 30, 2, True, 0, None, 40960, "normal", 1 << 30, True, 2 << 30, False,
            30 << 20, True, None, ("a",), "esx1", "c1", loc, 0.01, 0, 0, "uuid", True, None)  # fmt: skip
    vm = builder(VM)(*args)
    assert vm == VM(*args)
    assert hash(vm) == hash(VM(*args))
    assert vm.usage_bound == VM(*args).usage_bound
    assert not hasattr(vm, "__dict__")


def test_other_classes_keep_their_constructor() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        n: int

        def __post_init__(self) -> None:
            if self.n < 0:
                raise ValueError(self.n)

    @dataclasses.dataclass(frozen=True)
    class Unslotted:
        n: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        n: int
        twice: int = dataclasses.field(init=False, default=0)

    for cls in (Checked, Unslotted, Derived):
        assert builder(cls) is cls
