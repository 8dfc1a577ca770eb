"""The design's import rules, checked on the source (ast, nothing is imported):

- no import cycle between the modules of contact_center, webhooks and
  agent_console (module-level and function-level imports both count);
- services never import the LISTEN hub (contact_center.live): they publish
  through contact_center.events;
- the core imports no adapter (webhooks, agent_console) except in the app
  factory, the composition root; the adapters do not import each other;
- no function-level import of a project module (a lazy import that dodges a
  cycle hides a function in the wrong module), except in the modules listed
  in LAZY_ALLOWED: the CLI commands import what they need when they run, so
  that `cc142 --help` starts fast.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("contact_center", "webhooks", "agent_console")
ADAPTERS = ("webhooks", "agent_console")
COMPOSITION_ROOT = "contact_center.app"
LAZY_ALLOWED = frozenset({
    "contact_center.commands",
    "contact_center.commands.ami",
    "contact_center.commands.core",
    "contact_center.commands.meta",
    "contact_center.commands.stats",
    "contact_center.commands.up",
    "contact_center.commands.users",
})


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    line: int
    lazy: bool  # inside a function
    direct: bool = True  # False: a package whose __init__ runs on the way to the module named

    def __str__(self) -> str:
        where = " (inside a function)" if self.lazy else ""
        return f"{self.importer}:{self.line} imports {self.imported}{where}"


def _modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "migrations" in parts:  # Alembic's scripts, loaded by path, not imported
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _targets(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: dict[str, Path]
) -> dict[str, bool]:
    """The project modules an import statement loads -> whether it names them (True)
    or only runs their package's __init__ on the way (False). The importer's own
    packages are left out: Python has loaded them before the importer runs."""
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if is_package else module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
    own = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
    targets: dict[str, bool] = {}
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            candidate = ".".join(parts[:i])
            if candidate in known and candidate not in own:
                targets[candidate] = targets.get(candidate, False) or i == len(parts)
    return targets


def import_edges(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[Edge]:
    known = _modules(root, packages)
    edges = []
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        lazy_nodes = {
            id(inner)
            for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            for inner in ast.walk(fn)
        }
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target, direct in _targets(node, module, path.name == "__init__.py", known).items():
                    if target != module:
                        edges.append(Edge(module, target, node.lineno, id(node) in lazy_nodes, direct))
    return edges


def cycles(edges: list[Edge]) -> list[list[Edge]]:
    """One example cycle (as its edges) for every strongly connected group of modules."""
    graph: dict[str, list[Edge]] = defaultdict(list)
    for e in sorted(edges, key=lambda e: (e.importer, e.imported, e.line)):
        graph[e.importer].append(e)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for e in graph[v]:
            w = e.imported
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted({e.importer for e in edges} | {e.imported for e in edges}):
        if v not in index:
            connect(v)

    found = []
    for group in groups:
        start = min(group)
        # Breadth-first inside the group: the shortest way from `start` back to it.
        paths: dict[str, list[Edge]] = {start: []}
        queue = [start]
        cycle: list[Edge] | None = None
        while queue and cycle is None:
            v = queue.pop(0)
            for e in graph[v]:
                if e.imported == start:
                    cycle = [*paths[v], e]
                    break
                if e.imported in group and e.imported not in paths:
                    paths[e.imported] = [*paths[v], e]
                    queue.append(e.imported)
        assert cycle is not None
        found.append(cycle)
    return found


def describe(cycle: list[Edge]) -> str:
    chain = " -> ".join([cycle[0].importer, *(e.imported for e in cycle)])
    return f"import cycle {chain}\n    " + "\n    ".join(str(e) for e in cycle)


def forbidden(edges: list[Edge]) -> list[str]:
    """Every edge that breaks a rule of the layering, with the rule."""
    problems = []
    for e in (e for e in edges if e.direct):
        core = e.importer.split(".")[0] == "contact_center"
        if e.importer.startswith("contact_center.services") and e.imported == "contact_center.live":
            problems.append(f"{e}: services publish through contact_center.events, never the LISTEN hub")
        if core and e.imported.split(".")[0] in ADAPTERS and e.importer != COMPOSITION_ROOT:
            problems.append(f"{e}: the core imports adapters only in the app factory ({COMPOSITION_ROOT})")
        top_from, top_to = e.importer.split(".")[0], e.imported.split(".")[0]
        if top_from in ADAPTERS and top_to in ADAPTERS and top_from != top_to:
            problems.append(f"{e}: one adapter never imports another")
        if e.lazy and e.importer not in LAZY_ALLOWED:
            problems.append(f"{e}: a lazy import of a project module (move the function, or import at the top)")
    return problems


# --- the project ---------------------------------------------------------------------------------
def test_there_are_no_import_cycles():
    found = cycles(import_edges(ROOT))
    assert not found, "\n".join(describe(c) for c in found)


def test_no_import_breaks_the_layering():
    problems = forbidden(import_edges(ROOT))
    assert not problems, "\n".join(problems)


def test_the_walk_sees_the_whole_project():
    edges = import_edges(ROOT)
    importers = {e.importer for e in edges}
    assert {"contact_center.app", "contact_center.runtime", "webhooks.pbx", "agent_console.routes"} <= importers
    assert any(e.lazy for e in edges if e.importer == "contact_center.commands.core")  # function level is seen
    assert ("contact_center.app", "agent_console.routes") in {(e.importer, e.imported) for e in edges}


# --- the checker itself, on a small tree with every kind of fault -------------------------------------
def _tree(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


def test_the_checker_names_each_cycle_and_forbidden_edge(tmp_path):
    _tree(tmp_path, {
        "contact_center/__init__.py": "",
        "contact_center/live.py": "",
        "contact_center/app.py": "from agent_console import views\n",
        "contact_center/services/__init__.py": "",
        "contact_center/services/a.py": "from contact_center.services import b\nfrom contact_center import live\n",
        "contact_center/services/b.py": "def f():\n    from . import a\n    return a\n",
        "contact_center/stats.py": "import webhooks.pbx\n",
        "contact_center/commands/__init__.py": "def run():\n    from contact_center.services import a\n",
        "webhooks/__init__.py": "",
        "webhooks/pbx.py": "from agent_console import views\n",
        "agent_console/__init__.py": "",
        "agent_console/views.py": "import json\nfrom contact_center.services.a import f\n",
    })
    edges = import_edges(tmp_path)
    [cycle] = cycles(edges)
    assert describe(cycle) == (
        "import cycle contact_center.services.a -> contact_center.services.b -> contact_center.services.a\n"
        "    contact_center.services.a:1 imports contact_center.services.b\n"
        "    contact_center.services.b:2 imports contact_center.services.a (inside a function)"
    )
    problems = forbidden(edges)
    assert any(p.startswith("contact_center.services.a:2 imports contact_center.live:") for p in problems)
    assert any(p.startswith("contact_center.stats:1 imports webhooks.pbx:") for p in problems)
    assert any(p.startswith("webhooks.pbx:1 imports agent_console.views:") for p in problems)
    assert any(p.startswith("contact_center.services.b:2 imports contact_center.services.a (inside a function)")
               for p in problems)
    # Allowed: the app factory's adapters, the CLI's lazy imports, the standard library.
    assert not any(p.startswith(("contact_center.app:", "contact_center.commands:")) for p in problems)
    assert not any("json" in p for p in problems)
    assert len(problems) == 4, problems
