"""What a record of another app is called and where it lives, for references that cross apps.

An interaction's *regarding* reference and an automatic lifecycle move's *cause* name a record
("sales.order", 42) of an app to the right of the one that shows it, which may not import it.
That app registers a resolver for its kind — ``regarding_register("sales.order", fn)``, where
``fn(ids)`` answers ``{id: (label, url or None)}`` for many ids in one query — and the page
asks ``regarding_links`` for all its references at once (one query per kind shown).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import get_resolver

Resolver = Callable[[list[int]], dict[int, tuple[str, str | None]]]

_RESOLVERS: dict[str, Resolver] = {}


@dataclass(frozen=True)
class RegardingLink:
    kind: str
    id: int
    label: str
    url: str | None


def regarding_register(kind: str, resolver: Resolver) -> None:
    """Register (or replace) how records of ``kind`` are named and linked."""
    _RESOLVERS[kind] = resolver


def regarding_links(refs: Iterable[tuple[str, int | None]]) -> dict[tuple[str, int], RegardingLink]:
    """The links of the references ``(kind, id)`` whose kind has a resolver and whose record
    still exists; one call of each kind's resolver."""
    # Apps register from their views modules, which the URLconf imports: load it first.
    get_resolver().url_patterns  # noqa: B018
    wanted: dict[str, set[int]] = {}
    for kind, pk in refs:
        if kind and pk is not None and kind in _RESOLVERS:
            wanted.setdefault(kind, set()).add(int(pk))
    out: dict[tuple[str, int], RegardingLink] = {}
    for kind, ids in wanted.items():
        for pk, (label, url) in _RESOLVERS[kind](sorted(ids)).items():
            out[(kind, pk)] = RegardingLink(kind, pk, label, url)
    return out
