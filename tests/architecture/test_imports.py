"""The design's import rules, checked on the source (ast, nothing is imported):

- no import cycle between the modules of contact_center, webhooks and
  agent_console (module-level and function-level imports both count), nor
  between their packages (each subpackage or top-level module of
  contact_center, each adapter as a whole): two packages that need each
  other mean a function is in the wrong one;
- the domain packages (DOMAINS) never import the LISTEN hub
  (contact_center.live): they publish through contact_center.events;
- nothing imports another package's private module or name (`_x`): a
  package's surface is its public modules and what its __init__ re-exports;
- the core imports no adapter (webhooks, agent_console) except in the app
  factory, the composition root; the adapters do not import each other;
- no function-level import of a project module (a lazy import that dodges a
  cycle hides a function in the wrong module), except in the modules listed
  in LAZY_ALLOWED: the CLI commands import what they need when they run, so
  that `cc142 --help` starts fast;
- every subpackage of contact_center is declared a domain or plumbing, so
  that a new package is placed on purpose.
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
# What the platform does, one package per domain (contact_center/<name>/).
DOMAINS = frozenset({
    "contact_center.accounts",
    "contact_center.audit",
    "contact_center.callbacks",
    "contact_center.calls",
    "contact_center.chat",
    "contact_center.knowledge",
    "contact_center.privacy",
    "contact_center.reference",
    "contact_center.social",
    "contact_center.stats",
})
# How the process runs and is reached: the domains' plumbing.
PLUMBING = frozenset({
    "contact_center.api", "contact_center.commands", "contact_center.db", "contact_center.exports",
    "contact_center.monitoring", "contact_center.web",
})
LAZY_ALLOWED = frozenset({
    "contact_center.commands",
    "contact_center.commands.ami",
    "contact_center.commands.audit",
    "contact_center.commands.backup",
    "contact_center.commands.core",
    "contact_center.commands.knowledge",
    "contact_center.commands.meta",
    "contact_center.commands.privacy",
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
    names: tuple[str, ...] = ()  # what `from <imported> import ...` takes that is not a module

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
) -> dict[str, tuple[bool, tuple[str, ...]]]:
    """The project modules an import statement loads -> (whether it names them, rather
    than only running their package's __init__ on the way; the names it takes from
    them that are not modules). The importer's own packages are left out: Python has
    loaded them before the importer runs."""
    names: list[str] = []
    base, taken = "", ()
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if is_package else module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        taken = tuple(alias.name for alias in node.names if f"{base}.{alias.name}" not in known)
    own = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
    targets: dict[str, tuple[bool, tuple[str, ...]]] = {}
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            candidate = ".".join(parts[:i])
            if candidate in known and candidate not in own:
                direct = targets.get(candidate, (False, ()))[0] or i == len(parts)
                targets[candidate] = (direct, taken if candidate == base else ())
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
                for target, (direct, taken) in _targets(node, module, path.name == "__init__.py", known).items():
                    if target != module:
                        edges.append(Edge(module, target, node.lineno, id(node) in lazy_nodes, direct, taken))
    return edges


def cycles(edges: list[Edge]) -> list[list[Edge]]:
    """One example cycle (as its edges) for every strongly connected group of modules."""
    graph: dict[str, list[Edge]] = defaultdict(list)
    for e in sorted(edges, key=lambda e: (not e.direct, e.importer, e.imported, e.line)):  # direct ones tell more
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


def package_of(module: str) -> str:
    """contact_center.<x> for anything in contact_center (a subpackage or a top-level
    module); an adapter (webhooks, agent_console) is one package as a whole."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "contact_center" else parts[0]


def package_cycles(edges: list[Edge]) -> list[str]:
    """One example cycle between packages for every group of packages that need each
    other, each step shown by one module import that makes it."""
    witness: dict[tuple[str, str], Edge] = {}
    for e in sorted(edges, key=lambda e: (not e.direct, e.importer, e.imported, e.line)):  # direct ones tell more
        step = (package_of(e.importer), package_of(e.imported))
        if step[0] != step[1]:
            witness.setdefault(step, e)
    lifted = [Edge(a, b, 0, False) for a, b in witness]
    found = []
    for cycle in cycles(lifted):
        chain = " -> ".join([cycle[0].importer, *(e.imported for e in cycle)])
        found.append(f"package cycle {chain}\n    "
                     + "\n    ".join(str(witness[(e.importer, e.imported)]) for e in cycle))
    return found


def _private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def forbidden(edges: list[Edge]) -> list[str]:
    """Every edge that breaks a rule of the layering, with the rule."""
    problems = []
    for e in (e for e in edges if e.direct):
        core = e.importer.split(".")[0] == "contact_center"
        source, target = package_of(e.importer), package_of(e.imported)
        if source in DOMAINS and e.imported == "contact_center.live":
            problems.append(f"{e}: a domain publishes through contact_center.events, never the LISTEN hub")
        if source != target and _private(e.imported.removeprefix(target)):
            problems.append(f"{e}: a private module of another package (use its public surface)")
        if source != target and any(_private(name) for name in e.names):
            private = ", ".join(name for name in e.names if _private(name))
            problems.append(f"{e}: takes {private}, private to {e.imported} (use its public surface)")
        if core and e.imported.split(".")[0] in ADAPTERS and e.importer != COMPOSITION_ROOT:
            problems.append(f"{e}: the core imports adapters only in the app factory ({COMPOSITION_ROOT})")
        top_from, top_to = e.importer.split(".")[0], e.imported.split(".")[0]
        if top_from in ADAPTERS and top_to in ADAPTERS and top_from != top_to:
            problems.append(f"{e}: one adapter never imports another")
        if e.lazy and e.importer not in LAZY_ALLOWED:
            problems.append(f"{e}: a lazy import of a project module (move the function, or import at the top)")
    return problems


