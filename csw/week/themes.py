"""The theme of each year: the official one where known, unless the coordinator chose another."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files


@cache
def official_themes() -> dict[int, str]:
    text = (files("csw") / "official_themes.toml").read_text(encoding="utf-8")
    return {int(year): str(theme) for year, theme in tomllib.loads(text).items()}


def theme_of(year: int, overrides: dict[int, str] | None = None, chosen: str | None = None) -> str | None:
    """`chosen` (organization.theme) wins, then the config's `[themes]`, then the official theme."""
    if chosen:
        return chosen
    if overrides and year in overrides:
        return overrides[year]
    return official_themes().get(year)
