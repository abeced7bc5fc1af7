"""The command line: parse options, call the inventory, importers and engine, pick a
renderer, map errors to exit codes. One module per command; they stay thin.

- ``root``: the Typer app, global options, every command registered, ``main()``;
- ``options``: the Annotated option aliases shared by commands;
- ``loading``: inventories and scenarios from the command line;
- ``output``: consoles and staged file writes; ``exits``: errors to exit codes;
- ``check``, ``validate``, ``project``, ``headroom``, ``diff``, ``schema``, ``thresholds``,
  ``imports``: the commands.
"""

from __future__ import annotations

import gc

# The imports below create thousands of lasting objects (classes, functions) and no garbage:
# the collector's passes during them cost about 5% of a small check's start. It is paused
# while they load and restored after (main() then keeps it off for the command's run).
# freeze() + unfreeze() move what the imports made to the oldest generation, where full
# collections still see it: resuming would otherwise start with a young-generation pass
# over all of it (another 4%).
_collecting = gc.isenabled()
gc.disable()
try:
    from memplan.cli.root import app, main
finally:
    gc.freeze()
    gc.unfreeze()
    if _collecting:
        gc.enable()

__all__ = ["app", "main"]
