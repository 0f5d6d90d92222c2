"""The house rules of the layout, checked on the source (AST), so a violation fails the suite:

- the domain (`portal/domain`) never imports the web layer: no blueprint, no form module, no `portal.web`, no
  `flask.request` / `abort` (it raises its own exceptions; the web kit maps them to 403/404);
- models (`portal/models`) never import the domain;
- no module outside `portal/domain/workflow.py` assigns a case's `state` (every case state change goes through
  the workflow's `_move`, with its transition table, optimistic locking and event log);
- every `portal` module the app loads comes from this checkout (a moved module must not be found elsewhere);
- CLI commands live in `portal/commands` only and stand on the domain, never on a blueprint or the web kit;
- one `register_templating(app)` (`portal/web/templating.py`) owns every Jinja filter and global: nothing else
  touches `jinja_env` or registers a template filter, global, test or context processor;
- one web kit (`portal/web`): no module outside it defines `render_page`, `redirect_after_post`, `roles_required`,
  `page_arg` or a paging function, or writes an `HX-Redirect` header;
- Flask extensions are created in `portal/extensions.py` only;
- a feature package's forms (`portal/blueprints/<feature>/`) are defined in its `forms.py`, beside its routes;
- no file in `portal/` (migrations and translations aside) is longer than 400 lines.
"""
import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
WEB_FLASK_NAMES = {"request", "abort"}
CASE_OBJECT = re.compile(r"(^|[._])(case|c)$")


def modules(folder: str) -> list[Path]:
    return sorted(p for p in (PORTAL / folder).rglob("*.py"))


