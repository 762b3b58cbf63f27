"""American spelling for a team that writes it.

The built-in idea bank is written in British English. A team whose locale is American English
(en_US, or plain `en`, which CLDR takes as American) reads its plan in American spelling: the
planned ideas' text is respelled once, when the plan is made, so the agenda, the poster, the
emails and plan.yaml agree. The table holds the words the bank uses and nothing that a word
boundary could make ambiguous; text already in American spelling passes through unchanged.
"""

from __future__ import annotations

import re
from functools import cache

# British -> American, lower case; a capital first letter is kept.
AMERICAN = {
    "agree a": "agree on a",
    "agree the": "agree on the",
    "anonymised": "anonymized",
    "cancelled": "canceled",
    "centre": "center",
    "centres": "centers",
    "colour": "color",
    "coloured": "colored",
    "colours": "colors",
    "comes round": "comes around",
    "favourite": "favorite",
    "favourites": "favorites",
    "honour": "honor",
    "honours": "honors",
    "jewellery": "jewelry",
    "labelled": "labeled",
    "neighbour": "neighbor",
    "neighbours": "neighbors",
    "organiser": "organizer",
    "organisers": "organizers",
    "practise": "practice",
    "practises": "practices",
    "recognise": "recognize",
    "recognised": "recognized",
    "sanitising": "sanitizing",
    "sweets": "candy",
    "traveller": "traveler",
    "travellers": "travelers",
    "travelled": "traveled",
}

_AMERICAN_LOCALES = ("en", "en_US")


def writes_american(locale: str) -> bool:
    """Whether a team in `locale` (csw.toml's organization.locale) spells as Americans do."""
    return locale.replace("-", "_") in _AMERICAN_LOCALES


@cache
def _pattern() -> re.Pattern[str]:
    words = sorted(AMERICAN, key=len, reverse=True)  # the longest first: "colours" before "colour"
    # "[Cc]olour" rather than IGNORECASE, which made the scan a third slower
    either = (f"[{word[0].upper()}{word[0]}]{re.escape(word[1:])}" for word in words)
    return re.compile(r"\b(" + "|".join(either) + r")\b")


def american(text: str) -> str:
    """`text` with the table's British spellings in American spelling."""
    return _pattern().sub(_respelled, text)


def _respelled(found: re.Match[str]) -> str:
    word = found[1]
    new = AMERICAN[word[0].lower() + word[1:]]
    return new[0].upper() + new[1:] if word[0].isupper() else new
