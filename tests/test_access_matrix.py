"""The permission matrix walked: every API operation and every screen URL, as every role.

Each route is requested once per role in one small world (``access_matrix_world``) and the
answer must be what ``access_matrix`` says. Each request runs in a savepoint that is rolled
back, so an allowed deletion does not change the world for the next request. The walk fails on
a route the matrix does not cover (and on a row for a route that no longer exists), on any 5xx,
on an audit entry written by a refused request, and on a marketer's response that contains an
interaction body or one record's amount.

``FREGUES_MATRIX_DRAFT=1`` prints draft rows (the outcomes seen) for routes the matrix lacks;
``FREGUES_MATRIX_DRAFT=all`` prints every row. Review a draft before pasting it: the matrix is
the promise, not a recording.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from access_matrix import API, SCREENS, expand
from access_matrix_world import AMOUNT_MARKERS, BODY_MARKER, World, build_world, resolve
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from fregues.core.permissions import ROLES

# Django's admin is its own application (staff and superusers only): its entry page stands for
# it in the matrix; its hundreds of model pages are not walked.
SKIPPED_PREFIXES = ("api/v1/", "admin/")
DRAFT = os.environ.get("FREGUES_MATRIX_DRAFT", "")


def screen_routes() -> list[str]:
    """Every URL pattern of the UI, as a route string (``customers/<int:party_id>/``)."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and not route.startswith(SKIPPED_PREFIXES):
                yield route

    return [*walk(get_resolver().url_patterns, ""), "admin/"]


@functools.cache
def openapi() -> dict[str, Any]:
    from fregues.api import api

    return api.get_openapi_schema()


def api_operations(schema: dict[str, Any]) -> list[str]:
    """Every operation of the API, as ``METHOD /api/v1/path/{param}``."""
    return [f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops]


# --- request bodies: the smallest body the schema accepts, so that a refusal is a refusal of
# the role and not of the input (ninja validates the body before the service checks the role)


