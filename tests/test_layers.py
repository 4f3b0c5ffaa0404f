"""The layers run one way (DESIGN.md "Layers"): org → work → supervise/documents → web."""

from __future__ import annotations

import ast
from pathlib import Path

import duban

SRC = Path(duban.__file__).parent

# (package, packages it must never import)
FORBIDDEN = [
    ("work", ("duban.supervise", "duban.documents", "duban.web", "duban.management")),
    ("work", ("duban.records",)),
    ("records", ("duban.supervise", "duban.documents", "duban.web", "duban.management")),
    ("org", ("duban.work", "duban.supervise", "duban.documents", "duban.web")),
    # The streams sit beside supervise/documents: they never reach up to the pages or CLI.
    ("proposals", ("duban.web", "duban.management", "duban.api", "duban.supervise")),
    # issue 16: a new stream beside the others; it reads the meetings and events apps
    ("duties", ("duban.web", "duban.management")),
]
# work/tick.py coordinates several rooms and is being moved above work (issue 12, helper
# "serve"); until then it is the one known exception.
KNOWN = {"work/tick.py"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_lower_layers_do_not_import_higher_ones() -> None:
    wrong = []
    for package, forbidden in FORBIDDEN:
        for path in sorted((SRC / package).rglob("*.py")):
            rel = path.relative_to(SRC).as_posix()
            if rel in KNOWN or "/migrations/" in rel:
                continue
            for name in _imports(path):
                if name.startswith(forbidden):
                    wrong.append(f"{rel} imports {name}")
    assert wrong == []
