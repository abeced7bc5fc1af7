"""The loader's fast path (inventory/vmlines.py): VM lines read from the text give the
inventory that reading every node gives, and any problem is reported as the nodes report it."""

from __future__ import annotations

import json
import sys
import textwrap
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memplan.errors import InventoryError, Problem
from memplan.importers import common, rvtools
from memplan.inventory import loader, vmlines
from memplan.model import Inventory

from .helpers import DATA, ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate


def fast(text: str) -> Inventory | None:
    """The fast path's inventory, or None where it leaves the text to the nodes."""
    got = loader._parse_lines(text, "inv.yaml", None)
    return None if got is None else got[0]


def slow(text: str) -> Inventory | list[Problem]:
    """The inventory read node by node (the fast path off), or its problems."""
    with mock.patch.object(vmlines, "splice", return_value=None):
        try:
            return loader.parse(text.encode(), "inv.yaml")
        except InventoryError as exc:
            return exc.problems


def loaded(text: str) -> Inventory | list[Problem]:
    """What the loader gives, fast path and all."""
    try:
        return loader.parse(text.encode(), "inv.yaml")
    except InventoryError as exc:
        return exc.problems


def same(text: str) -> Inventory | None:
    """Check the loader gives what reading node by node gives; the fast path's inventory."""
    expected = slow(text)
    assert loaded(text) == expected
    got = fast(text)
    if not isinstance(expected, Inventory):
        assert got is None
    else:
        assert got is None or got == expected
    return got


@pytest.mark.parametrize("plain", [True, False])
def test_generated_inventories_read_fast_and_the_same(plain: bool) -> None:
    text = generate(12, 15, seed=4, plain=plain)
    got = same(text)
    assert got is not None
    assert len(got.vms) == 180


def test_every_sample_reads_fast_and_the_same() -> None:
    for path in [*SAMPLES.glob("*.yaml"), *SAMPLES.glob("history/*.yaml")]:
        assert same(path.read_text()) is not None, path


def test_an_import_reads_fast_and_the_same() -> None:
    """Importers write names and uuids quoted, 'off' quoted, seen_on for cluster VMs."""
    text = common.to_yaml(rvtools.read([str(DATA / "rvtools" / "example1.xlsx")]), "x")
    assert '- {name: "vm-1", memory: 2GiB, power: \'off\', uuid: "' in text
    got = same(text)
    assert got is not None
    assert len(got.vms) == 9
    assert {v.seen_on for v in got.vms} >= {"10.5.126.198", "10.185.26.9"}


def test_a_vm_line_is_where_its_nodes_are() -> None:
    text = "version: 1\nhosts:\n  - name: h\n    memory: 64GiB\n    vms:\n" + "".join(
        f"    - {{name: v{i}, memory: 4GiB}}\n" for i in range(3)
    )
    got = same(text)
    assert got is not None
    assert [(v.location.line, v.location.column) for v in got.vms] == [(6, 7), (7, 7), (8, 7)]


BASE = """\
    version: 1
    defaults: {vm: {vcpus: 2, consumed: 80%}}
    clusters:
      - name: c
        growth: 2%/month
        hosts:
          - name: h1
            memory: 512GiB
            vms:
              - {name: a, memory: 4GiB}
              - {name: b, memory: 4GiB, growth: 1%/month}
          - name: h2
            memory: 512GiB
            vms:
              - {name: c, memory: 4GiB, power: off, tags: [x, 'y z']}
    hosts:
      - name: h3
        memory: 256GiB
        vms:
          - {name: d, memory: 4GiB}
    """


def test_growth_and_defaults_apply_as_to_nodes() -> None:
    got = same(textwrap.dedent(BASE))
    assert got is not None
    by = {v.name: v for v in got.vms}
    assert (by["a"].demand_growth, by["b"].demand_growth, by["d"].demand_growth) == (
        True, False, False
    )  # fmt: skip
    assert by["c"].tags == ("x", "y z")
    assert not by["c"].powered_on


