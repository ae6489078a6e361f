"""The house's rule the import contracts cannot see: no import inside a function joins two apps
(it would hide a dependency from `lint-imports`). Celery task modules may import lazily, and an
app's `ready()` may import its own modules to register them."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "core", "pricing", "deals", "proofs", "demo")


def function_level_imports(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    yield node.lineno, node.module
                elif isinstance(node, ast.Import):
                    yield from ((node.lineno, alias.name) for alias in node.names)


def test_no_function_level_import_joins_two_apps():
    crossings = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "tasks.py":
                continue
            for line, module in function_level_imports(path):
                target = module.split(".")[0]
                if target in APPS and target != app:
                    crossings.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert crossings == []