def unplaced(root: Path) -> list[str]:
    """contact_center's subpackages that are neither a domain nor plumbing."""
    found = {f"contact_center.{p.parent.name}" for p in (root / "contact_center").glob("*/__init__.py")}
    return sorted(found - DOMAINS - PLUMBING)


# --- the project ---------------------------------------------------------------------------------
def test_there_are_no_import_cycles():
    found = cycles(import_edges(ROOT))
    assert not found, "\n".join(describe(c) for c in found)


def test_no_two_packages_need_each_other():
    found = package_cycles(import_edges(ROOT))
    assert not found, "\n".join(found)


def test_no_import_breaks_the_layering():
    problems = forbidden(import_edges(ROOT))
    assert not problems, "\n".join(problems)


def test_every_package_is_placed():
    assert not unplaced(ROOT), f"declare these as DOMAINS or PLUMBING: {unplaced(ROOT)}"
    assert {p for p in DOMAINS | PLUMBING if not (ROOT / p.replace(".", "/") / "__init__.py").exists()} == set()


def test_the_walk_sees_the_whole_project():
    edges = import_edges(ROOT)
    importers = {e.importer for e in edges}
    assert {"contact_center.app", "contact_center.runtime", "webhooks.pbx", "agent_console.routes"} <= importers
    assert any(e.lazy for e in edges if e.importer == "contact_center.commands.core")  # function level is seen
    assert ("contact_center.app", "agent_console.routes") in {(e.importer, e.imported) for e in edges}
    # The names a from-import takes are seen, and the domains are walked.
    assert any("receive_message" in e.names for e in edges if e.importer == "contact_center.social.item_handler")
    # (the audit trail and the shipped knowledge base import no project module: leaves)
    assert {package_of(e.importer) for e in edges} >= DOMAINS - {"contact_center.audit", "contact_center.knowledge"}


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
        "contact_center/chat/__init__.py": "",
        "contact_center/chat/a.py": "from contact_center.chat import b\nfrom contact_center import live\n",
        "contact_center/chat/b.py": "def f():\n    from . import a\n    return a\n",
        "contact_center/stats.py": "import webhooks.pbx\n",
        "contact_center/commands/__init__.py": "def run():\n    from contact_center.chat import a\n",
        "webhooks/__init__.py": "",
        "webhooks/pbx.py": "from agent_console import views\n",
        "agent_console/__init__.py": "",
        "agent_console/views.py": "import json\nfrom contact_center.chat.a import f\n",
    })
    edges = import_edges(tmp_path)
    [cycle] = cycles(edges)
    assert describe(cycle) == (
        "import cycle contact_center.chat.a -> contact_center.chat.b -> contact_center.chat.a\n"
        "    contact_center.chat.a:1 imports contact_center.chat.b\n"
        "    contact_center.chat.b:2 imports contact_center.chat.a (inside a function)"
    )
    problems = forbidden(edges)
    assert any(p.startswith("contact_center.chat.a:2 imports contact_center.live:") for p in problems)
    assert any(p.startswith("contact_center.stats:1 imports webhooks.pbx:") for p in problems)
    assert any(p.startswith("webhooks.pbx:1 imports agent_console.views:") for p in problems)
    assert any(p.startswith("contact_center.chat.b:2 imports contact_center.chat.a (inside a function)")
               for p in problems)
    # Allowed: the app factory's adapters, the CLI's lazy imports, the standard library.
    assert not any(p.startswith(("contact_center.app:", "contact_center.commands:")) for p in problems)
    assert not any("json" in p for p in problems)
    assert len(problems) == 4, problems


def test_the_checker_names_package_cycles_and_private_imports(tmp_path):
    _tree(tmp_path, {
        "contact_center/__init__.py": "",
        "contact_center/chat/__init__.py": "from contact_center.chat.receive import receive\n",
        "contact_center/chat/_store.py": "def _save():\n    pass\n",
        "contact_center/chat/receive.py": (
            "from contact_center.chat._store import _save\n"  # its own package's: allowed
            "from contact_center.callbacks.create import create\n"
        ),
        "contact_center/callbacks/__init__.py": "",
        "contact_center/callbacks/create.py": "def create():\n    pass\n",
        "contact_center/callbacks/queue.py": "from contact_center.chat.history import rows\n",
        "contact_center/chat/history.py": "def rows():\n    pass\n",
        "contact_center/social/__init__.py": "",
        "contact_center/social/echoes.py": (
            "from contact_center.chat import _store\n"
            "from contact_center.chat.receive import _check, receive\n"
            "from contact_center.chat import receive as entry\n"
        ),
    })
    edges = import_edges(tmp_path)
    assert not cycles(edges)  # no module needs itself back ...
    [found] = package_cycles(edges)  # ... but chat and callbacks need each other
    assert found == (
        "package cycle contact_center.callbacks -> contact_center.chat -> contact_center.callbacks\n"
        "    contact_center.callbacks.queue:1 imports contact_center.chat.history\n"
        "    contact_center.chat.receive:2 imports contact_center.callbacks.create"
    )
    problems = forbidden(edges)
    assert problems == [
        "contact_center.social.echoes:1 imports contact_center.chat._store: "
        "a private module of another package (use its public surface)",
        "contact_center.social.echoes:2 imports contact_center.chat.receive: "
        "takes _check, private to contact_center.chat.receive (use its public surface)",
    ]
    assert unplaced(tmp_path) == []  # chat, callbacks, social: domains
    _tree(tmp_path, {"contact_center/retention/__init__.py": ""})
    assert unplaced(tmp_path) == ["contact_center.retention"]
