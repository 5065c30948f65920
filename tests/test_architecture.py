"""The shape of the code: which app may import which, and what the migrations may not do.

Apps stand in a row; each may import only the apps to its left, so a change on the left never
needs one on the right and an app on the left can ship alone:

    core ← accounts ← parties ← interactions ← service ← sales ← marketing ← {portal,
    analytics, integrations}

The three top apps do not import one another. The package-level modules (api, cli, urls,
demo and demo_*, settings, wsgi) wire everything together and may import anything. Services
and selectors never import an interface (api, schemas, views, forms). Migrations never import
fregues code: they must keep working when the models change.

The rules hold for every module under fregues/. Tests are the one allowance: a test may reach
to the right to prove what spans apps (a merge moves the interactions too; the home page shows
the panels apps register) — but app code never imports a test module.
"""

from __future__ import annotations

import ast
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fregues"

APP_ORDER = ["core", "accounts", "parties", "interactions", "service", "sales", "marketing"]
TOP_APPS = {"portal", "analytics", "integrations"}
WIRING_MODULES = {"__init__", "api", "cli", "urls", "demo", "settings", "wsgi", "asgi"}


def is_wiring(name: str) -> bool:
    """A package-level module that wires apps together (the demo may come in parts)."""
    return name in WIRING_MODULES or name.startswith("demo_")


INTERFACE_MODULES = {"api", "schemas", "views", "forms"}


def rank(app: str) -> int | None:
    if app in APP_ORDER:
        return APP_ORDER.index(app)
    if app in TOP_APPS:
        return len(APP_ORDER)
    return None


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    imported: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.imported}: {self.rule}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """Every module ``module`` imports (absolute names), with its line; relative imports are
    resolved, and ``from pkg import name`` counts both ``pkg`` and ``pkg.name``."""
    found: list[tuple[int, str]] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def check_module(path: str, source: str, module: str, is_package: bool = False) -> list[Violation]:
    """The rules broken by one module of the fregues package."""
    parts = module.split(".")
    violations: list[Violation] = []
    imports = imported_modules(ast.parse(source), module, is_package)
    fregues_imports = [(line, name) for line, name in imports if name.split(".")[0] == "fregues"]

    if len(parts) == 2 and not is_package:  # fregues/<module>.py
        if not is_wiring(parts[1]):
            violations.append(
                Violation(
                    path,
                    1,
                    "-",
                    f"fregues/{parts[1]}.py is neither an app nor a wiring module: "
                    "move it into an app (or list it in WIRING_MODULES)",
                )
            )
        return violations
    if len(parts) < 2:
        return violations
    app = parts[1]
    own_rank = rank(app)
    if own_rank is None:
        violations.append(
            Violation(
                path, 1, "-", f"'{app}' is not in the app order; place it in APP_ORDER or TOP_APPS"
            )
        )
        return violations

    if "migrations" in parts:
        for line, name in fregues_imports:
            violations.append(Violation(path, line, name, "a migration imports fregues code"))
        return violations
    if "tests" in parts:
        return violations
    for line, name in fregues_imports:
        if "tests" in name.split(".") or name.split(".")[-1] == "conftest":
            violations.append(Violation(path, line, name, "app code imports a test module"))

    for line, name in fregues_imports:
        target = name.split(".")
        if len(target) < 2:
            continue
        other = target[1]
        if other == app:
            continue
        other_rank = rank(other)
        if other_rank is None:
            rule = (
                f"app '{app}' imports the wiring module fregues.{other}"
                if is_wiring(other)
                else f"'{other}' is not in the app order"
            )
            violations.append(Violation(path, line, name, rule))
        elif other_rank > own_rank:
            violations.append(
                Violation(
                    path, line, name, f"'{app}' may import only apps to its left, not '{other}'"
                )
            )
        elif other_rank == own_rank:
            violations.append(
                Violation(
                    path,
                    line,
                    name,
                    f"the top apps do not import one another ('{app}' → '{other}')",
                )
            )

    in_service_layer = any(p in ("services", "selectors") for p in parts[2:])
    if in_service_layer:
        for line, name in fregues_imports:
            target = name.split(".")
            if any(p in INTERFACE_MODULES for p in target[1:]):
                violations.append(
                    Violation(
                        path,
                        line,
                        name,
                        "services and selectors never import an interface "
                        "(api, schemas, views, forms)",
                    )
                )
    return violations


def check_tree() -> list[Violation]:
    violations: list[Violation] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        violations += check_module(
            str(path.relative_to(ROOT)),
            path.read_text(encoding="utf-8"),
            module_name(path),
            is_package=path.name == "__init__.py",
        )
    return violations


