"""The shape of the code: imports go one way, with no cycle between the project's modules."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("retrieval", "bot")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports anywhere in it, inside functions too.

    `from a.b import c` is an import of a.b.c when that is a module, else of a.b.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]  # fmt: skip
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_sees_imports_inside_functions() -> None:
    graph = _graph()
    # retrieval/__init__.py imports the retriever lazily, inside __getattr__.
    assert "retrieval.retriever" in graph["retrieval"]
    assert "retrieval.encoders.onnx_export" in graph["retrieval.encoders.factory"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_between_the_project_s_modules() -> None:
    assert _cycle(_graph()) is None


def test_retrieval_never_imports_the_bot() -> None:
    graph = _graph()
    offenders = {m: sorted(i for i in deps if i.startswith("bot"))
                 for m, deps in graph.items() if m.startswith("retrieval")}  # fmt: skip
    assert {m: d for m, d in offenders.items() if d} == {}


def test_encoders_go_base_then_backends_then_factory() -> None:
    # txtai's ann/ shape: nothing lower imports the factory, and base imports no backend.
    graph = _graph()
    encoders = {m: d for m, d in graph.items() if m.startswith("retrieval.encoders.")}
    assert not [m for m, d in encoders.items() if "retrieval.encoders.factory" in d]
    assert not [d for d in graph["retrieval.encoders.base"] if d.startswith("retrieval.encoders")]
