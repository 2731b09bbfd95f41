"""Imports point one way: common ← regions ← ledger ← claims, funds ← registry ← affairs ←
supervision ← reports ← disclosure ← web, workspace, demo, api (architecture.md).

A small AST walk over the package: no module of a lower layer imports one of a higher layer,
and the pure domain package imports nothing of Django.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "villagebooks"
# claims turn a village's receipts into draft vouchers (above ledger); funds (allocations, projects,
# budget control) sits beside claims, and so does banking (bank statements matched with the posted
# lines of 银行存款: it reads the books and writes only its own tables; the month close asks it
# through ledger.closing_checks' hook, and reports lists its 调节表); the registry of households and subsidy lists charges funds;
# village affairs (members, contracts, assets) builds on the registry; supervision reads all of them;
# reports and the public disclosure read everything below; the page, API and demo apps sit on top.
# ops (backup, restore) works on tables and runs migrate and verify by name: it needs no other app.
LAYERS = {
    "common": 0,
    "ops": 0,
    "regions": 1,
    "ledger": 2,
    "claims": 3,
    "funds": 3,
    "banking": 3,
    "registry": 4,
    "affairs": 5,
    "supervision": 6,
    "reports": 7,
    "disclosure": 8,
    "web": 9,
    "workspace": 9,
    "demo": 9,
    "api": 9,
}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_apps_import_only_from_layers_below_them():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        app = path.relative_to(PACKAGE).parts[0]
        if app not in LAYERS or "tests" in path.parts:
            continue
        for module in _imports(path):
            parts = module.split(".")
            if parts[0] == "villagebooks" and len(parts) > 1 and parts[1] in LAYERS:
                if LAYERS[parts[1]] > LAYERS[app]:
                    wrong.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert wrong == []


def test_the_domain_core_has_no_framework_imports():
    for path in (PACKAGE / "ledger" / "domain").rglob("*.py"):
        assert not [m for m in _imports(path) if m.startswith("django")], path
