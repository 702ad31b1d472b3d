"""The shape of the package, read from its source: layers, cycles, privacy, size.

Every rule reads each module's imports with ``ast`` (inside functions too),
so a rule broken by a late import in a function body is caught all the same.
Only the cycle rule leaves out imports under ``if TYPE_CHECKING:``: they never
run, so they cannot close a cycle (they still tie a layer to a library, so the
layer rules count them).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from importlib.util import resolve_name
from pathlib import Path
from typing import NamedTuple

import inctrack

SRC = Path(inctrack.__file__).parent
FRONT = ("inctrack.cli", "inctrack.render")
UI_LIBRARIES = {"typer", "rich", "click"}
DATABASE_LIBRARIES = {"sqlalchemy", "sqlmodel", "sqlite3", "psycopg"}
MAX_LINES = 500
TYPE_CHECKING = {"TYPE_CHECKING", "typing.TYPE_CHECKING"}


class Import(NamedTuple):
    """One imported module (and the name taken from it, for ``from ... import``)."""

    module: str
    name: str | None
    line: int
    type_checking: bool

    def __str__(self) -> str:
        what = f"from {self.module} import {self.name}" if self.name else f"import {self.module}"
        return f"{what} (line {self.line})"


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(SRC.rglob("*.py"))}


def is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in TYPE_CHECKING


def walk(node: ast.AST, *, guarded: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every node below ``node``, with whether it sits under ``if TYPE_CHECKING:``."""
    for field, value in ast.iter_fields(node):
        under = guarded or (field == "body" and is_type_checking(node))
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ast.AST):
                yield child, under
                yield from walk(child, guarded=under)


def imports(module: str) -> list[Import]:
    """What ``module`` imports, relative imports resolved to absolute names."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []
    for node, guarded in walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(a.name, None, node.lineno, guarded) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = resolve_name("." * node.level + (node.module or ""), package)
            found += [Import(source, a.name, node.lineno, guarded) for a in node.names]
    return found


def violations(modules: list[str], banned: set[str]) -> list[str]:
    return [
        f"{module}: {each}"
        for module in modules
        for each in imports(module)
        if each.module.split(".")[0] in banned
    ]


def is_front(module: str) -> bool:
    return any(module == front or module.startswith(f"{front}.") for front in FRONT)


def test_the_core_imports_no_user_interface_library() -> None:
    found = violations([m for m in MODULES if not is_front(m)], UI_LIBRARIES)
    assert not found, "the core imports a user-interface library:\n" + "\n".join(found)


def test_the_cli_and_render_import_no_database_library() -> None:
    found = violations([m for m in MODULES if is_front(m)], DATABASE_LIBRARIES)
    assert not found, "cli/render import a database library:\n" + "\n".join(found)


def dependencies(module: str) -> set[str]:
    """The inctrack modules ``module`` runs on import or call: a named submodule counts."""
    found: set[str] = set()
    for each in imports(module):
        if each.type_checking or each.module.split(".")[0] != "inctrack":
            continue
        submodule = f"{each.module}.{each.name}" if each.name else each.module
        found.add(submodule if submodule in MODULES else each.module)
    return (found & MODULES.keys()) - {module}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per edge back into the depth-first path: together they break every cycle."""
    found: list[list[str]] = []
    path: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        path.append(node)
        for target in sorted(graph[node]):
            if target in path:
                found.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target)
        path.pop()
        done.add(node)

    for node in sorted(graph):
        if node not in done:
            visit(node)
    return found


def test_there_is_no_import_cycle() -> None:
    found = [" -> ".join(cycle) for cycle in cycles({m: dependencies(m) for m in MODULES})]
    assert not found, "import cycles:\n" + "\n".join(found)


def test_the_cycle_finder_reports_each_cycle_as_a_path() -> None:
    graph = {"a": {"b"}, "b": {"a", "c"}, "c": {"c", "d"}, "d": set()}
    assert cycles(graph) == [["a", "b", "a"], ["c", "c"]]


def test_no_module_imports_a_private_name() -> None:
    found = [
        f"{module}: {each}"
        for module in MODULES
        for each in imports(module)
        if each.name and each.name.startswith("_") and not each.name.startswith("__")
    ]
    assert not found, "underscored names imported from another module:\n" + "\n".join(found)


def test_no_module_is_longer_than_the_limit() -> None:
    found = [
        f"{module}: {length} lines"
        for module, path in MODULES.items()
        if (length := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert not found, f"modules longer than {MAX_LINES} lines:\n" + "\n".join(found)


def test_the_map_in_the_docs_names_every_package_and_top_module() -> None:
    page = (SRC.parent.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    tops = {
        path.name if path.is_dir() else path.stem
        for path in SRC.iterdir()
        if (path / "__init__.py").exists() or (path.suffix == ".py" and path.stem[0] != "_")
    }
    missing = sorted(top for top in tops if f"`{top}/`" not in page and f"`{top}.py`" not in page)
    assert not missing, f"docs/architecture.md does not place: {', '.join(missing)}"
