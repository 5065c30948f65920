"""The rule builder's state as an HTML form, and back.

The builder screen keeps no state in the browser: the form *is* the rule tree. Every node
has a path (``0`` the root group, ``0.1`` its second child, ``0.1.0``...) listed in the
``node`` inputs, with its kind (``kind.<path>``: all / any / none for groups, ``cond`` for a
condition) and, for a condition, ``field.<path>``, ``op.<path>``, ``value.<path>`` and one
``opt.<path>.<name>`` per option of the operator. ``parse`` reads that into a tree,
``apply_action`` adds or removes nodes (the buttons post ``action=add:<path>`` and so on),
``to_rules`` gives the JSON the compiler takes (with a map from rule paths to form paths, so
the compiler's errors land on the right condition), ``from_rules`` does the reverse for a
saved segment, and ``view_model`` gives the template each input with its choices.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from ..segment_fields import (
    BOOLEAN,
    CHOICE,
    CHOICES,
    DECIMAL,
    FIELD_MAP,
    FIELDS,
    INTEGER,
    ITEMS,
    STATIC_CHOICES,
    STRINGS,
    USER,
    Field,
    Param,
)

GROUP_KINDS = ("all", "any", "none")
DEFAULT_FIELD = "lifecycle_stage"
LIST_TYPES = (CHOICES, ITEMS)

Node = dict[str, Any]


def new_condition(field: str = DEFAULT_FIELD) -> Node:
    spec = FIELD_MAP[field]
    return {"kind": "cond", "field": field, "op": spec.ops[0].code, "values": {}}


def new_group(kind: str = "all", with_condition: bool = True) -> Node:
    return {"kind": kind, "children": [new_condition()] if with_condition else []}


# ---------------------------------------------------------------- form → tree


def parse(data: QueryDict) -> Node:
    """The tree the form describes (an empty root group when it describes none)."""
    paths = [p for p in data.getlist("node") if p]
    nodes: dict[str, Node] = {}
    for path in paths:
        kind = data.get(f"kind.{path}", "all")
        if kind == "cond":
            field = data.get(f"field.{path}", DEFAULT_FIELD)
            spec = FIELD_MAP.get(field) or FIELD_MAP[DEFAULT_FIELD]
            op_code = data.get(f"op.{path}", "")
            op = spec.op(op_code) or spec.ops[0]
            values: dict[str, Any] = {}
            for param in op.params:
                key = f"value.{path}" if param.name == "value" else f"opt.{path}.{param.name}"
                values[param.name] = (
                    [v for v in data.getlist(key) if v != ""]
                    if param.type in LIST_TYPES
                    else data.get(key, "")
                )
            nodes[path] = {"kind": "cond", "field": spec.code, "op": op.code, "values": values}
        else:
            nodes[path] = {"kind": kind if kind in GROUP_KINDS else "all", "children": []}
    root = nodes.get("0")
    if root is None or root["kind"] == "cond":
        return new_group("all", with_condition=False)
    for path in paths:  # in document order: children follow their parent
        if path == "0" or path not in nodes:
            continue
        parent = nodes.get(path.rsplit(".", 1)[0])
        if parent is not None and parent["kind"] != "cond":
            parent["children"].append(nodes[path])
    return root


def _find(root: Node, path: str) -> tuple[Node | None, Node | None, int]:
    """The node at ``path``, its parent and its index in the parent."""
    parts = path.split(".")
    if parts[0] != "0":
        return None, None, -1
    node, parent, index = root, None, -1
    for part in parts[1:]:
        if node.get("kind") == "cond" or not part.isdigit():
            return None, None, -1
        children = node["children"]
        index = int(part)
        if index >= len(children):
            return None, None, -1
        parent, node = node, children[index]
    return node, parent, index


def apply_action(root: Node, action: str) -> Node:
    """``add:<path>`` (a condition in that group), ``group:<path>`` (a sub-group),
    ``remove:<path>``; anything else leaves the tree as it is."""
    verb, _sep, path = action.partition(":")
    node, parent, index = _find(root, path)
    if node is None:
        return root
    if verb == "add" and node["kind"] != "cond":
        node["children"].append(new_condition())
    elif verb == "group" and node["kind"] != "cond":
        node["children"].append(new_group("any"))
    elif verb == "remove" and parent is not None:
        del parent["children"][index]
    return root


# ---------------------------------------------------------------- tree ↔ rules


def _param_value(param: Param, raw: Any) -> Any:
    if param.type in LIST_TYPES:
        return list(raw or [])
    text = str(raw or "").strip()
    if param.type == STRINGS:
        return [part.strip() for part in text.split(",") if part.strip()]
    if param.type == BOOLEAN:
        return True if text in ("on", "true", "1") else None
    return text or None


def to_rules(root: Node) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON rules of the tree, and ``{rule path: form path}`` for every node."""
    paths: dict[str, str] = {}

    def convert(node: Node, form_path: str, rule_path: str) -> dict[str, Any]:
        paths[rule_path] = form_path
        if node["kind"] == "cond":
            spec = FIELD_MAP[node["field"]]
            op = spec.op(node["op"]) or spec.ops[0]
            cond: dict[str, Any] = {"field": spec.code, "op": op.code}
            for param in op.params:
                value = _param_value(param, node["values"].get(param.name))
                if value not in (None, [], ""):
                    cond[param.name] = value
            return cond
        key = "any" if node["kind"] == "none" else node["kind"]
        inner = f"{rule_path}.not" if node["kind"] == "none" else rule_path
        if node["kind"] == "none":
            paths[inner] = form_path
        children = [
            convert(child, f"{form_path}.{i}", f"{inner}.{key}.{i}")
            for i, child in enumerate(node["children"])
        ]
        group = {key: children}
        return {"not": group} if node["kind"] == "none" else group

    return convert(root, "0", "rules"), paths


