"""The personal-data registry covers every model that links to a party, field by field, so a
new model or a new field cannot escape a customer's data export or erasure unnoticed."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import models

from fregues.core.personal_data import personal_data_sources


def _declared() -> dict[str, list]:
    out: dict[str, list] = {}
    for source in personal_data_sources():
        out.setdefault(source.model, []).append(source)
    return out


def _links(model: type[models.Model], declared: set[str]) -> list[str]:
    """The fields of ``model`` that reach a party: a foreign key to parties.Party or to a
    model declared in the registry, a plain ``party_id``, a *regarding* reference."""
    found = []
    for field in model._meta.concrete_fields:
        target = field.related_model if field.is_relation else None
        if target is not None and target is not model:
            if target._meta.label == "parties.Party" or target._meta.label in declared:
                found.append(field.name)
        elif target is None and (field.name.endswith("party_id") or field.name == "regarding_id"):
            found.append(field.name)
    return found


def _suggestion(model: type[models.Model], links: list[str]) -> str:
    label = model._meta.label
    names = tuple(f.name for f in model._meta.concrete_fields)
    texts = tuple(
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
    )
    return (
        f"{label} links to a party ({', '.join(links)}) but is not in the personal-data "
        f"registry. Add to fregues/{model._meta.app_label}/personal_data.py, in register():\n"
        f"    personal_data_register(\n"
        f'        "{label}",\n'
        f"        party={tuple(links)!r},  # lookups reaching the party, e.g. 'case__party'\n"
        f'        export="{model._meta.model_name}s",  # or None if nothing to hand over\n'
        f"        fields={names!r},  # exported\n"
        f"        internal=(),  # the fields not exported\n"
        f"        erase=ANONYMISE,  # or DELETE / KEEP (with why=...)\n"
        f"        anonymise={texts!r},  # what names or describes the person\n"
        f"    )\n"
        f"(see fregues/core/personal_data.py and docs/decisions/0006-personal-data-registry.md)"
    )


def test_every_model_that_links_to_a_party_is_declared() -> None:
    declared = _declared()
    missing = []
    for model in apps.get_models():
        if not model.__module__.startswith("fregues."):
            continue
        links = _links(model, set(declared))
        if links and model._meta.label not in declared:
            missing.append(_suggestion(model, links))
    assert not missing, "\n\n".join(missing)


def test_every_field_of_a_declared_model_is_exported_or_said_not_to_be() -> None:
    problems = []
    for label, sources in _declared().items():
        model = apps.get_model(label)
        names = {f.name for f in model._meta.concrete_fields}
        for source in sources:
            classified = set(source.fields) | set(source.internal)
            for name in sorted(names - classified):
                problems.append(
                    f"{label}.{name} is neither exported nor declared internal: add "
                    f'"{name}" to fields=(...) (the customer gets it in "download my data") '
                    f"or to internal=(...) (and to anonymise=(...) if it names or describes "
                    f"the person) in fregues/{model._meta.app_label}/personal_data.py"
                )
            for name in sorted((classified | set(source.anonymise)) - names):
                problems.append(f"{label}: the registry names {name!r}, which is no field")
    assert not problems, "\n".join(problems)


def test_every_direct_link_to_a_party_is_followed() -> None:
    problems = []
    for label, sources in _declared().items():
        model = apps.get_model(label)
        paths = {p.split("__")[0] for s in sources for p in s.party}
        for field in model._meta.concrete_fields:
            target = field.related_model._meta.label if field.is_relation else ""
            if target == "parties.Party" and field.name not in paths and label != target:
                problems.append(
                    f"{label}.{field.name} points at a party but no party=(...) lookup "
                    f'of its declaration follows it: add "{field.name}" to party=(...)'
                )
    assert not problems, "\n".join(problems)


def test_a_model_left_out_is_named_with_the_declaration_to_add(monkeypatch: Any) -> None:
    """What another branch sees when it adds a model with a party link and forgets it."""
    from fregues.core import personal_data

    kept = {k: v for k, v in personal_data._SOURCES.items() if v.model != "portal.PortalLogin"}
    monkeypatch.setattr(personal_data, "_SOURCES", kept)

    with pytest.raises(AssertionError) as failure:
        test_every_model_that_links_to_a_party_is_declared()

    message = str(failure.value)
    assert "portal.PortalLogin links to a party (party, contact_point)" in message
    assert "Add to fregues/portal/personal_data.py" in message
    assert "personal_data_register(" in message and '"portal.PortalLogin",' in message


def test_a_field_left_out_is_named_with_where_to_add_it(monkeypatch: Any) -> None:
    import dataclasses

    from fregues.core import personal_data

    changed = dict(personal_data._SOURCES)
    party = changed["parties.Party"]
    changed["parties.Party"] = dataclasses.replace(
        party, fields=tuple(f for f in party.fields if f != "tier")
    )
    monkeypatch.setattr(personal_data, "_SOURCES", changed)

    with pytest.raises(AssertionError) as failure:
        test_every_field_of_a_declared_model_is_exported_or_said_not_to_be()

    assert 'parties.Party.tier is neither exported nor declared internal: add "tier"' in str(
        failure.value
    )