@pytest.mark.parametrize(
    "line",
    [
        "- {name: a, memory: 4GiB}",  # a duplicate of a's name
        "- {name: null, memory: 4GiB}",
        "- {name: '', memory: 4GiB}",
        "- {name: e, memory: 4GiX}",
        "- {name: e, memory: 4GiB, memory: 8GiB}",
        "- {name: e, memory: 4GiB, reservation: 8GiB}",
        "- {name: e, vcpus: 4}",
        "- {name: e, memory: 4GiB, growth: fast}",
        "- {name: e, memory: 4GiB, tags: [x, null]}",
        "- {name: e, memory: 4GiB, uuid: ~}",
        "- {name: e, memory: 4GiB, seen_on: h2}",  # seen_on beside a host
        "- {name: " + "e" * 256 + ", memory: 4GiB}",
    ],
)
def test_a_problem_in_a_line_is_reported_as_by_the_nodes(line: str) -> None:
    text = textwrap.dedent(BASE).replace("- {name: d, memory: 4GiB}", line)
    problems = loaded(text)
    assert isinstance(problems, list)
    assert problems
    assert fast(text) is None
    same(text)


@pytest.mark.parametrize(
    "after",
    [
        "            x: 1\n",  # deeper than the run: not spliced, as it may continue an entry
        "        # a comment\n",
        "          - name: e\n            memory: 4GiB\n",  # the sequence goes on, block style
        "          - {name: e memory: 4GiB}\n",  # not a VM line: the sequence goes on
        "        vms: []\n",  # a duplicate key
    ],
)
def test_what_follows_a_run_is_read_as_before(after: str) -> None:
    text = textwrap.dedent(BASE) + after
    same(text)


def test_lines_in_a_block_scalar_stay_text() -> None:
    """Lines like VM lines inside a literal block are its text: the fast path does not
    find its placeholder where it put it and leaves the document to the nodes."""
    text = textwrap.dedent(BASE) + textwrap.dedent("""\
        waivers:
          - rule: MP201
            subject: h1
            reason: |
              - {name: q, memory: 4GiB}
              - {name: r, memory: 4GiB}
        """)
    got = loaded(text)
    assert isinstance(got, Inventory)
    assert got.waivers[0].reason == "- {name: q, memory: 4GiB}\n- {name: r, memory: 4GiB}\n"
    assert fast(text) is None
    same(text)


def test_a_run_is_no_node() -> None:
    m = vmlines.LINE.search("x:\n  - {name: a, memory: 4GiB}")
    assert m is not None
    line = vmlines.VMRun(1, 5, [m])
    with pytest.raises(vmlines.Slow):
        _ = line.value
    with pytest.raises(vmlines.Slow):
        _ = line.start_mark


HOST = "version: 1\nhosts:\n  - name: h\n    memory: 512GiB\n"
RUN = "      - {name: a, memory: 4GiB}\n      - {name: b, memory: 4GiB}\n"


