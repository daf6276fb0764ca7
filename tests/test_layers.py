"""The import graph runs one way (DESIGN §2): no module imports from a layer above its own.

Like import-linter's "layers" contract, written out so it needs no dependency. Every `import` and
`from … import` counts, at module level, inside functions and under TYPE_CHECKING alike: a type-only import
still couples a module to the layer it names. Dynamic imports by name (`import_module("pkg:attr")`, the plug-in
registry's entry points) are how higher layers are reached on purpose and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "mktcrm"

# Highest first. A module belongs to the first entry that matches its dotted name below `mktcrm`; modules in
# one entry are siblings of one layer (they may import each other).
LAYERS: list[tuple[str, ...]] = [
    ("cli", "__main__"),
    ("commands",),
    ("context",),
    ("core",),
    ("sync",),
    ("connectors.*.sandbox",),  # each plug-in's fake marketplace, built on the sandbox kit
    ("sandbox",),  # the sandbox kit and its registry (finds plug-ins' sandboxes by name)
    ("connectors",),
    ("db", "http", "charter", "output", "clipboard"),
    ("config", "automation_rules"),
    ("money",),  # ISO 4217 exponents over timeutil's arithmetic
    ("records", "timeutil", "text", "errors", ""),
]


def layer_of(module: str) -> int:
    """Index in LAYERS of a dotted name below `mktcrm` (`connectors.ebay.sandbox.data` is a plug-in sandbox)."""
    parts = module.split(".")
    for index, names in enumerate(LAYERS):
        for name in names:
            if name == "connectors.*.sandbox":
                matches = len(parts) >= 3 and parts[0] == "connectors" and parts[2] == "sandbox"
            elif name == "":
                matches = module == ""
            else:
                matches = module == name or module.startswith(name + ".")
            if matches:
                return index
    raise AssertionError(f"mktcrm.{module} is in no layer: add it to LAYERS")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    """`mktcrm.core.charter` is a module (a file or a package), `mktcrm.core.disputes.find` is not."""
    where = SRC.joinpath(*dotted.split(".")[1:])
    return where.with_suffix(".py").exists() or (where / "__init__.py").exists()


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name below `mktcrm`) of every mktcrm module the file imports."""
    module = _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(["mktcrm", *package[: len(package) - (node.level - 1)], *([base] if base else [])])
            # `from mktcrm.core import charter` imports the submodule `core.charter`, not just the package
            targets = [f"{base}.{a.name}" if _is_module(f"{base}.{a.name}") else base for a in node.names]
        else:
            continue
        found += [
            (node.lineno, t.removeprefix("mktcrm").removeprefix(".")) for t in targets if t.split(".")[0] == "mktcrm"
        ]
    return found


def test_no_module_imports_from_a_layer_above_it() -> None:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        module = _module_name(path)
        own = layer_of(module)
        for line, target in _imports(path):
            if layer_of(target) < own:
                rel = path.relative_to(SRC.parent)
                problems.append(f"{rel}:{line}: {module or 'mktcrm'} imports mktcrm.{target} from a layer above")
    assert not problems, "\n".join(problems)


def test_the_layer_test_bites() -> None:
    """Guards the guard: the layers are ordered as DESIGN §2 draws them."""
    assert layer_of("core.kpis") > layer_of("context")
    assert layer_of("connectors.ebay.sandbox.marketplace") < layer_of("sandbox.base") < layer_of("connectors.base")
    assert layer_of("connectors.ebay.streams") < layer_of("records")  # smaller index: higher layer
    assert layer_of("") == len(LAYERS) - 1
