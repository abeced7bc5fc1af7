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

from memplan.cli.root import app, main

__all__ = ["app", "main"]
