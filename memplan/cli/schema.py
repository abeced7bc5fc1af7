"""``memplan schema``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    pass


def schema_command() -> None:
    """Print the JSON Schema (draft 2020-12) of the inventory format.

    Example: memplan schema > memplan.schema.json

    Point your editor at it for completion and checks as you type: with the YAML
    extension (yaml-language-server), put this first line in the inventory:
    # yaml-language-server: $schema=./memplan.schema.json
    """
    import json

    from memplan.inventory.schema import schema

    typer.echo(json.dumps(schema(), indent=2, sort_keys=True))
