"""Checks that every frame the server sends follows its type in conversations.outbound.

Used by the protocol test client (tests/chat_helpers.Chat) after every test, by
the fuzz tests and by the browser tests' socket spies: a frame with a field
missing, a field of another type, a field the type does not declare (a client
shown a staff id, say) or a type the party must not receive is a problem.
"""

from __future__ import annotations

import types
from typing import Any, Literal, NotRequired, Union, get_args, get_origin, get_type_hints, is_typeddict

from conversations.outbound import CLIENT_EVENTS, GUEST_EVENTS, STAFF_EVENTS


def _problems(value: Any, hint: Any, where: str) -> list[str]:
    origin = get_origin(hint)
    if hint is Any:
        return []
    if hint is type(None):
        return [] if value is None else [f"{where} is {value!r}, not null"]
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        for option in options:
            if not _problems(value, option, where):
                return []
        return [f"{where} is {value!r}, not {hint}"]
    if origin is Literal:
        return [] if value in get_args(hint) else [f"{where} is {value!r}, not one of {get_args(hint)}"]
    if origin is NotRequired:
        return _problems(value, get_args(hint)[0], where)
    if is_typeddict(hint):
        return typeddict_problems(value, hint, where)
    if origin is list:
        if not isinstance(value, list):
            return [f"{where} is not a list"]
        (item,) = get_args(hint)
        return [p for i, v in enumerate(value) for p in _problems(v, item, f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where} is not an object"]
        _key, item = get_args(hint)
        return [p for k, v in value.items() for p in _problems(v, item, f"{where}.{k}")]
    if hint is bool:
        return [] if isinstance(value, bool) else [f"{where} is {value!r}, not a boolean"]
    if hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{where} is {value!r}, not an integer"]
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{where} is {value!r}, not a number"]
    if hint is str:
        return [] if isinstance(value, str) else [f"{where} is {value!r}, not a string"]
    raise TypeError(f"no check for {hint!r} ({where})")  # pragma: no cover - a new kind of hint


def typeddict_problems(value: Any, typed: type, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where} is not an object"]
    # NotRequired is read from the hints: with postponed annotations, __required_keys__ cannot see it.
    hints = get_type_hints(typed, include_extras=True)
    required = {key for key, hint in hints.items() if get_origin(hint) is not NotRequired}
    problems = [f"{where} lacks {key}" for key in sorted(required - set(value))]
    problems += [f"{where} has undeclared {key}" for key in sorted(set(value) - set(hints))]
    for key, item in value.items():
        if key in hints:
            problems += _problems(item, hints[key], f"{where}.{key}")
    return problems


def outbound_problems(party: str, event: Any) -> list[str]:
    """What is wrong with a frame the server sent to `party` (empty when it follows its type)."""
    table = {"client": CLIENT_EVENTS, "guest": GUEST_EVENTS}.get(party, STAFF_EVENTS)
    kind = event.get("type") if isinstance(event, dict) else None
    if not isinstance(kind, str) or kind not in table:
        return [f"a {party} was sent a frame of type {kind!r}"]
    shapes = table[kind]
    found = [typeddict_problems(event, shape, kind) for shape in shapes]
    return [] if any(not problems for problems in found) else min(found, key=len)
