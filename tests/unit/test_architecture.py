"""The dependency rule: the domain core imports no framework (style.md §1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "requests_service" / "domain"
FORBIDDEN = (
    "flask",
    "flask_smorest",
    "sqlalchemy",
    "marshmallow",
    "jinja2",
    "weasyprint",
    "redis",
    "rq",
)
ALLOWED_OWN = "requests_service.domain"


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_module_imports_no_framework(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            root = name.split(".")[0]
            assert root not in FORBIDDEN, f"{path.name} imports {name}"
            if root == "requests_service":
                assert name.startswith(ALLOWED_OWN), f"{path.name} imports {name}"
