"""``memplan schema``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class Document(StrEnum):
    """The documents memplan publishes a JSON Schema of."""

    INVENTORY = "inventory"
    HEADROOM = "headroom"


def schema_command(
    document: Annotated[
        Document,
        typer.Argument(
            help="inventory (the YAML inventory format) or headroom (headroom --format json).",
            metavar="DOCUMENT",
        ),
    ] = Document.INVENTORY,
) -> None:
    """Print a JSON Schema (draft 2020-12): of the inventory format, or of a report.

    Example: memplan schema > memplan.schema.json

    Point your editor at it for completion and checks as you type: with the YAML
    extension (yaml-language-server), put this first line in the inventory:
    # yaml-language-server: $schema=./memplan.schema.json

    Example: memplan schema headroom > headroom.schema.json   (validates what
    memplan headroom --format json writes, its "at" object included)
    """
    import json

    if document is Document.HEADROOM:
        from memplan.render.headroom import json_schema

        doc = json_schema()
    else:
        from memplan.inventory.schema import schema

        doc = schema()
    typer.echo(json.dumps(doc, indent=2, sort_keys=True))
