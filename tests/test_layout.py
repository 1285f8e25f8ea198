"""The tree a newcomer reads: the README's layout names every package and top-level module of the core (and nothing
that is gone), the core has few top-level modules, no import cycle between its modules, and never imports streamlit."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "routeboard"
MAX_TOP_LEVEL_MODULES = 12  # besides __init__ and __main__: more, and a concept is looking for its package


def _layout_names() -> set[str]:
    """Every routeboard/ entry named in the README's layout block ('name.py' or 'name/')."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Layout", 1)[1].split("```", 2)[1]
    core = block.split("routeboard/", 1)[1].split("\nbenchmarks/", 1)[0]
    return set(re.findall(r"\b([a-z_]+(?:\.py|/))", core))


def _tree_names() -> set[str]:
    modules = {p.name for p in CORE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    packages = {f"{p.name}/" for p in CORE.iterdir() if (p / "__init__.py").exists()}
    return modules | packages


def test_the_readme_layout_names_what_the_tree_holds():
    assert _layout_names() == _tree_names()


def test_the_core_keeps_few_top_level_modules():
    modules = sorted(p.name for p in CORE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """The core modules a file imports anywhere in it (lazy imports inside functions count: a cycle is a cycle)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {name for name in names if name in known}
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in CORE.rglob("*.py")}
    known = set(files)
    # a package's __init__ that only re-exports is its face, not a module of its own: imports of it are not edges
    faces = {name for name, p in files.items() if p.name == "__init__.py"}
    return {name: _imports(path, known) - faces - {name} for name, path in files.items() if name not in faces}


def test_no_import_cycle_between_the_cores_modules():
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def _imported_modules(path: Path) -> set[str]:
    tree = ast.walk(ast.parse(path.read_text()))
    return {
        alias.name if isinstance(node, ast.Import) else (node.module or "")
        for node in tree
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }


def test_the_core_never_imports_streamlit():
    offenders = [
        str(p.relative_to(ROOT))
        for p in CORE.rglob("*.py")
        if any(name.split(".")[0] == "streamlit" for name in _imported_modules(p))
    ]
    assert offenders == []
