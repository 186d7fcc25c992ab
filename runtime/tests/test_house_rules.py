"""The house rules of AGENTS.md that a machine can check: one shape for the four services."""

import ast
import inspect
import re
from pathlib import Path

import pytest
from hub_runtime.auth import Role, requires
from hub_runtime.idempotency import optional_key

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p for p in (ROOT / "services").glob("*/src/*") if (p / "main.py").exists())
SOURCE_ROOTS = [ROOT / "runtime" / "src", *(ROOT / "services").glob("*/src")]
SHARED_LAYOUT = (
    "main.py",
    "bootstrap.py",
    "config.py",
    "deps.py",
    "messages.py",
    "routes.py",
    "unit_of_work.py",
    "handlers",
    "api",
    "repository",
    "domain",
)
HTTP_MODULES = (
    "fastapi",
    "starlette",
    "hub_runtime.http",
    "hub_runtime.edge",
    "hub_runtime.openapi_errors",
    "hub_runtime.idempotency",
)
MAX_LINES = 400
MAX_TYPE_IGNORES = 5


def test_the_four_services_are_found() -> None:
    assert [p.name for p in PACKAGES] == ["casefile", "partner_gateway", "referral", "signals"]


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_every_service_has_the_same_layout(package: Path) -> None:
    missing = [name for name in SHARED_LAYOUT if not (package / name).exists()]
    assert missing == []
    assert (package / "fakes.py").exists() or (package / "fakes").is_dir()


def _handler_modules() -> list[Path]:
    modules = [m for package in PACKAGES for m in (package / "handlers").rglob("*.py")]
    assert len(modules) >= 20, "the scan must see the handlers"
    return modules


def _imports(module: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_handlers_import_nothing_from_the_http_edge() -> None:
    found = [
        f"{m.relative_to(ROOT)} imports {name}"
        for m in _handler_modules()
        for name in _imports(m)
        if name.startswith(HTTP_MODULES)
    ]
    assert found == []


def test_handlers_never_commit() -> None:
    found = [
        f"{m.relative_to(ROOT)}:{node.lineno}"
        for m in _handler_modules()
        for node in ast.walk(ast.parse(m.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]
    assert found == []


def _source_files() -> list[Path]:
    return [f for root in SOURCE_ROOTS for f in root.rglob("*.py")]


def test_no_module_exceeds_400_lines() -> None:
    long = {
        str(f.relative_to(ROOT)): n
        for f in _source_files()
        if (n := len(f.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_at_most_five_type_ignores_each_with_its_reason() -> None:
    """A ``type: ignore`` says why: on its line after the code, or in the comment just above."""
    ignores = []
    for f in _source_files():
        lines = f.read_text().splitlines()
        for number, line in enumerate(lines):
            if "type: ignore" not in line:
                continue
            after = line.split("type: ignore", 1)[1]
            reason_here = bool(re.search(r"#\s*\S", after))
            reason_above = number > 0 and lines[number - 1].strip().startswith("#")
            ignores.append((f"{f.relative_to(ROOT)}:{number + 1}", reason_here or reason_above))
    assert len(ignores) <= MAX_TYPE_IGNORES, ignores
    assert [where for where, has_reason in ignores if not has_reason] == []


def _sync_dependencies(tree: ast.Module) -> list[str]:
    """Names passed to `Depends(name)` (or returned by a factory called there) that this module
    defines with a plain `def`: FastAPI would run each in a worker thread, per request."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    defined = {n.name: n for n in ast.walk(tree) if isinstance(n, functions)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Depends"):
            continue
        for arg in node.args:
            name = arg.func if isinstance(arg, ast.Call) else arg
            function = defined.get(getattr(name, "id", ""))
            if isinstance(arg, ast.Call) and function is not None:  # a factory: its inner def
                inner = [n for n in function.body if isinstance(n, ast.FunctionDef)]
                found += [n.name for n in inner]
            elif isinstance(function, ast.FunctionDef):
                found.append(function.name)
    return found


def test_every_http_dependency_is_a_coroutine() -> None:
    """A plain-function dependency costs a thread hand-off per request (issue 16's profile:
    about 5% of a service's CPU in `Condition.notify` alone)."""
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for source_root in SOURCE_ROOTS
        for path in source_root.rglob("*.py")
        for name in _sync_dependencies(ast.parse(path.read_text()))
    ]
    assert offenders == []
    # the shared dependencies used through an alias in another module
    assert inspect.iscoroutinefunction(requires(Role.COUNSELLOR))
    assert inspect.iscoroutinefunction(optional_key)