def _form_values(param: Param, value: Any) -> Any:
    if param.type in LIST_TYPES:
        return [str(v) for v in (value if isinstance(value, list) else [value])]
    if param.type == STRINGS:
        return ", ".join(str(v) for v in (value if isinstance(value, list) else [value]))
    if param.type == BOOLEAN:
        return "on" if value else ""
    return "" if value is None else str(value)


def from_rules(rules: Any) -> Node:
    """The builder tree of saved rules (the root is always a group)."""

    def convert(node: Any) -> Node:
        if not isinstance(node, dict):
            return new_group("all", with_condition=False)
        if "field" in node:
            spec = FIELD_MAP.get(str(node["field"]))
            if spec is None:
                return new_condition()
            op = spec.op(str(node.get("op"))) or spec.ops[0]
            values = {p.name: _form_values(p, node.get(p.name)) for p in op.params}
            return {"kind": "cond", "field": spec.code, "op": op.code, "values": values}
        if "not" in node:
            inner = node["not"]
            if isinstance(inner, dict) and "any" in inner:
                return {"kind": "none", "children": [convert(c) for c in inner["any"]]}
            return {"kind": "none", "children": [convert(inner)]}
        key = "any" if "any" in node else "all"
        return {"kind": key, "children": [convert(c) for c in node.get(key, [])]}

    root = convert(rules or {"all": []})
    if root["kind"] == "cond":
        root = {"kind": "all", "children": [root]}
    return root


# ---------------------------------------------------------------- the template's view


def _input_kind(param: Param) -> str:
    if param.type in LIST_TYPES:
        return "multi"
    if param.type in (CHOICE, USER):
        return "select"
    if param.type == BOOLEAN:
        return "checkbox"
    if param.type == INTEGER:
        return "number"
    if param.type == DECIMAL:
        return "decimal"
    return "text"


def _choices(param: Param, dynamic: dict[str, list[tuple[Any, str]]]) -> list[tuple[str, str]]:
    if param.type == USER:
        from django.utils.translation import gettext as _

        users = [(str(v), label) for v, label in dynamic.get("users", [])]
        return [("me", _("Me")), ("none", _("Nobody")), *users]
    source = STATIC_CHOICES.get(param.choices) or dynamic.get(param.choices, [])
    return [(str(v), str(label)) for v, label in source]


def _field_groups() -> list[tuple[str, list[Field]]]:
    groups: dict[str, list[Field]] = {}
    for spec in FIELDS:
        groups.setdefault(str(spec.group), []).append(spec)
    return list(groups.items())


def view_model(
    root: Node, dynamic: dict[str, list[tuple[Any, str]]], errors: dict[str, list[str]]
) -> Node:
    """The tree with what the template needs on each node: its form path, the operator
    list of a condition's field, each parameter's input kind, choices and current value, and
    the errors the compiler gave for it."""
    _rules, paths = to_rules(root)
    node_errors: dict[str, list[str]] = {}
    for rule_path, messages in errors.items():
        if not rule_path.startswith("rules"):
            continue
        probe = rule_path
        while probe and probe not in paths:
            probe = probe.rsplit(".", 1)[0] if "." in probe else ""
        node_errors.setdefault(paths.get(probe, "0"), []).extend(messages)
    field_groups = _field_groups()

    def decorate(node: Node, path: str, depth: int) -> Node:
        out = {**node, "path": path, "depth": depth, "errors": node_errors.get(path, [])}
        if node["kind"] != "cond":
            out["children"] = [
                decorate(child, f"{path}.{i}", depth + 1)
                for i, child in enumerate(node["children"])
            ]
            return out
        spec = FIELD_MAP[node["field"]]
        op = spec.op(node["op"]) or spec.ops[0]
        params = []
        for param in op.params:
            raw = node["values"].get(param.name)
            current = raw if isinstance(raw, list) else ("" if raw is None else str(raw))
            if param.type == "currency" and not current:
                current = "BRL"
            params.append(
                {
                    "name": param.name,
                    "input_name": f"value.{path}"
                    if param.name == "value"
                    else f"opt.{path}.{param.name}",
                    "label": param.label,
                    "required": param.required,
                    "kind": _input_kind(param),
                    "choices": _choices(param, dynamic)
                    if param.choices or param.type == USER
                    else [],
                    "value": current,
                    "selected": set(current) if isinstance(current, list) else {current},
                    "minimum": param.minimum,
                    "maximum": param.maximum,
                }
            )
        out.update(field_groups=field_groups, ops=spec.ops, params=params)
        return out

    return decorate(root, "0", 0)