@pytest.mark.parametrize(
    ("text", "read_fast"),
    [
        # YAML reads these names as other types; a name is the text written (null is none)
        *((HOST + f"    vms:\n      - {{name: {n}, memory: 4GiB}}\n", n != "null")
          for n in ("yes", "null", "0x10", "1_000", "2024-01-01", "1e3", "_")),
        (HOST + "    vms:\n      - {name: a, memory: 4GiB, uuid: NULL}\n", False),
        (HOST + "    vms:\n      - {name: a, name: b, memory: 4GiB}\n", False),
        (HOST + "    vms:\n      - {name: a, memory: 4GiB,}\n", False),
        (HOST + "    vms:\n      - {memory: 4GiB, name: a}\n", False),
        (HOST + "    vms:\n      - {name: 'a''b', memory: 4GiB}\n", False),
        (HOST + '    vms:\n      - {name: "a\\tb", memory: 4GiB}\n', False),
        (HOST + '    vms:\n      - {name: " a #b ", memory: 4GiB}\n', True),
        (HOST + "    vms:\n      - {name: a, memory: 4GiB} # c\n", False),
        (HOST + "    vms:\n      - {name: a,\n         memory: 4GiB}\n", False),
        (HOST + "    ? vms\n    :\n" + RUN, True),  # an explicit key
        (HOST + "    vms:\n" + RUN.replace("\n", "\n\n", 1), True),  # a blank line inside
        (HOST + "    vms:\n" + RUN + "\n          more\n", False),  # would continue '_'
        (HOST + "    vms:\n" + RUN + "    vms:\n" + RUN, False),  # a duplicate key
        ("---\n" + HOST + "    vms:\n" + RUN + "...\n", True),
        (HOST + "    vms:\n" + RUN + "---\n" + HOST, False),  # two documents
        ("\ufeff" + HOST + "    vms:\n" + RUN, True),  # a BOM first is no character
        ("\ufeff\ufeff" + HOST + "    vms:\n" + RUN, False),
        (HOST.replace("\n", "\r\n") + "    vms:\r\n" + RUN.replace("\n", "\r\n"), False),
        ("version: 1\nwaivers:\n  - rule: MP201\n    subject: a\n    reason: |+\n"
         "      - {name: q, memory: 4GiB}\n\n" + HOST[11:] + "    vms:\n" + RUN, False),
        ("version: 1\nwaivers:\n  - rule: MP201\n    subject: a\n    reason: \"x\n"
         "      - {name: q, memory: 4GiB}\n      \"\n" + HOST[11:] + "    vms:\n" + RUN, False),
        ("version: 1\nhosts:\n  - {name: h, memory: 64GiB}\n", False),  # a host, not VMs
        (HOST + "    vms:\n      - {name: a, memory: 4GiB, tags: [[x]]}\n", False),
        (HOST + "    vms:\n      - name: x\n        memory: 4GiB\n        tags:\n  " + RUN, False),
    ],
)  # fmt: skip
def test_yaml_subtleties_read_as_their_nodes_read(text: str, read_fast: bool) -> None:
    """Inputs near the fast grammar (an audit's, each compared with the nodes' reading in
    process as the CLI reads it): the same inventory or problems, read fast or not."""
    same(text)
    assert (fast(text.encode().decode("utf-8-sig")) is not None) == read_fast


def test_text_libyaml_counts_otherwise_is_left_to_the_nodes() -> None:
    text = textwrap.dedent(BASE)
    for odd in ("\r\n", "\x85", "\u2028", "\t"):
        assert vmlines.splice(text.replace("\n", odd + "\n", 1)) is None
        same(text.replace("\n", odd + "\n", 1))


