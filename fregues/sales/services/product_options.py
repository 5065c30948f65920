"""A product's customisation options: what a customer may ask to have changed on it.

Options are data on the product (``Product.customisation_options``), typed by an administrator
or sent through the API: each has a ``label``, a ``kind`` — ``choice`` (one of ``choices``) or
``text`` (free text) — and whether an answer is ``required``. The portal's customisation
requests are checked against them here, so the catalogue alone decides what can be asked.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fregues.core.errors import ErrorCollector

KINDS = ("choice", "text")
MAX_OPTIONS = 20
MAX_CHOICES = 50
LABEL_SIZE = 80
CHOICE_SIZE = 80
ANSWER_SIZE = 500


def clean_customisation_options(value: Any, errors: ErrorCollector) -> list[dict[str, Any]]:
    """The option definitions in ``value``, normalised (``[{label, kind, choices, required}]``);
    every problem is added to ``errors`` under ``customisation_options[.i.field]``."""
    field = "customisation_options"
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        errors.add(field, _("Customisation options are a list of {label, kind, choices}."))
        return []
    if len(value) > MAX_OPTIONS:
        errors.add(field, _("At most %(n)s options.") % {"n": MAX_OPTIONS})
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        at = f"{field}.{i}"
        if not isinstance(item, dict):
            errors.add(at, _("Give the option's label and kind."))
            continue
        label = " ".join(str(item.get("label") or "").split())
        if not label:
            errors.add(f"{at}.label", _("An option needs a label."))
        elif len(label) > LABEL_SIZE:
            errors.add(f"{at}.label", _("At most %(n)s characters.") % {"n": LABEL_SIZE})
        elif label.casefold() in seen:
            errors.add(f"{at}.label", _("Two options have the label '%(l)s'.") % {"l": label})
        seen.add(label.casefold())
        kind = str(item.get("kind") or "").strip().lower()
        if kind not in KINDS:
            errors.add(f"{at}.kind", _("The kind is 'choice' or 'text'."))
        raw_choices = item.get("choices") or []
        if not isinstance(raw_choices, list):
            errors.add(f"{at}.choices", _("Choices are a list of texts."))
            raw_choices = []
        choices: list[str] = []
        for choice in raw_choices:
            text = " ".join(str(choice or "").split())
            if text and text not in choices:
                choices.append(text)
        if any(len(c) > CHOICE_SIZE for c in choices):
            errors.add(f"{at}.choices", _("At most %(n)s characters.") % {"n": CHOICE_SIZE})
        if len(choices) > MAX_CHOICES:
            errors.add(f"{at}.choices", _("At most %(n)s choices.") % {"n": MAX_CHOICES})
        if kind == "choice" and len(choices) < 2:
            errors.add(f"{at}.choices", _("A choice needs at least two choices."))
        if kind == "text":
            choices = []
        out.append(
            {
                "label": label,
                "kind": kind,
                "choices": choices,
                "required": bool(item.get("required")),
            }
        )
    return out


def customisation_answers_clean(
    options: list[dict[str, Any]], answers: Any, errors: ErrorCollector
) -> list[dict[str, str]]:
    """A customer's answers (``{label: value}``) checked against a product's ``options``: a
    choice must be one of its choices, a text at most 500 characters, a required option
    answered, no unknown label; at least one answer. Problems go under ``answers.<label>``.
    Returns ``[{label, value}]`` in the options' order (unanswered ones left out)."""
    if not isinstance(answers, dict):
        errors.add("answers", _("Answers are an object of option labels and values."))
        return []
    by_label = {option["label"]: option for option in options}
    for label in answers:
        if label not in by_label:
            errors.add(
                f"answers.{label}",
                _("This product has no option '%(l)s'.") % {"l": label},
            )
    out: list[dict[str, str]] = []
    for option in options:
        label = option["label"]
        value = " ".join(str(answers.get(label) or "").split())
        if not value:
            if option.get("required"):
                errors.add(f"answers.{label}", _("Answer '%(l)s'.") % {"l": label})
            continue
        if option["kind"] == "choice" and value not in option["choices"]:
            errors.add(
                f"answers.{label}",
                _("Choose one of: %(c)s.") % {"c": ", ".join(option["choices"])},
            )
            continue
        if len(value) > ANSWER_SIZE:
            errors.add(f"answers.{label}", _("At most %(n)s characters.") % {"n": ANSWER_SIZE})
            continue
        out.append({"label": label, "value": value})
    if not out and not errors.errors:
        errors.add("answers", _("Say what you would like changed."))
    return out


def options_from_text(text: str) -> list[dict[str, Any]]:
    """The staff form's notation, one option per line: ``Colour: Blue | Red`` is a choice,
    ``Engraving`` (no colon) a free text; a trailing ``*`` on the label makes it required."""
    out: list[dict[str, Any]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        label, sep, rest = line.partition(":")
        label = label.strip()
        required = label.endswith("*")
        label = label.rstrip("*").strip()
        choices = [c.strip() for c in rest.split("|") if c.strip()] if sep else []
        kind = "choice" if sep and choices else "text"
        out.append({"label": label, "kind": kind, "choices": choices, "required": required})
    return out


def options_as_text(options: list[dict[str, Any]]) -> str:
    """``options`` in the staff form's notation (see ``options_from_text``)."""
    lines = []
    for option in options or []:
        label = option.get("label", "") + ("*" if option.get("required") else "")
        if option.get("kind") == "choice":
            lines.append(f"{label}: " + " | ".join(option.get("choices") or []))
        else:
            lines.append(label)
    return "\n".join(lines)
