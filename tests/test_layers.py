"""The import graph points one way: a plan knows nothing of what hangs under it, and
nothing outside `reporting` depends on the reporting side (README, "Layout")."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def imported_apps(app: str) -> dict[str, set[str]]:
    """For each module file of `app` (migrations aside), the top-level packages it imports,
    at module level or inside functions."""
    found = {}
    for path in (BASE_DIR / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(BASE_DIR))] = names
    return found


@pytest.mark.parametrize("app, forbidden", [
    ("masterplan", {"initiatives", "followup", "indicators", "reporting"}),
    ("initiatives", {"followup", "indicators", "reporting"}),
    ("followup", {"indicators", "reporting"}),
    ("indicators", {"followup", "reporting"}),
    ("config", {"reporting"}),
])
def test_an_app_imports_only_what_lies_below_it(app, forbidden):
    offending = {path: sorted(names & forbidden) for path, names in imported_apps(app).items() if names & forbidden}
    assert offending == {}
