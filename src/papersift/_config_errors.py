"""Validation errors of the settings, said in the words of the TOML file rather than pydantic's.

pydantic describes a bad value in Python terms ("a valid dictionary or instance of
RankerSettings"); a user wrote TOML, so the message names the key, what was given (as a TOML
kind: text, a whole number, a list, a table), what is expected, and how to write it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "a true/false value"),
    (int, "a whole number"),
    (float, "a number"),
    (str, "text"),
    (list, "a list"),
    (dict, "a table"),
)


def toml_kind(value: object) -> str:
    """What ``value`` is, in TOML's words."""
    for kind, words in _KINDS:
        if isinstance(value, kind):
            return words
    return "a date or time" if value is not None else "nothing"


def toml_value(value: object, quote: Callable[[str], str] | None = None) -> str:
    """``value`` as it would be written in a TOML file; strings in double quotes, or as
    ``quote`` writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, PurePath):
        value = str(value)
    if isinstance(value, str):
        return quote(value) if quote else json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item, quote) for item in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{k} = {toml_value(v, quote)}" for k, v in value.items())
        return "{ " + pairs + " }"
    return str(value)


def shown_value(value: object) -> str:
    """``value`` for a message: TOML, with strings in single quotes (TOML's literal strings)."""
    return toml_value(value, repr)


def _limit(error: dict[str, Any], word: str) -> str:
    limit = (error.get("ctx") or {}).get(word)
    return f"{limit:g}" if isinstance(limit, int | float) else str(limit)


_EXPECTED = {
    "list_type": "a list in square brackets, such as {example}",
    "tuple_type": "a list in square brackets, such as {example}",
    "set_type": "a list in square brackets, such as {example}",
    "dict_type": 'a table, such as {{ key = "value" }}',
    "string_type": 'text in double quotes, such as "{text}"',
    "path_type": 'a file path in double quotes, such as "{path}"',
    "bool_type": "true or false, without quotes",
    "bool_parsing": "true or false, without quotes",
    "int_type": "a whole number without quotes, such as 20",
    "int_parsing": "a whole number without quotes, such as 20",
    "int_from_float": "a whole number without quotes, such as 20",
    "float_type": "a number without quotes, such as 2.5",
    "float_parsing": "a number without quotes, such as 2.5",
    "date_type": "a date, such as 2026-12-24 (with or without quotes)",
    "date_parsing": "a date, such as 2026-12-24 (with or without quotes)",
    "date_from_datetime_parsing": "a date, such as 2026-12-24 (with or without quotes)",
    "date_from_datetime_inexact": "a date without a time, such as 2026-12-24",
}


def expected(error: dict[str, Any]) -> str:
    """What the key of ``error`` (one of ``ValidationError.errors()``) allows, in plain words."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind in _EXPECTED:
        text = value if isinstance(value, str) else "..."
        example = toml_value([value]) if isinstance(value, str | int | float) else '["..."]'
        return _EXPECTED[kind].format(example=example, text=text, path="interests.md")
    if kind == "literal_error":
        return f"one of {ctx.get('expected')}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {
            "greater_than": ("greater than", "gt"),
            "greater_than_equal": ("greater than or equal to", "ge"),
            "less_than": ("less than", "lt"),
            "less_than_equal": ("less than or equal to", "le"),
        }[kind]
        return f"a number {words[0]} {_limit(error, words[1])}"
    if kind in ("too_short", "too_long"):
        count = ctx.get("min_length" if kind == "too_short" else "max_length")
        least = "at least" if kind == "too_short" else "at most"
        return f"a list of {least} {count} item{'' if count == 1 else 's'}"
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return str(error.get("msg", "another value"))


def section_hint(section: str, value: object, defaults: dict[str, Any]) -> str:
    """How to write ``[section]`` as the table it must be, given the ``value`` found instead.

    ``defaults`` maps the section's keys to their default values; the example line uses the
    first key whose default is of the same kind as ``value``, so ``ranker = "hybrid"`` becomes
    ``[ranker]`` and ``kind = "hybrid"``.
    """
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return f"Write the table with single brackets, [{section}], not [[{section}]]."
    if isinstance(value, bool) and "enabled" in defaults:
        same = ["enabled"]
    elif isinstance(value, str | list):
        same = [key for key, default in defaults.items() if toml_kind(default) == toml_kind(value)]
    else:
        same = []
    if same:
        example = f"{same[0]} = {toml_value(value)}"
    else:
        key, default = next((k, d) for k, d in defaults.items() if d is not None)
        example = f"{key} = {toml_value(default)}"
    return (
        f"Write it as a table: a line [{section}] with its keys on the lines below, e.g.\n"
        f"[{section}]\n{example}\nIts keys: {', '.join(defaults)}."
    )