SIMPLE = st.sampled_from(["vm", "web-01", "db.example.net", "a_b", "x+y", "50%", "a/b"])
NAMES = st.one_of(
    SIMPLE,
    SIMPLE,
    st.sampled_from(["a", "vm", "null", "NULL", "~", "2024", "off", "x.y", "a-b", "_", "", "é",
                     "a b", "日本", "\U0001f600", "\ufeff", "\x85", "\u2028", "a\\b", "'", '"']),
    st.text(st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")), max_size=6),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=3),
)  # fmt: skip
VALID = {
    "memory": ["4GiB", "16384MiB"], "vcpus": ["1", "4"], "power": ["off", "on", "'off'"],
    "reservation": ["all", "1GiB"], "limit": ["unlimited", "8GiB"], "shares": ["high", "2000"],
    "active": ["25%", "1GiB"], "consumed": ["80%", "2GiB"], "overhead": ["100MiB"],
    "balloon_max": ["unlimited", "1GiB"], "tags": ["[a, b]", "[]", "['x y', \"z\"]"],
    "growth": ["3%/month", "20%/year"], "ballooned": ["0", "1GiB"], "swapped": ["0"],
    "uuid": ['"u-1"', "abc", "'x'"], "seen_on": ['"h9"'], "host": ["h1", "h2"],
}  # fmt: skip
"""Values each field takes (uuid, seen_on and host as well: the lines' own fields)."""
ODD = ["0", "-1GiB", "abc", "150%", "[x, null]", ".inf", "1e3", "yes", "~", "4 GiB", "{a: 1}",
       "&x 4GiB", "*x", "'a''b'", '"a\\"b"', "[a, [b]]", "4GiB #c"]  # fmt: skip
"""Values near the grammar and beyond it, right or wrong for any field."""


@st.composite
def vm_line(draw: st.DrawFn, i: int) -> str:
    """A VM line, right more often than not: one wrong field or name spoils a document."""
    name = draw(NAMES) + str(i) if draw(st.integers(0, 5)) else draw(NAMES)
    how = draw(st.integers(0, 3))
    written = [name, json.dumps(name), json.dumps(name, ensure_ascii=False), f"'{name}'"][how]
    keys = draw(st.lists(st.sampled_from([*VALID, "bogus"]), max_size=4, unique=True))
    if "memory" not in keys and draw(st.integers(0, 9)):
        keys.insert(0, "memory")
    fields = [("name", written)] + [
        (k, draw(st.sampled_from(VALID.get(k, ODD) if draw(st.integers(0, 19)) else ODD)))
        for k in keys
    ]
    tail = draw(st.sampled_from(["", "  ", " # c", "\n              # c", "\n                x: 1",
                                 "\n", "\n          - name: z\n            memory: 1GiB"])
                if not draw(st.integers(0, 9)) else st.just(""))  # fmt: skip
    return "          - {" + ", ".join(f"{k}: {v}" for k, v in fields) + "}" + tail + "\n"


@st.composite
def documents(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 6))
    body = "".join(draw(vm_line(i)) for i in range(n))
    default = draw(st.sampled_from(["", "", "memory: 4GiB", "vcpus: 2, tags: [q]", "memory: x"]))
    growth = draw(
        st.sampled_from(
            [
                "",
                "    growth: 2%/month\n",
                "    growth: 2%/month\n",
                "    growth: 1%/month\n",
                "    growth: [1]\n",
            ]
        )
    )
    defaults = f"defaults: {{vm: {{{default}}}}}\n" if default else ""
    return (
        f"version: 1\n{defaults}clusters:\n  - name: c\n{growth}    hosts:\n"
        f"      - name: h1\n        memory: 512GiB\n        vms:\n{body}"
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_any_lines_read_as_their_nodes_read(text: str) -> None:
    """Lines near the grammar and beyond it, names of any characters, quoted any way:
    the loader gives what reading every node gives (problems included), and the fast path
    gives that inventory or nothing."""
    same(text)


PRINTABLE = st.text(st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")), min_size=1)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(PRINTABLE, st.lists(st.sampled_from(list(VALID)[1:-3]), max_size=4, unique=True),
                  st.integers(0, 9)),
        min_size=1, max_size=6, unique_by=lambda t: t[0],
    )
)  # fmt: skip
def test_names_of_any_characters_read_fast(vms: list[tuple[str, list[str], int]]) -> None:
    """Names of any printable characters, quoted as importers quote them (common._q), with
    right fields: read fast, and the same. A line whose name needs an escape is left to
    libyaml among the lines read fast."""
    body = ""
    for name, keys, pick in vms:
        fields = [f"{k}: {VALID[k][pick % len(VALID[k])]}" for k in keys]
        body += f"    - {{{', '.join([f'name: {common._q(name)}', 'memory: 4GiB', *fields])}}}\n"
    text = f"version: 1\nhosts:\n  - name: h\n    memory: 2TiB\n    vms:\n{body}"
    got = same(text)
    too_long = any(len(n) > 255 for n, _, _ in vms)  # a problem
    escaped = all('"' in n or "\\" in n for n, _, _ in vms)  # no line to read fast
    assert (got is None) == (too_long or escaped)
