"""The dependency rule: the domain core imports no framework (style.md §1)."""

from __future__ import annotations

import ast
import subprocess
import sys
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


@pytest.mark.parametrize(
    "path", sorted(DOMAIN.rglob("*.py")), ids=lambda p: str(p.relative_to(DOMAIN))
)
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


def test_domain_imports_without_any_framework_loaded() -> None:
    """``import requests_service.domain.*`` must not drag Flask in through the package."""
    code = (
        "import sys, pkgutil, importlib, requests_service.domain as d\n"
        "for m in pkgutil.walk_packages(d.__path__, d.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"importing the domain loaded: {out}"


API = DOMAIN.parent / "api"
WEB = DOMAIN.parent / "web"
# The HTTP error adapter maps the database's conflict/outage exceptions to 409/503.
API_MAY_IMPORT = {"errors.py": ("sqlalchemy.exc", "sqlalchemy.orm.exc")}


def _imported_names(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize(
    "path",
    sorted([*API.rglob("*.py"), *WEB.rglob("*.py")]),
    ids=lambda p: str(p.relative_to(DOMAIN.parent)),
)
def test_routes_reach_the_database_only_through_services(path: Path) -> None:
    """Routes (the API and the applicant pages) translate HTTP to service calls: no queries,
    no ORM models, no commits."""
    allowed = API_MAY_IMPORT.get(str(path.relative_to(API)), ()) if API in path.parents else ()
    for name in _imported_names(path):
        if name in allowed:
            continue
        assert name.split(".")[0] != "sqlalchemy", f"{path.name} imports {name}"
        assert not name.startswith("requests_service.db.models"), f"{path.name} imports {name}"
        assert not name.startswith("requests_service.db.base"), f"{path.name} imports {name}"


PACKAGE = DOMAIN.parent


def _module_graph() -> dict[str, set[str]]:
    """Our modules and the modules of ours each imports, function-local imports included
    (a cycle hidden in a function is still a cycle). The package ``__init__`` only re-exports
    ``create_app`` lazily and is left out."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                submodules = [f"{node.module}.{a.name}" for a in node.names]
                targets = [m for m in submodules if m in modules] or [node.module]
            graph[name] |= {
                t for t in targets if t in modules and t not in (name, "requests_service")
            }
    graph.pop("requests_service", None)
    return graph


def test_no_import_cycles() -> None:
    graph = _module_graph()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                cycle = [*path[path.index(imported) :], imported]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if imported not in state:
                visit(imported)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def _roles_stated_twice(path: Path) -> list[str]:
    """Views that name their roles on ``@requires_roles`` and again in ``current_actor(...)``:
    two lists that must be kept equal by hand (``authorised_actor()`` takes the checked one)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef):
            continue
        declared = [
            [ast.unparse(arg) for arg in d.args]
            for d in node.decorator_list
            if isinstance(d, ast.Call) and ast.unparse(d.func) == "requires_roles"
        ]
        for call in ast.walk(node):
            if (
                isinstance(call, ast.Call)
                and ast.unparse(call.func) == "current_actor"
                and [ast.unparse(arg) for arg in call.args] in declared
            ):
                found.append(f"{path.name}:{call.lineno} {node.name}")
    return found


def test_write_views_state_their_roles_once() -> None:
    twice = [hit for path in sorted(API.rglob("*.py")) for hit in _roles_stated_twice(path)]
    assert twice == []