def imports(tree: ast.AST) -> list[tuple[str, list[str], int]]:
    """(module, imported names, line) for every import, relative ones made absolute within portal."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((alias.name, [], node.lineno))
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", [a.name for a in node.names], node.lineno))
    return found


def web_layer_imports(source: str) -> list[str]:
    problems = []
    tree = ast.parse(source)
    for module, names, line in imports(tree):
        targets = [module] + [f"{module}.{n}" for n in names]
        if any(t.startswith(("portal.blueprints", "portal.web")) for t in targets):
            problems.append(f"line {line}: imports the web layer ({module})")
        elif any(t.split(".")[-1] == "forms" or ".forms." in t for t in targets if t.startswith("portal")):
            problems.append(f"line {line}: imports a form module ({module})")
        elif module == "flask" and WEB_FLASK_NAMES & set(names):
            problems.append(f"line {line}: imports flask.{'/'.join(sorted(WEB_FLASK_NAMES & set(names)))}")
        elif module in ("werkzeug.exceptions", "flask_wtf", "wtforms") or module.startswith("wtforms."):
            problems.append(f"line {line}: imports {module}")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr in WEB_FLASK_NAMES
                and isinstance(node.value, ast.Name) and node.value.id == "flask"):
            problems.append(f"line {node.lineno}: uses flask.{node.attr}")
    return problems


def domain_imports(source: str) -> list[str]:
    return [f"line {line}: imports the domain ({module})" for module, names, line in imports(ast.parse(source))
            if module.startswith("portal.domain") or (module == "portal" and "domain" in names)]


def case_state_assignments(source: str) -> list[str]:
    """`<case>.state = …` (also in tuples and augmented assignments), `setattr(<case>, "state", …)` and
    `update(Case).values(state=…)`."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        flat = []
        for t in targets:
            flat.extend(t.elts if isinstance(t, ast.Tuple | ast.List) else [t])
        for t in flat:
            if isinstance(t, ast.Attribute) and t.attr == "state" and CASE_OBJECT.search(ast.unparse(t.value)):
                problems.append(f"line {node.lineno}: assigns {ast.unparse(t)}")
        if isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            if (func == "setattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                    and node.args[1].value == "state" and CASE_OBJECT.search(ast.unparse(node.args[0]))):
                problems.append(f"line {node.lineno}: setattr(…, 'state')")
            if func.endswith(".values") and any(k.arg == "state" for k in node.keywords) and "Case" in ast.unparse(node):
                problems.append(f"line {node.lineno}: bulk update of Case.state")
    return problems


@pytest.mark.parametrize("path", modules("domain"), ids=lambda p: str(p.relative_to(PORTAL)))
def test_domain_does_not_import_the_web_layer(path):
    assert web_layer_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", modules("models"), ids=lambda p: str(p.relative_to(PORTAL)))
def test_models_do_not_import_the_domain(path):
    assert domain_imports(path.read_text(encoding="utf-8")) == []


def test_only_the_workflow_assigns_a_case_state():
    offenders = {}
    for path in sorted(PORTAL.rglob("*.py")):
        relative = path.relative_to(PORTAL)
        if relative.parts[0] == "migrations" or relative == Path("domain/workflow.py"):
            continue
        found = case_state_assignments(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(relative)] = found
    assert offenders == {}


def test_every_portal_module_comes_from_this_checkout(app):
    foreign = sorted(name for name, module in list(sys.modules.items())
                     if (name == "portal" or name.startswith("portal."))
                     and getattr(module, "__file__", None)
                     and not Path(module.__file__).resolve().is_relative_to(PORTAL))
    assert foreign == []


def test_tests_never_import_other_test_modules():
    """Shared helpers live in tests/helpers.py (and tests/browser/flows.py) or in fixtures."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for module, names, line in imports(ast.parse(path.read_text(encoding="utf-8"))):
            targets = [module] + [f"{module}.{n}" for n in names]
            if any(part.startswith("test_") or part == "conftest"
                   for t in targets if t.startswith("tests") for part in t.split(".")[1:]):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offenders == []


# ---- the checks catch what they are meant to catch -------------------------------------------------------
@pytest.mark.parametrize("source", [
    "from portal.blueprints.cases import staff",
    "from portal.blueprints.public.forms import CaseForm",
    "from portal.web import render_page",
    "from portal.web.forms import strip",
    "from flask import abort",
    "from flask import current_app, request",
    "import flask\nflask.abort(404)",
    "from wtforms import StringField",
])
def test_the_web_layer_check_catches(source):
    assert web_layer_imports(source)


def test_the_web_layer_check_lets_the_domain_use_flask_babel_and_current_app():
    assert web_layer_imports("from flask import current_app, g\nfrom flask_babel import gettext as _") == []


@pytest.mark.parametrize("source", ["from portal.domain import workflow", "from portal.domain.labels import X",
                                    "import portal.domain.calendar", "from portal import domain"])
def test_the_models_check_catches(source):
    assert domain_imports(source)


@pytest.mark.parametrize("source", [
    'case.state = "closed"', 'other_case.state = "merged"', 'self.case.state = "handling"',
    'case.state, case.version = "closed", 2', 'setattr(case, "state", "closed")',
    'db.session.execute(update(Case).values(state="closed"))',
])
def test_the_state_check_catches(source):
    assert case_state_assignments(source)


def test_the_state_check_leaves_other_states_alone():
    assert case_state_assignments('salon.state = "held"\nparticipant.state = "confirmed"\nf.state = "x"') == []


# ---- the house: commands, templating, the web kit, extensions, file length ---------------------------------
MAX_LINES = 400
TEMPLATING = Path("web/templating.py")
JINJA_HOOKS = {"jinja_env", "add_template_global", "add_template_filter", "add_template_test", "template_global",
               "template_filter", "template_test", "context_processor", "app_template_global",
               "app_template_filter", "app_template_test", "app_context_processor"}
WEB_KIT_NAMES = {"render_page", "redirect_after_post", "roles_required", "page_arg", "paginate"}
EXTENSIONS = {"SQLAlchemy", "Migrate", "LoginManager", "CSRFProtect", "Babel", "Limiter", "Cache", "HTMX"}


def portal_sources(*, skip: tuple[str, ...] = ("migrations",)) -> list[tuple[Path, str]]:
    return [(p.relative_to(PORTAL), p.read_text(encoding="utf-8")) for p in sorted(PORTAL.rglob("*.py"))
            if p.relative_to(PORTAL).parts[0] not in skip]


def blueprint_imports(source: str) -> list[str]:
    return [f"line {line}: imports {module}" for module, names, line in imports(ast.parse(source))
            if any(t.startswith(("portal.blueprints", "portal.web"))
                   for t in [module] + [f"{module}.{n}" for n in names])]


def cli_definitions(source: str) -> list[str]:
    """`app.cli.command`, `click.command`/`group`, `AppGroup`: a command defined here."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and (node.attr == "cli" or (
                node.attr in ("command", "group") and ast.unparse(node.value) == "click")):
            problems.append(f"line {node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.Name) and node.id == "AppGroup":
            problems.append(f"line {node.lineno}: AppGroup")
    return problems


def jinja_registrations(source: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in JINJA_HOOKS:
            problems.append(f"line {node.lineno}: {ast.unparse(node)}")
    return problems


def web_kit_copies(source: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                node.name.lstrip("_") in WEB_KIT_NAMES or node.name.endswith("_required")):
            problems.append(f"line {node.lineno}: defines {node.name}")
        if isinstance(node, ast.Constant) and node.value == "HX-Redirect":
            problems.append(f"line {node.lineno}: writes HX-Redirect")
    return problems


def form_classes(source: str) -> list[str]:
    """Classes deriving from a form (FlaskForm, or another form: `...Form`)."""
    return [f"line {node.lineno}: class {node.name}" for node in ast.parse(source).body
            if isinstance(node, ast.ClassDef) and any(ast.unparse(b).endswith("Form") for b in node.bases)]


def extension_instances(source: str) -> list[str]:
    return [f"line {node.lineno}: creates {ast.unparse(node.func)}" for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] in EXTENSIONS]


def long_files(root: Path = PORTAL) -> dict[str, int]:
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if (not path.is_file() or relative.parts[0] in ("migrations", "translations") or "vendor" in relative.parts
                or path.suffix in (".pyc", ".mo", ".pot", ".po", ".svg", ".png", ".ico")):
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            found[str(relative)] = lines
    return found


@pytest.mark.parametrize("path", modules("commands"), ids=lambda p: str(p.relative_to(PORTAL)))
def test_commands_stand_on_the_domain_not_on_a_blueprint(path):
    assert blueprint_imports(path.read_text(encoding="utf-8")) == []


def test_commands_are_defined_in_portal_commands_only():
    offenders = {str(path): found for path, source in portal_sources()
                 if path.parts[0] != "commands" and (found := cli_definitions(source))}
    assert offenders == {}


def test_only_register_templating_registers_jinja_filters_and_globals():
    offenders = {str(path): found for path, source in portal_sources()
                 if path != TEMPLATING and (found := jinja_registrations(source))}
    assert offenders == {}


def test_nobody_copies_the_web_kit():
    offenders = {str(path): found for path, source in portal_sources()
                 if path.parts[0] != "web" and path != Path("domain/paging.py") and (found := web_kit_copies(source))}
    assert offenders == {}


def test_a_feature_package_defines_its_forms_in_forms_py():
    offenders = {str(path): found for path, source in portal_sources()
                 if path.parts[0] == "blueprints" and len(path.parts) > 2 and path.name != "forms.py"
                 and (found := form_classes(source))}
    assert offenders == {}


def test_flask_extensions_are_created_in_extensions_py_only():
    offenders = {str(path): found for path, source in portal_sources()
                 if path != Path("extensions.py") and (found := extension_instances(source))}
    assert offenders == {}


def test_no_file_in_portal_is_longer_than_400_lines():
    assert long_files() == {}


@pytest.mark.parametrize("source", ["from portal.blueprints.admin import calendar",
                                    "from portal.blueprints.oversight.rankings import _month_or_404",
                                    "import portal.web.guard", "from portal.web import render_page"])
def test_the_commands_check_catches(source):
    assert blueprint_imports(source)


@pytest.mark.parametrize("source", [
    "app.jinja_env.globals['x'] = 1", "app.add_template_global(f, 'f')", "@bp.app_template_filter()\ndef f(v): pass",
    "@app.context_processor\ndef c(): return {}", "@bp.app_context_processor\ndef c(): return {}",
])
def test_the_templating_check_catches(source):
    assert jinja_registrations(source)


@pytest.mark.parametrize("source", [
    "def roles_required(*roles): pass", "def admin_required(view): pass", "def _paginate(q): pass",
    "def redirect_after_post(url): pass", "response.headers['HX-Redirect'] = url",
])
def test_the_web_kit_check_catches(source):
    assert web_kit_copies(source)


@pytest.mark.parametrize("source", ["@app.cli.command('x')\ndef x(): pass", "@click.command()\ndef x(): pass",
                                    "group = AppGroup('x')"])
def test_the_command_placement_check_catches(source):
    assert cli_definitions(source)


@pytest.mark.parametrize("source", ["class F(FlaskForm):\n    pass", "class G(IssueForm):\n    pass"])
def test_the_forms_check_catches(source):
    assert form_classes(source)


def test_the_extensions_check_catches():
    assert extension_instances("from flask_caching import Cache\ncache = Cache()")


def test_the_length_check_catches(tmp_path):
    for name in ("domain/big.py", "static/css/big.css", "migrations/versions/big.py", "static/vendor/big.js"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n" * (MAX_LINES + 1), encoding="utf-8")
    (tmp_path / "domain/fine.py").write_text("x\n" * MAX_LINES, encoding="utf-8")
    assert long_files(tmp_path) == {"domain/big.py": MAX_LINES + 1, "static/css/big.css": MAX_LINES + 1}
