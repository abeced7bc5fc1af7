"""The inventory: the only layer (with importers) that touches YAML, files or git.

- ``loader``: the pipeline from bytes to a validated ``Inventory`` (``load``, ``parse``);
- ``sources``: where the bytes come from (bounded file reads, git revisions, RVTools
  exports imported in memory, baselines);
- ``yamlload``: libyaml composition with positions and a bounded tag resolver;
- ``vmlines``: the loader's fast path, one-line VM entries read from the text (any problem:
  the document is read node by node); ``build``: records built without their ``__init__``;
- ``nodes``: typed values read from YAML nodes, every problem collected at its position;
- ``sections/``: one module per section (hosts and VMs, clusters and HA, policy,
  planned changes, waivers); ``document`` combines them and checks cross-references;
- ``whatif``: command-line what-ifs applied to the composed nodes;
- ``fields``: the field names and limits; ``schema``: the JSON Schema of the format;
- ``imported``: an importer's records checked against the validator's rules, so that an
  import need not parse back the YAML it writes.
"""

from __future__ import annotations

from memplan.inventory.loader import (
    compose,
    load,
    load_with_shape,
    parse,
    release_parse_trees,
    retain_parse_trees,
)
from memplan.inventory.sources import (
    is_export,
    read_baseline,
    read_bytes,
    read_git,
    read_git_source,
    read_source,
)

__all__ = [
    "compose",
    "is_export",
    "load",
    "load_with_shape",
    "parse",
    "read_baseline",
    "read_bytes",
    "read_git",
    "read_git_source",
    "read_source",
    "release_parse_trees",
    "retain_parse_trees",
]
