"""Author names: splitting author strings and normalising names for the watchlist.

A watched ``Martínez, J.`` must match ``Javier Mart\\'inez`` and ``J. Martinez``: names are folded
to lower-case ASCII with TeX accent escapes resolved, and compared by surname plus the initial of
the first given name, so initials match full first names.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_TEX_ACCENT = re.compile(r"\\[`'^\"~=.uvHcdbtkr]\s*\{?\s*\\?([A-Za-z])\s*\}?")
_TEX_LETTER = {
    r"\ss": "ss",
    r"\o": "o",
    r"\O": "O",
    r"\ae": "ae",
    r"\l": "l",
    r"\L": "L",
    r"\i": "i",
}
_TEX_LETTER_PATTERNS = [
    (re.compile(re.escape(escape) + r"(?![A-Za-z])\s*"), letter)
    for escape, letter in _TEX_LETTER.items()
]
_PAREN = re.compile(r"\([^()]*\)")


def split_authors(text: str) -> tuple[str, ...]:
    """Split an author string at commas and ``and``, keeping parenthesised affiliations whole."""
    text = text.strip()
    if not text:
        return ()
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth <= 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    names: list[str] = []
    for part in parts:
        names.extend(re.split(r"(?:^|\s+)and\s+", part.strip()))
    return tuple(name.strip() for name in names if name.strip() and name.strip() != ":")


def fold(name: str) -> str:
    """Lower-case ASCII form of ``name``: TeX escapes and accents removed, braces dropped."""
    if "\\" in name:
        for pattern, letter in _TEX_LETTER_PATTERNS:
            name = pattern.sub(letter, name)
        name = _TEX_ACCENT.sub(r"\1", name)
    name = name.replace("{", "").replace("}", "")
    if name.isascii():
        return name.lower()
    name = unicodedata.normalize("NFKD", name)
    name = "".join(char for char in name if not unicodedata.combining(char))
    return name.encode("ascii", "ignore").decode().lower()


@functools.lru_cache(maxsize=65536)
def name_key(name: str) -> tuple[str, str]:
    """``(surname, first given name)`` of a name written ``First Last`` or ``Last, First``.

    Both parts are folded (see :func:`fold`); the given name is a single letter when the name
    gives only an initial.
    """
    name = _PAREN.sub(" ", fold(name))
    if "," in name:
        last, _, first = name.partition(",")
    else:
        words = name.split()
        if not words:
            return ("", "")
        last, first = words[-1], " ".join(words[:-1])
    last = re.sub(r"[^a-z]", "", last)
    given = re.sub(r"[^a-z ]", " ", first).split()
    return (last, given[0] if given else "")


def same_author(watched: str, author: str) -> bool:
    """Whether ``author`` is the watched name.

    Surnames must agree. Given names must agree too when both are written out; an initial
    matches any given name starting with it, and a name without a given name matches on the
    surname alone.
    """
    watched_last, watched_given = name_key(watched)
    last, given = name_key(author)
    if not watched_last or watched_last != last:
        return False
    if not watched_given or not given:
        return True
    if len(watched_given) == 1 or len(given) == 1:
        return watched_given[0] == given[0]
    return watched_given == given
