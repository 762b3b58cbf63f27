"""What a department does for the support team, in the words of its Customer Service Week thanks.

The coordinator's own words ([team.thanks] in csw.toml) come first; else csw's table of common
departments (csw/departments.yaml: IT, HR, Product, Finance, Facilities...) by any of a
department's names; else a generic sentence. The words follow "You" in the thank-you note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from importlib.resources import files

__all__ = ["department_key", "thanks_words"]

_NOT_WORD = re.compile(r"[^\w]+")
_SUFFIXES = ("department", "dept", "team", "group")  # "the IT department" is IT


def thanks_words(department: str, configured: Mapping[str, str]) -> str:
    """What `department` does, to follow "You" in its thanks: "keep the phone system ... running".

    `configured`: the coordinator's words by department name (any case), which come first.
    """
    key = department_key(department)
    for name, words in configured.items():
        if department_key(name) == key and words.strip():
            return words.strip().removesuffix(".").rstrip()
    table, generic = _builtin()
    return table.get(key, generic)


def department_key(name: str) -> str:
    """A department's name as it is matched: 'People & Culture' and 'people and culture' are one;
    a trailing 'department' or 'team' does not count."""
    words = _NOT_WORD.sub(" ", name.replace("&", " and ").casefold()).split()
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words)


@lru_cache(maxsize=1)
def _builtin() -> tuple[dict[str, str], str]:
    """The built-in words by each name's key, and the generic words."""
    import yaml

    data = yaml.safe_load((files("csw") / "departments.yaml").read_text(encoding="utf-8"))
    table = {
        department_key(name): " ".join(entry["words"].split())
        for entry in data["departments"]
        for name in entry["names"]
    }
    return table, " ".join(data["generic"].split())
