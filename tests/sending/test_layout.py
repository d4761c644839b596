"""The shape of sending/: worker bodies never import the dispatch side, and no import cycles.

Every import statement counts, at module level or inside a function. ``tasks`` imports the
worker bodies (``background``, ``batch``); ``api`` and ``bulk`` import ``tasks`` to enqueue.
"""

import ast
from functools import cache
from pathlib import Path

import django_tencent_sms

PACKAGE = Path(django_tencent_sms.__file__).parent
ROOT = "django_tencent_sms"
#: What enqueues: a worker body that reached any of these would close a cycle through tasks.
#: The package itself counts: its lazy send_sms/send_bulk import api and bulk.
DISPATCH = {ROOT, f"{ROOT}.tasks", f"{ROOT}.sending.api", f"{ROOT}.sending.bulk"}
WORKER_BODIES = [f"{ROOT}.sending.background", f"{ROOT}.sending.batch"]


def path_of(module: str) -> Path | None:
    base = PACKAGE.joinpath(*module.split(".")[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@cache
def imports(module: str) -> frozenset[str]:
    """The package's modules that ``module``'s import statements name (at any depth)."""
    path = path_of(module)
    assert path is not None, module
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # ``from a.b import c``: the module a.b.c if there is one, else a.b.
            names = [
                f"{node.module}.{alias.name}"
                if path_of(f"{node.module}.{alias.name}") and node.module.startswith(ROOT)
                else node.module
                for alias in node.names
            ]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] == ROOT and path_of(n))
    found.discard(module)
    return frozenset(found)


def reachable(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        for name in imports(todo.pop()):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def test_worker_bodies_never_reach_the_dispatch_side():
    for module in WORKER_BODIES:
        assert not reachable(module) & DISPATCH, module
    assert set(WORKER_BODIES) <= imports(f"{ROOT}.tasks")


def test_sending_has_no_import_cycle():
    modules = [f"{ROOT}.tasks"] + [
        f"{ROOT}.sending.{path.stem}"
        for path in (PACKAGE / "sending").glob("*.py")
        if path.stem != "__init__"
    ]
    for module in modules:
        assert module not in reachable(module), module
