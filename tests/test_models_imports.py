"""The modules of models/ import each other without circles, lazy imports inside functions
included: each module can be read, and imported, without the ones that import it."""

import ast
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[1] / "models"
PACKAGE = "models"


def module_name(path: Path) -> str:
    parts = path.relative_to(FOLDER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name an ``ImportFrom`` starts from (``tensorgrad.models`` read as models)."""
    if node.level == 0:
        name = node.module or ""
        return PACKAGE + name.removeprefix("tensorgrad.models") if name.startswith(
            "tensorgrad.models"
        ) else name  # fmt: skip
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The modules of this folder that ``path`` imports, anywhere in it (``if TYPE_CHECKING``
    blocks are not imports)."""
    module, is_package = module_name(path), path.name == "__init__.py"
    found = set()
    tree = ast.parse(path.read_text(), str(path))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}  # fmt: skip
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
            names = [PACKAGE + n.removeprefix("tensorgrad.models") for n in names
                     if n.startswith("tensorgrad.models") or n.startswith(PACKAGE)]  # fmt: skip
        elif isinstance(node, ast.ImportFrom):
            start = _resolve(module, is_package, node)
            # ``from . import lenet5`` imports the submodule; ``from .x import f`` the module x
            names = [f"{start}.{a.name}" if f"{start}.{a.name}" in modules else start
                     for a in node.names]  # fmt: skip
        else:
            continue
        found |= {name for name in names if name in modules and name != module}
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(FOLDER.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, modules) for p in paths}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_walker_sees_lazy_and_relative_imports():
    graph = import_graph()
    assert "models.registry" in graph["models.lenet5"]  # from .registry import ...
    assert "models.cli" in graph["models.__main__"]  # from tensorgrad.models.cli import main
    assert "models.commands" in graph["models.serve.command"]  # from ..commands, in a function
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles_in_models():
    assert circles(import_graph()) == []
