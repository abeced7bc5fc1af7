"""The layers point one way (docs/architecture.md): cli -> inventory -> importers | rules, and
cli -> engine | render -> rules -> model, units, errors, esxi. Checked on every import,
including those made inside functions to keep start-up fast."""

from __future__ import annotations

import ast

from tests.helpers import ROOT

PACKAGE = ROOT / "memplan"
BOTTOM = {"model", "units", "errors", "esxi", "__init__"}
ALLOWED = {
    "__main__": {"cli"},  # python -m memplan: the entry point, above cli; nothing imports it
    "cli": {"cli", "inventory", "importers", "engine", "render", "rules", *BOTTOM},
    "inventory": {"inventory", "importers", "rules", *BOTTOM},
    "importers": {"importers", *BOTTOM},
    "engine": {"engine", "rules", *BOTTOM},
    "render": {"render", "rules", *BOTTOM},
    "rules": {"rules", *BOTTOM},
    **dict.fromkeys(BOTTOM, BOTTOM),
}


def _layer(module: str) -> str:
    """memplan.engine.ha -> engine; memplan.model -> model; memplan -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "memplan":  # from memplan import engine, esxi
                found += [(node.lineno, f"memplan.{a.name}") for a in node.names]
            elif node.module.startswith("memplan."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("memplan.")]
    return found


def test_imports_point_one_way() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        source = _layer(module)
        allowed = ALLOWED[source]
        for line, target in _imports(ast.parse(path.read_text())):
            if _layer(target) not in allowed and target != "memplan.__version__":
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {source} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_every_layer_is_known() -> None:
    """A new top-level module or package must be placed in a layer (docs/architecture.md)."""
    names = {p.stem for p in PACKAGE.glob("*.py")} | {
        p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()
    }
    assert names <= set(ALLOWED), names - set(ALLOWED)
