"""Plain views of library results: the lines and JSON records that commands print."""

from __future__ import annotations

from typing import Any

from csw.dates import Week


def long_date(day: Any) -> str:
    """Monday 6 October (no leading zero, on every platform)."""
    return f"{day:%A} {day.day} {day:%B}"


def week_line(week: Week, theme: str | None) -> str:
    """'2025: Monday 6 October to Friday 10 October (theme: Mission Possible)'."""
    line = f"{week.year}: {long_date(week.start)} to {long_date(week.end)}"
    if len(week.days) not in (1, (week.end - week.start).days + 1):
        line += " (" + ", ".join(f"{day:%a}" for day in week.days) + ")"
    return line + (f" (theme: {theme})" if theme else "")


def week_record(week: Week, theme: str | None) -> dict[str, Any]:
    return {
        "year": week.year,
        "start": week.start.isoformat(),
        "end": week.end.isoformat(),
        "days": [day.isoformat() for day in week.days],
        "theme": theme,
    }
