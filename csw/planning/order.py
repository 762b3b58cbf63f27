"""The seed's order of ideas, and how recently each was used: a plan's tie-breaks."""

from __future__ import annotations

import hashlib
from datetime import date


def tiebreak(seed: int, idea_id: str) -> str:
    # a hash, not random.Random: the order must not depend on the Python version or bank order
    return hashlib.blake2b(f"{seed}:{idea_id}".encode(), digest_size=8).hexdigest()


def staleness(history: tuple[tuple[int, frozenset[str]], ...]) -> dict[str, int]:
    """0 for an idea never used; else higher for more recent use, so the oldest come back first."""
    ranks: dict[str, int] = {}
    for rank, (_, ids) in enumerate(sorted(history, key=lambda entry: entry[0]), start=1):
        for idea_id in ids:
            ranks[idea_id] = rank
    return ranks


def day_name(day: date) -> str:
    return f"{day:%A} {day.isoformat()}"
