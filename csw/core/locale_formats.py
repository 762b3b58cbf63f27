"""Dates, times and amounts as the team's locale writes them, from CLDR's data through Babel.

Every date, time and amount a reader sees (agenda, poster, emails, certificates, coverage sheet,
the `csw plan` table, plan.yaml's comments) goes through here, with `organization.locale`. The
words around them stay English; only the formats follow the locale. Machine fields (plan.yaml's
values, ICS, JSON) stay ISO and never come here.

Babel is imported inside the functions: `csw week` never pays for it. Each result is cached: a
week of emails asks for the same few hundred dates, times and amounts tens of thousands of times.

Amounts: a whole amount is written without minor units ("$1,780", "1.308 €", "¥300,000"), any
other with the currency's own minor units ("$44.50", "44,50 €"); a currency without minor units
(JPY, KRW) is always whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

DEFAULT_LOCALE = "en_US"
_NAME = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$")


def check_locale(value: str) -> str:
    """The locale's canonical name ('en-gb' -> 'en_GB'), or ValueError saying what to write."""
    from babel import Locale, UnknownLocaleError

    hint = "use a name such as 'en_US', 'en_GB', 'de_DE', 'fr_FR' or 'ja_JP'"
    if not _NAME.match(value):
        raise ValueError(f"is not a locale name; {hint}")
    try:
        return str(Locale.parse(value.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"is not a locale csw knows (no CLDR data for it); {hint}") from None


@lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    from babel import Locale

    return Locale.parse(name)


@lru_cache(maxsize=256)
def _pattern(name: str, skeleton: str) -> str:
    """The locale's pattern for a skeleton, its weekday and month names as wide as the skeleton asks.

    CLDR's rule (adjusting field widths) that Babel's own matching leaves out: en_US has no
    pattern for "MMMMEEEEd", only "MMMMEd" ("E, MMMM d"), which must still say "Monday"; older
    CLDR data matched it to "MMMEd", which must still say "October". A month the locale writes
    as a number ("M月d日") stays a number.
    """
    from babel.dates import match_skeleton

    patterns = _locale(name).datetime_skeletons
    found = match_skeleton(skeleton, patterns) or skeleton
    pattern = str(patterns[found].pattern) if found in patterns else found
    parts = pattern.split("'")  # outside 'quoted literals' only
    parts[::2] = [_widened(part, skeleton) for part in parts[::2]]
    return "'".join(parts)


def _widened(pattern: str, skeleton: str) -> str:
    # a weekday is always a name (E to EEE: short, EEEE: wide); a month is a name from MMM on
    for field, name_from in (("[Ec]", 1), ("[ML]", 3)):
        asked = max((len(run) for run in re.findall(f"{field}+", skeleton)), default=0)
        if asked >= name_from:
            pattern = re.sub(f"{field}{{{name_from},}}", _as_wide(asked), pattern)
    return pattern


def _as_wide(width: int) -> Callable[[re.Match[str]], str]:
    """A replacement that writes the field's letter `width` times: 'E' -> 'EEEE', 'MMM' -> 'MMMM'."""
    return lambda run: run[0][0] * width


@lru_cache(maxsize=4096)
def long_date(day: date, locale: str = DEFAULT_LOCALE) -> str:
    """The weekday, day and month, without the year: 'Monday, October 6', 'Montag, 6. Oktober'."""
    from babel.dates import format_date

    return str(format_date(day, _pattern(locale, "MMMMEEEEd"), locale=_locale(locale)))


@lru_cache(maxsize=4096)
def short_date(day: date, locale: str = DEFAULT_LOCALE) -> str:
    """The short weekday, day and month: 'Mon, Oct 6', 'Mon 6 Oct', 'Mo., 6. Okt.'."""
    from babel.dates import format_date

    return str(format_date(day, _pattern(locale, "MMMEd"), locale=_locale(locale)))


@lru_cache(maxsize=4096)
def full_date(day: date, locale: str = DEFAULT_LOCALE) -> str:
    """The locale's full date, with the year: 'Friday, October 10, 2025', 'Friday 10 October 2025'."""
    from babel.dates import format_date

    return str(format_date(day, "full", locale=_locale(locale)))


@lru_cache(maxsize=64)
def zone_name(zone: str, locale: str = DEFAULT_LOCALE) -> str:
    """A time zone as readers know it, with its IANA name: 'Central Time (America/Chicago)',
    'British Time (Europe/London)'; the IANA name alone where CLDR has no name for it (UTC)."""
    from babel.dates import get_timezone, get_timezone_name

    try:
        name = get_timezone_name(get_timezone(zone), "long", zone_variant="generic", locale=_locale(locale))
    except LookupError:
        return zone
    return zone if not name or "(" in name or zone in name else f"{name} ({zone})"


def and_list(items: Iterable[str], locale: str = DEFAULT_LOCALE) -> str:
    """'A, B and C' as English writes it in the locale's country (en_US's 'A, B, and C'); the
    words around a list stay English, so other languages get en_US's ('A, B, and C', not 'und')."""
    from babel.lists import format_list

    words = [str(item) for item in items]
    return (
        str(format_list(words, locale=_locale(locale if locale.startswith("en") else "en_US")))
        if words
        else ""
    )


# Where US Letter is the paper in the printer (CLDR's supplemental paperSize data); A4 elsewhere.
LETTER_TERRITORIES = frozenset(
    {"US", "CA", "MX", "CL", "CO", "CR", "GT", "NI", "PA", "PH", "PR", "SV", "VE", "BZ"}
)


def paper(locale: str = DEFAULT_LOCALE) -> str:
    """The paper a team of this locale prints on: 'letter' (en_US, fr_CA, es_MX...) or 'A4'."""
    return "letter" if _locale(locale).territory in LETTER_TERRITORIES else "A4"


def range_start(first: date, last: date, locale: str = DEFAULT_LOCALE) -> str:
    """The first day of a range whose last is written `full_date`, in the same style: without the
    year where the full date is the long one with the year added (Monday, October 6 to Friday,
    October 10, 2025), else in full too (CLDR's en_GB writes 'Friday 10 October' but 'Friday, 10
    October 2025': the two would mix in one line)."""
    if full_date(last, locale).startswith(long_date(last, locale)):
        return long_date(first, locale)
    return full_date(first, locale)


@lru_cache(maxsize=4096)
def weekday(day: date, locale: str = DEFAULT_LOCALE) -> str:
    """The weekday alone, as a heading: 'Monday', 'Montag', 'lundi'."""
    from babel.dates import format_date

    return str(format_date(day, "EEEE", locale=_locale(locale)))


@lru_cache(maxsize=4096)
def short_weekday(day: date, locale: str = DEFAULT_LOCALE) -> str:
    """The weekday abbreviated: 'Mon', 'Mo.', 'lun.'."""
    from babel.dates import format_date

    return str(format_date(day, "EEE", locale=_locale(locale)))


@lru_cache(maxsize=4096)
def day_month(day: date, locale: str = DEFAULT_LOCALE) -> str:
    """The day and month without the weekday: 'October 6', '6 October', '6. Oktober'."""
    from babel.dates import format_date

    return str(format_date(day, _pattern(locale, "MMMMd"), locale=_locale(locale)))


@lru_cache(maxsize=4096)
def clock(text: str, locale: str = DEFAULT_LOCALE) -> str:
    """'14:30' as the locale says a time of day: '2:30 PM', '14:30'; '24:00' is midnight.

    CLDR puts a narrow no-break space (U+202F) before AM and PM; csw writes a plain space, so
    that '2:30 PM' reads and searches the same in any terminal, font or text file (the emails'
    wrapping keeps a time whole: csw.mail.plaintext)."""
    from babel.dates import format_time

    hours, minutes = (int(part) for part in text.split(":"))
    written = str(format_time(time(hours % 24, minutes), "short", locale=_locale(locale)))
    return written.replace("\u202f", " ")


def when(text: str, locale: str = DEFAULT_LOCALE) -> str:
    """An ISO date or local date-time as a reader says it: 'Tuesday, October 7, 10:15 AM'."""
    if "T" not in text:
        return long_date(date.fromisoformat(text), locale)
    moment = datetime.fromisoformat(text)
    glue = str(_locale(locale).datetime_formats["medium"])  # "{1}, {0}": the date, then the time
    return glue.replace("{1}", long_date(moment.date(), locale)).replace(
        "{0}", clock(f"{moment:%H:%M}", locale)
    )


def money(amount: float, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """An amount in `currency` as the locale writes it: '$1,780', '£44.50', '1.308 €', '¥300,000'."""
    return _money(round(float(amount), 2), currency, locale)


@lru_cache(maxsize=8192)
def _money(amount: float, currency: str, locale: str) -> str:
    from babel.numbers import format_currency, get_currency_precision

    digits = get_currency_precision(currency)
    whole = digits == 0 or amount == int(amount)
    pattern = _whole_pattern(locale) if whole else None
    # currency_digits=False with the whole pattern: no minor units; else the currency's own
    return str(format_currency(amount, currency, pattern, locale=_locale(locale), currency_digits=not whole))


@lru_cache(maxsize=64)
def _whole_pattern(locale: str) -> str:
    """The locale's currency pattern without its fraction: '¤#,##0.00' -> '¤#,##0'."""
    pattern = str(_locale(locale).currency_formats["standard"].pattern)
    return re.sub(r"\.0+", "", pattern)


def currency_digits(currency: str) -> int:
    """How many minor units the currency has: 2 for USD and EUR, 0 for JPY."""
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(currency))


def check_currency(value: str) -> str:
    """An ISO 4217 code Babel knows ('GBP'), or ValueError saying what to write."""
    from babel.numbers import list_currencies

    if value not in list_currencies():
        raise ValueError("is not an ISO 4217 currency code; use one such as 'USD', 'EUR', 'GBP' or 'JPY'")
    return value
