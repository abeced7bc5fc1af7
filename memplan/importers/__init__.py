"""Importers: other inventory formats into memplan's inventory YAML (inventory layer).

Each importer reads files and returns an ImportResult: the inventory as YAML text that
``memplan validate`` accepts, and every row it skipped or repaired, with the reason.
"""
