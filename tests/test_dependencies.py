"""Every module the code imports is declared in pyproject.toml: a fresh install must not 500 on a code path the
developers' machines happened to have a package for (WTForms' Email() needs email-validator at run time)."""
import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).parent.parent


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_norm(Requirement(r).name) for r in project["dependencies"]}
    dev = {_norm(Requirement(r).name) for group in project.get("optional-dependencies", {}).values() for r in group}
    return runtime, dev


def _imported_top_level(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        if "migrations" in path.parts and path.name != "env.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    local = {p.stem for d in ("tests", "scripts") for p in (ROOT / d).rglob("*.py")}  # the project's own modules
    return names - set(sys.stdlib_module_names) - {"portal", "tests", "__future__"} - local


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    mapping = metadata.packages_distributions()
    return {module: {_norm(d) for d in mapping.get(module, [])} for module in modules}


def _closure(names: set[str]) -> set[str]:
    """The declared packages and everything they require (with the extras asked for)."""
    seen, todo = set(), [(n, frozenset()) for n in names]
    extras_of = {}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for r in project["dependencies"]:
        req = Requirement(r)
        extras_of[_norm(req.name)] = frozenset(req.extras)
    todo = [(n, extras_of.get(n, frozenset())) for n in names]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            req = Requirement(line)
            if req.marker is not None:
                env_ok = any(req.marker.evaluate({"extra": e}) for e in (extras or {""}))
                if not env_ok:
                    continue
            todo.append((_norm(req.name), frozenset(req.extras)))
    return {n for n, _ in seen}


def test_every_module_the_portal_imports_is_a_declared_runtime_dependency():
    runtime, _dev = _declared()
    undeclared = {module: dists for module, dists in _distributions(_imported_top_level(ROOT / "portal")).items()
                  if not dists & runtime}
    assert undeclared == {}


def test_every_module_the_tests_import_is_declared():
    runtime, dev = _declared()
    undeclared = {module: dists for module, dists in _distributions(_imported_top_level(ROOT / "tests")).items()
                  if not dists & (runtime | dev | _closure(runtime | dev))}
    assert undeclared == {}


def test_modules_loaded_at_run_time_come_from_declared_packages(app, city, client):
    """Libraries import some packages only when a code path runs (WTForms' Email() → email_validator): exercise
    such paths, then every third-party module loaded must belong to a declared package or one it requires."""
    from tests.helpers import case_form

    client.post("/submit/validate", case_form(city, citizen_email="zhang@example.com"),
                headers={"HX-Request": "true", "HX-Trigger-Name": "citizen_email"})
    client.post("/submit", case_form(city, citizen_email="zhang@example.com"))
    runtime, _dev = _declared()
    allowed = _closure(runtime)
    mapping = metadata.packages_distributions()
    loaded = {name.split(".")[0] for name in list(sys.modules)} - set(sys.stdlib_module_names)
    portal_modules = {m for m in loaded if any(_norm(d) in allowed for d in mapping.get(m, []))}
    assert "email_validator" in portal_modules  # the Email() path ran and its package is declared