def test_the_fregues_package_keeps_its_architecture() -> None:
    violations = check_tree()
    assert not violations, "\n".join(str(v) for v in violations)


def test_the_walk_sees_the_whole_package() -> None:
    files = list(PACKAGE.rglob("*.py"))
    assert len(files) > 50
    assert any(p.parts[-3:] == ("parties", "services", "merge.py") for p in files)


# --- the checker itself: each rule catches what it must, and only that ---


@pytest.mark.parametrize(
    ("module", "source", "rule"),
    [
        (
            "fregues.parties.models",
            "from fregues.interactions.models import Interaction",
            "only apps to its left",
        ),
        ("fregues.core.audit", "import fregues.accounts.models", "only apps to its left"),
        (
            "fregues.accounts.services",
            "from fregues.parties import services",
            "only apps to its left",
        ),
        (
            "fregues.parties.services.merge",
            "from ...interactions.models import Interaction",
            "only apps to its left",
        ),
        (
            "fregues.portal.views",
            "from fregues.analytics.selectors import rfm",
            "top apps do not import one another",
        ),
        (
            "fregues.parties.services.common",
            "from ..schemas import PartyOut",
            "never import an interface",
        ),
        ("fregues.parties.selectors", "from .api import router", "never import an interface"),
        (
            "fregues.interactions.services",
            "from fregues.parties.views import party_detail",
            "never import an interface",
        ),
        ("fregues.parties.selectors", "from . import forms", "never import an interface"),
        (
            "fregues.service.selectors.cases",
            "from fregues.service.api import cases",
            "never import an interface",
        ),
        (
            "fregues.parties.migrations.0009_x",
            "from fregues.parties.normalize import fold",
            "a migration imports fregues code",
        ),
        (
            "fregues.parties.migrations.0009_x",
            "from ..models import Party",
            "a migration imports fregues code",
        ),
        ("fregues.parties.models", "from fregues.api import api", "wiring module"),
        ("fregues.helpers", "import os", "neither an app nor a wiring module"),
        ("fregues.crm.models", "import os", "not in the app order"),
        (
            "fregues.parties.services.x",
            "def f():\n    from fregues.service.models import Case",
            "only apps to its left",
        ),
        (
            "fregues.parties.services.common",
            "from fregues.parties.tests.factories import PartyFactory",
            "imports a test module",
        ),
    ],
)
def test_the_checker_catches_each_kind_of_violation(module: str, source: str, rule: str) -> None:
    violations = check_module("x.py", source, module)
    assert violations, f"{module}: {source!r} was not caught"
    assert any(rule in v.rule for v in violations), [v.rule for v in violations]


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("fregues.interactions.models", "from fregues.parties.models import Party"),
        ("fregues.parties.services.merge", "from ..models import Party\nfrom .common import bump"),
        ("fregues.parties.api", "from .schemas import PartyOut\nfrom . import services"),
        ("fregues.marketing.services", "from fregues.sales.models import Deal"),
        ("fregues.analytics.selectors", "from fregues.marketing.models import Campaign"),
        ("fregues.api", "from fregues.parties.api import router"),
        ("fregues.demo", "from fregues.interactions.services import interaction_record"),
        ("fregues.demo_service", "from fregues.service.services import case_open"),
        ("fregues.parties.migrations.0002_x", "from django.db import migrations"),
        ("fregues.parties.selectors", "from fregues.core.errors import NotFound"),
        ("fregues.core.permissions", "from django.utils.translation import gettext_lazy"),
        ("fregues.parties.tests.test_merge", "from fregues.interactions.models import Interaction"),
        ("fregues.core.tests.test_views", "from fregues.parties.tests.factories import P"),
    ],
)
def test_the_checker_allows_what_the_rules_allow(module: str, source: str) -> None:
    assert check_module("x.py", source, module) == []


@pytest.mark.django_db
def test_the_models_and_the_migrations_agree() -> None:
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()


def test_every_transactional_test_restores_the_migrated_rows() -> None:
    """A test that commits for real (``transaction=True``) flushes the database when it ends.
    Without ``serialized_rollback`` the flush recreates the content types under new ids and
    drops the rows the migrations seed (roles, lifecycle rules), so a later transactional test
    that restores the serialized rows collides with them (CI once failed on exactly this,
    depending on the order the files ran in)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("test*.py")) + sorted((ROOT / "tests").rglob("test*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and ast.unparse(node.func).endswith("django_db")):
                continue
            flags = {kw.arg: ast.unparse(kw.value) for kw in node.keywords}
            if flags.get("transaction") == "True" and flags.get("serialized_rollback") != "True":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