def _deref(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in node and len(node["allOf"]) == 1:
        return _deref(node["allOf"][0], schema)
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        return _deref(options[0], schema) if options else {}
    return node


def sample(node: dict[str, Any], schema: dict[str, Any], name: str, world: World) -> Any:
    node = _deref(node, schema)
    if "default" in node:
        return node["default"]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        return {
            key: sample(props[key], schema, key, world)
            for key in node.get("required", [])
            if key in props
        }
    if kind == "array":
        return []
    if kind == "integer":
        return resolve(name, "", world) if name.endswith("_id") else 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    fmt = node.get("format", "")
    if fmt == "email" or "email" in name:
        return "matriz-nova@example.com"
    if fmt == "date":
        return "2026-12-31"
    if fmt == "date-time":
        return "2026-12-31T12:00:00Z"
    if fmt == "uri" or name == "url":
        return "https://hooks.example.com/matrix"
    return "Matriz"


def body_of(op: dict[str, Any], schema: dict[str, Any], world: World) -> Any:
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return sample(content["application/json"]["schema"], schema, "", world)


# --- the walk


def refusal_texts() -> set[str]:
    """The refusal a screen shows as a message when it redirects instead of answering 403."""
    from django.conf import settings
    from django.utils import translation

    texts = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.add(str(translation.gettext("Your role does not allow this action.")))
    return texts


REFUSED = "denied"  # a redirect carrying the refusal message


def outcome(status: int, messages: list[str], refusals: set[str]) -> str:
    if status >= 400:
        return str(status)
    return REFUSED if refusals.intersection(messages) else "ok"


def _messages(response: Any) -> list[str]:
    storage = getattr(response.wsgi_request, "_messages", None)
    return [str(m.message) for m in getattr(storage, "_queued_messages", [])]


def _content(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


class Walker:
    """Requests as each role, one savepoint per request, and the checks every answer must pass."""

    def __init__(self, world: World) -> None:
        from fregues.core.models import AuditEntry

        self.world = world
        self.audit = AuditEntry.objects
        self.clients: dict[str, Client] = {}
        self.cookies: dict[str, Any] = {}
        for role, user in world.users.items():
            client = Client()
            client.force_login(user)
            self.clients[role] = client
            self.cookies[role] = client.cookies["sessionid"].value
        self.audit_before = self.audit.count()
        self.problems: list[str] = []
        self.timings: dict[str, float] = {}
        self.post_only: set[str] = set()
        self.refusals = refusal_texts()

    def request(
        self, role: str, method: str, url: str, body: Any = None, form: bool = False
    ) -> tuple[int, bytes, int, list[str]]:
        """(status, content, audit entries written, messages) of one request, rolled back."""
        client = self.clients[role]
        cache.clear()  # rate limits count per address: every request starts afresh
        try:
            with transaction.atomic():
                if form:
                    # a form-only view (POST) answers GET with 405: remember, post at once
                    if url not in self.post_only:
                        response = client.get(url)
                    if url in self.post_only or response.status_code == 405:
                        self.post_only.add(url)
                        response = client.post(url, {})
                elif body is None:
                    response = client.generic(method, url)
                else:
                    response = client.generic(
                        method, url, json.dumps(body), content_type="application/json"
                    )
                content = _content(response)
                messages = _messages(response)
                written = 0
                if response.status_code >= 300:  # refusals and redirects must not have written
                    written = self.audit.count() - self.audit_before
                transaction.set_rollback(True)
        except Exception as error:  # a 5xx: the view raised
            return 500, f"{type(error).__name__}: {error}".encode(), 0, []
        finally:
            client.cookies["sessionid"] = self.cookies[role]
        return response.status_code, content, written, messages

    def check(
        self, key: str, role: str, status: int, content: bytes, written: int, outcome: str
    ) -> None:
        if status >= 500:
            self.problems.append(f"{key} as {role}: {status} {content[:300]!r}")
        if (status in (401, 403, 404) or REFUSED in outcome) and written:
            self.problems.append(f"{key} as {role}: refused ({status}) but wrote {written} audit")
        if role == "marketing" and status < 400:
            text = content.decode("utf-8", "replace")
            leaked = [m for m in (BODY_MARKER, *AMOUNT_MARKERS) if m in text]
            if leaked:
                self.problems.append(f"{key} as marketing: shows {leaked}")


def _fill(path: str, pattern: str, world: World) -> str:
    return re.sub(pattern, lambda m: str(resolve(m.group(1), path, world)), path)


def walk_api(walker: Walker, schema: dict[str, Any]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for path, ops in schema["paths"].items():
        url = _fill(path, r"{(\w+)}", walker.world)
        for method, op in ops.items():
            key = f"{method.upper()} {path}"
            body = body_of(op, schema, walker.world)
            if body is None and method in ("post", "put", "patch"):
                body = {}
            seen[key] = []
            started = time.perf_counter()
            for role in ROLES:
                status, content, written, messages = walker.request(role, method.upper(), url, body)
                seen[key].append(outcome(status, messages, walker.refusals))
                walker.check(key, role, status, content, written, seen[key][-1])
            walker.timings[key] = time.perf_counter() - started
    return seen


def walk_screens(walker: Walker) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for route in screen_routes():
        url = "/" + _fill(route, r"<(?:\w+:)?(\w+)>", walker.world)
        seen[route] = []
        started = time.perf_counter()
        for role in ROLES:
            status, content, written, messages = walker.request(role, "GET", url, form=True)
            seen[route].append(outcome(status, messages, walker.refusals))
            walker.check(route, role, status, content, written, seen[route][-1])
        walker.timings[route] = time.perf_counter() - started
    return seen


def compare(table: dict[str, str], seen: dict[str, list[str]], walker: Walker) -> list[str]:
    drafts = []
    for key, outcomes in seen.items():
        row = " ".join(outcomes) if len(set(outcomes)) > 1 else outcomes[0]
        if key not in table:
            walker.problems.append(f"{key}: not in the matrix")
            drafts.append(f"    {key!r}: {row!r},")
            continue
        if DRAFT == "all":
            drafts.append(f"    {key!r}: {row!r},")
        expected = expand(table[key])
        for role, want, got in zip(ROLES, expected, outcomes, strict=True):
            if want != got:
                walker.problems.append(f"{key} as {role}: expected {want}, got {got}")
    return drafts


def test_the_matrix_covers_every_route_and_nothing_else() -> None:
    api_keys = set(api_operations(openapi()))
    screen_keys = set(screen_routes())
    assert sorted(api_keys - API.keys()) == [], "API operations missing from the matrix"
    assert sorted(screen_keys - SCREENS.keys()) == [], "screens missing from the matrix"
    assert sorted(API.keys() - api_keys) == [], "matrix rows for API operations that are gone"
    assert sorted(SCREENS.keys() - screen_keys) == [], "matrix rows for screens that are gone"
    for key, row in {**API, **SCREENS}.items():
        assert len(expand(row)) == len(ROLES), key


@pytest.mark.django_db
def test_every_route_answers_every_role_as_the_matrix_says() -> None:
    world = build_world()
    walker = Walker(world)
    schema = openapi()
    # refusals are expected here by the thousand: do not format a traceback for each
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)
    cpu = time.process_time()
    try:
        api_seen = walk_api(walker, schema)
        screens_seen = walk_screens(walker)
    finally:
        request_log.setLevel(level)
    drafts = compare(API, api_seen, walker)
    drafts += compare(SCREENS, screens_seen, walker)
    if DRAFT:
        print("\n".join(drafts))
        slow = sorted(walker.timings.items(), key=lambda kv: -kv[1])[:40]
        print("\n".join(f"{t:.3f} {k}" for k, t in slow))
        print(f"walk: {sum(walker.timings.values()):.1f} s, {time.process_time() - cpu:.1f} s CPU")
    assert walker.problems == [], "\n".join(walker.problems)
