"""The week rule: Customer Service Week starts on the first Monday of October."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import MO, relativedelta

from csw.core.errors import UsageError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKWEEK = WEEKDAYS[:5]
MIN_YEAR, MAX_YEAR = 1900, 9999
YEAR_RANGE = f"give a year from {MIN_YEAR} to {MAX_YEAR}, for example 2025"


@dataclass(frozen=True)
class Week:
    """One year's Customer Service Week: the dates that are celebrated, in order."""

    year: int
    days: tuple[date, ...]

    @property
    def start(self) -> date:
        return self.days[0]

    @property
    def end(self) -> date:
        return self.days[-1]


def first_monday_of_october(year: int) -> date:
    """The official start: the first Monday on or after 1 October."""
    return date(year, 1, 1) + relativedelta(month=10, day=1, weekday=MO(+1))


def week_of(year: int, weekdays: tuple[str, ...] = WORKWEEK, start: date | None = None) -> Week:
    """The week of `year`: the given weekdays of the 7 days from `start` (default: the official start).

    A `start` in another year does not apply: it moves only its own year's week.
    """
    check_year(year)
    first = start if start is not None and start.year == year else first_monday_of_october(year)
    wanted = {WEEKDAYS.index(name) for name in weekdays}
    span = (first + timedelta(days=offset) for offset in range(7))
    return Week(year, tuple(day for day in span if day.weekday() in wanted))


def next_week(today: date, weekdays: tuple[str, ...] = WORKWEEK, start: date | None = None) -> Week:
    """The first week that has not ended on `today`: this year's, or next year's once it is over."""
    week = week_of(today.year, weekdays, start)
    return week if week.end >= today else week_of(today.year + 1, weekdays, start)


def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise UsageError(f"year {year} is out of range: {YEAR_RANGE}.")
    return year


def parse_year(text: str) -> int:
    """A year as typed on the command line: whole digits from MIN_YEAR to MAX_YEAR."""
    cleaned = text.strip()
    if not cleaned.isascii() or not cleaned.isdigit():
        raise UsageError(f"'{text}' is not a year: {YEAR_RANGE}.")
    return check_year(int(cleaned))


def years_asked(years: list[str], first: str | None, last: str | None) -> list[int]:
    """The years typed on the command line, then the range --from FIRST --to LAST (either alone is
    one year), in the order given."""
    wanted = [parse_year(text) for text in years]
    if first is not None or last is not None:
        low, high = parse_year(first or last or ""), parse_year(last or first or "")
        if high < low:
            raise UsageError(f"--from {low} comes after --to {high}.", hint="Swap them.")
        wanted += range(low, high + 1)
    return wanted


# every spelling of a day that --pin takes: the full name, the three-letter one, and the common
# longer cuts; nothing else, so that a typo (`mongoose`) is an error rather than a Monday
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_SPELLINGS = {
    **{name: short for name, short in zip(DAY_NAMES, WEEKDAYS, strict=True)},
    **{short: short for short in WEEKDAYS},
    "tues": "tue",
    "thur": "thu",
    "thurs": "thu",
}


def parse_weekday_or_date(text: str, week: Week) -> date:
    """A day of `week` given as a weekday (`mon` or `monday`, any case) or as an ISO date."""
    key = _DAY_SPELLINGS.get(text.strip().lower())
    if key is not None:
        for day in week.days:
            if WEEKDAYS[day.weekday()] == key:
                return day
        raise UsageError(f"'{text}' is not one of the days of the {week.year} week.")
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"'{text}' is neither a weekday (mon..sun or monday..sunday) nor a date (YYYY-MM-DD)."
        ) from None
    if day not in week.days:
        raise UsageError(f"{day} is not a day of the {week.year} week ({week.start} to {week.end}).")
    return day
