"""The reading layer: YAML tags as PyYAML gives them, kept parse trees, percentages."""

from __future__ import annotations

from fractions import Fraction

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from memplan.inventory import yamlload

SPECIALS = [
    "", "~", "null", "Null", "NULL", "yes", "No", "on", "OFF", "true", "False", "y", "n",
    "0", "-1", "+12", "0x1F", "0o17", "017", "1_000", "1:30", "190:20:30", "0b101",
    "1.5", "-.5", "1e3", "6.8523015e+5", ".inf", "-.Inf", ".NaN", "2024-01-01",
    "2001-12-14t21:59:43.10-05:00", "<<", "16GiB", "80%", "off-site", "name", "vm0001",
]  # fmt: skip
"""Plain scalars that YAML 1.1 reads as null, bool, int, float, timestamp or merge, and
look-alikes that stay strings."""


def _tags(text: str, loader: type) -> list[str]:
    out: list[str] = []
    stack = [yaml.compose(text, Loader=loader)]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        out.append(node.tag)
        if isinstance(node, yaml.MappingNode):
            stack.extend(x for kv in node.value for x in kv)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return out


def test_plain_scalars_get_pyyamls_tags() -> None:
    reference = yaml.resolver.Resolver()
    for value in SPECIALS:
        expected = reference.resolve(yaml.ScalarNode, value, (True, False))
        assert yamlload.plain_tag(value) == expected, value
        assert yamlload.plain_tag(value) == expected, value  # memoised: same answer


def test_a_document_gets_the_same_tags_as_with_pyyaml() -> None:
    doc = "\n".join(f"k{i}: {v}" if v else f"k{i}:" for i, v in enumerate(SPECIALS))
    doc += "\nquoted: ['yes', \"1\"]\nflow: {a: [1, off, 2GiB]}\n"
    assert _tags(doc, yamlload.Loader) == _tags(doc, yaml.SafeLoader)


def test_a_plain_equals_sign_is_text() -> None:
    """YAML 1.1's "value" key type, which no safe loader constructs, reads as '='."""
    node = yamlload.compose("a: =")
    assert isinstance(node, yaml.MappingNode)
    assert node.value[0][1].tag == yamlload.STR


plain = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).filter(
    lambda s: s == s.strip() and not any(c in s for c in ":#,[]{}&*!|>'\"%@`\n")
    and not s.startswith(("-", "?"))
)  # fmt: skip


@given(plain)
def test_any_plain_scalar_gets_pyyamls_tag(value: str) -> None:
    expected = yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False))
    if expected == yamlload.TAG + "value":
        expected = yamlload.STR
    assert yamlload.plain_tag(value) == expected


def test_parse_trees_are_kept_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from memplan import inventory
    from memplan.inventory import loader

    monkeypatch.setattr(loader, "_RETAINED", None)
    inventory.load("samples/small.yaml")
    assert loader._RETAINED is None
    inventory.retain_parse_trees()
    inventory.load("samples/small.yaml")
    assert loader._RETAINED is not None
    assert len(loader._RETAINED) == 1


@given(
    st.fractions(min_value=0, max_value=100, max_denominator=10**6),
    st.integers(min_value=0, max_value=2**50),
)
def test_percentages_resolve_as_round_of_the_fraction(share: Fraction, memory: int) -> None:
    """The reader's integer arithmetic rounds like round(Fraction): half to even."""
    from memplan.inventory.nodes import Pct
    from memplan.inventory.sections.hosts import resolve_size

    assert resolve_size(Pct(share), memory) == round(share * memory)
    assert resolve_size(Pct(Fraction(1, 2)), 2 * memory + 1) == memory + (memory & 1)  # a tie
