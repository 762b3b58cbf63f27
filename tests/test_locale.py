"""organization.locale: every date, time and amount a reader sees is written the locale's way.

The week of `csw init`'s files is planned with the starter's csw.toml set to each locale (and a
currency of that country, at a made-up usd_rate), then the agenda, the plan.yaml header, the
terminal table, the emails and the certificates are read back and compared with what Babel itself
writes for that locale (never with strings typed here: CLDR's data changes between Babel versions).
The words stay English; only the formats follow the locale.
"""

from __future__ import annotations

import json
import re
from datetime import date, time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_currency, get_currency_precision, get_decimal_symbol

# locale, currency, units of it one USD buys (any rate will do: the test only needs the sums)
LOCALES = [
    ("en_US", "USD", None),
    ("en_GB", "GBP", 0.8),
    ("de_DE", "EUR", 0.9),
    ("fr_FR", "EUR", 0.9),
    ("ja_JP", "JPY", 150),
]
ENGLISH_MONTH = "October"


def babel_clock(hhmm: str, locale: str) -> str:
    """Babel's short time; csw writes CLDR's narrow no-break space before AM/PM as a plain space."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return format_time(time(hours % 24, minutes), "short", locale=locale).replace("\u202f", " ")


def babel_money(amount: float, currency: str, locale: str) -> str:
    """Babel's amount; a whole one without its minor units ("£1,308", not "£1,308.00")."""
    text = format_currency(amount, currency, locale=locale)
    digits = get_currency_precision(currency)
    if digits and round(amount, 2) == int(amount):
        text = text.replace(get_decimal_symbol(locale) + "0" * digits, "")
    return text


def day_and_month(day: date, locale: str) -> str:
    """Babel's day and month in the locale's order: October 6, 6 October, 6. Oktober, 10月6日."""
    return format_skeleton("MMMMd", day, locale=locale)


def twelve_hour(locale: str) -> bool:
    return "14" not in babel_clock("14:30", locale)


def names_of(day: date, locale: str) -> tuple[str, str]:
    """The locale's own wide weekday and month for `day`: Montag and Oktober, lundi and octobre."""
    return format_date(day, "EEEE", locale=locale), format_date(day, "MMMM", locale=locale)


def starter_config(tmp_path: Path, locale: str, currency: str, rate: float | None) -> None:
    toml = tmp_path / "csw.toml"
    text = re.sub(r'(?m)^locale = "en_US"', f'locale = "{locale}"', toml.read_text(encoding="utf-8"))
    text = re.sub(r'(?m)^currency = "USD"', f'currency = "{currency}"', text)
    if rate is not None:
        text = re.sub(r"(?m)^# usd_rate = [\d.]+", f"usd_rate = {rate}", text)
    text = re.sub(r"(?m)^budget = \d+", f"budget = {round(2000 * (rate or 1))}", text)
    toml.write_text(text, encoding="utf-8")


def read_eml(path: Path) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return " ".join(part.get_content().split())  # wrapping aside


@pytest.fixture(params=LOCALES, ids=[case[0] for case in LOCALES])
def week(request, csw, tmp_path: Path):
    locale, currency, rate = request.param
    assert csw("init").exit_code == 0
    starter_config(tmp_path, locale, currency, rate)
    planned = csw("plan", "2025", "--format", "md,json,html")
    assert planned.exit_code == 0, planned.stderr
    folder = tmp_path / "csw-2025"
    previewed = csw("email", "preview", folder / "plan.yaml", "--recipients", "recipients.csv")
    assert previewed.exit_code == 0, previewed.stderr
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert plan["organization"]["locale"] == locale and plan["team"]["currency"] == currency
    return locale, currency, folder, plan, planned.stdout


def test_the_agenda_writes_dates_times_and_amounts_the_locales_way(week) -> None:
    locale, currency, folder, plan, _ = week
    agenda = (folder / "agenda.md").read_text(encoding="utf-8")
    headings = [line for line in agenda.splitlines() if line.startswith("## ")]
    for day in plan["days"]:
        when = date.fromisoformat(day["date"])
        weekday, _ = names_of(when, locale)
        (heading,) = [h for h in headings if weekday in h]
        assert day_and_month(when, locale) in heading and str(when.year) not in heading
        if not locale.startswith("en"):
            assert ENGLISH_MONTH not in heading and when.strftime("%A") not in heading
        for activity in day["activities"]:
            start = babel_clock(activity["sessions"][0]["start"], locale)
            assert any(line.startswith(f"### {start}") for line in agenda.splitlines()), start
    spend = f"Spend: {babel_money(plan['spent'], currency, locale)} of {babel_money(plan['team']['budget'], currency, locale)}"
    assert spend in agenda
    budget_rows = [line for line in agenda.splitlines() if "| **Spent** |" in line]
    assert budget_rows == [
        f"| | **Spent** | **{babel_money(plan['spent'], currency, locale)}**"
        f" | **{babel_money(plan['spent_per_rep'], currency, locale)}** |"
    ]


def shape(text: str) -> str:
    """A date's punctuation alone: 'Monday, 6 October 2025' and 'Friday, 10 October' are 'w, w w'."""
    return re.sub(r"\w+", "w", text)


def test_the_weeks_dates_are_written_alike_at_both_ends(week) -> None:
    locale, _, folder, plan, _ = week
    first, last = (date.fromisoformat(plan["days"][at]["date"]) for at in (0, -1))
    agenda = (folder / "agenda.md").read_text(encoding="utf-8")
    line = next(line for line in agenda.splitlines() if line.startswith("**") and "**: " in line)
    end = format_date(last, "full", locale=locale)
    assert f" to {end}" in line, line
    start = line.split("**: ", 1)[1].split(" to ", 1)[0]
    assert shape(end).startswith(shape(start)) and str(first.day) in start, (start, end)
    poster = (folder / "poster.html").read_text(encoding="utf-8")
    assert f">{start}</time> to <time" in poster


def test_the_time_zone_is_named_as_the_locale_names_it(week) -> None:
    from babel.dates import get_timezone, get_timezone_name

    locale, _, folder, plan, _ = week
    zone = plan["organization"]["timezone"]
    name = get_timezone_name(get_timezone(zone), "long", zone_variant="generic", locale=locale)
    assert zone not in name, "the starter's zone has a name of its own"
    said = f"{name} ({zone})"
    assert f"All times are {said}." in (folder / "agenda.md").read_text(encoding="utf-8")
    assert f"All times {said}, day shift / evening shift</p>" in (folder / "poster.html").read_text(
        encoding="utf-8"
    )
    kickoff = next((folder / "outbox").glob("*-kickoff-*.eml"))
    assert f"Times are {said}." in text_of(read_eml(kickoff))


def test_the_wrapup_lists_each_days_activities_as_english_does_there(week) -> None:
    from babel.lists import format_list

    locale, _, folder, plan, _ = week
    daily = {i for i, idea in plan["ideas"].items() if idea["span"] == "daily"}
    text = text_of(read_eml(next((folder / "outbox").glob("*-wrapup-*.eml"))))
    listed = 0
    for day in plan["days"]:
        titles = [plan["ideas"][a["idea"]]["title"] for a in day["activities"] if a["idea"] not in daily]
        if len(titles) > 1:
            english = format_list(titles, locale=locale if locale.startswith("en") else "en_US")
            assert f", with {english}" in text, (day["date"], english)
            listed += 1
    assert listed, "some day has more than one activity"


def test_plan_yaml_says_the_spend_in_the_locales_money_and_keeps_its_fields_iso(week) -> None:
    locale, currency, folder, plan, _ = week
    text = (folder / "plan.yaml").read_text(encoding="utf-8")
    header = text.split("\n# csw-checksum:")[0]
    assert f"# Spend: {babel_money(plan['spent'], currency, locale)} of" in header
    assert f"\n- date: {plan['days'][0]['date']}\n" in text or f"date: '{plan['days'][0]['date']}'" in text


def test_the_terminal_table_writes_the_locales_times_and_money(week) -> None:
    locale, currency, _, plan, stdout = week
    first = plan["days"][0]
    assert babel_clock(first["activities"][0]["sessions"][0]["start"], locale) in stdout
    assert f"Spend: {babel_money(plan['spent'], currency, locale)} of" in stdout
    short_weekday = format_date(date.fromisoformat(first["date"]), "EEE", locale=locale)
    assert short_weekday in stdout


def test_the_emails_write_dates_and_times_the_locales_way(week) -> None:
    locale, _, folder, plan, _ = week
    kickoffs = sorted((folder / "outbox").glob("*-kickoff-*.eml"))
    assert kickoffs
    message = read_eml(kickoffs[0])
    first = date.fromisoformat(plan["days"][0]["date"])
    weekday, month = names_of(first, locale)
    assert weekday in str(message["Subject"]) and month in str(message["Subject"])
    body = text_of(message)
    starts = {
        babel_clock(s["start"], locale) for d in plan["days"] for a in d["activities"] for s in a["sessions"]
    }
    assert any(start in body for start in starts), "a rep's own time, the locale's way"
    if not twelve_hour(locale):
        assert not re.search(r"\d (AM|PM|am|pm)\b", body), "no 12-hour clock where the locale has none"
    dailies = sorted((folder / "outbox").glob("*-daily-*.eml"))
    subjects = {str(read_eml(path)["Subject"]) for path in dailies}
    for day in plan["days"]:
        weekday, month = names_of(date.fromisoformat(day["date"]), locale)
        in_order = day_and_month(date.fromisoformat(day["date"]), locale)
        assert any(weekday in s and in_order in s for s in subjects), (weekday, subjects)


def test_the_poster_and_certificates_write_the_locales_dates(week, csw) -> None:
    locale, _, folder, plan, _ = week
    poster = (folder / "poster.html").read_text(encoding="utf-8")
    for day in plan["days"]:
        when = date.fromisoformat(day["date"])
        weekday, _ = names_of(when, locale)
        assert f'<span class="weekday">{weekday}</span>' in poster
        assert f'datetime="{day["date"]}">{day_and_month(when, locale)}</time>' in poster
    result = csw("certificates", folder / "plan.yaml", "--roster", "recipients.csv")
    assert result.exit_code == 0, result.stderr
    html = next(folder.parent.rglob("certificates.html")).read_text(encoding="utf-8")
    last = date.fromisoformat(plan["days"][-1]["date"])
    assert format_date(last, "full", locale=locale) in html


@pytest.mark.parametrize("locale", ["xx_QQ", "english", "en_US; rm -rf"])
def test_an_unknown_locale_is_refused_at_its_field(csw, write, locale: str) -> None:
    write("csw.toml", f'[organization]\nname = "Acme"\nlocale = "{locale}"\n')
    result = csw("plan", "2025")
    result.assert_clean_error(2)
    assert "csw.toml:3" in result.stderr and "organization.locale" in result.stderr
    assert "en_GB" in result.stderr, "it says what to write instead"
    assert not Path("csw-2025").exists()


def test_a_locale_written_with_a_hyphen_is_the_same_locale(csw, write, tmp_path: Path) -> None:
    write("csw.toml", '[organization]\nlocale = "de-de"\n')
    assert csw("plan", "2025", "--format", "json").exit_code == 0
    plan = json.loads((tmp_path / "csw-2025" / "plan.json").read_text(encoding="utf-8"))
    assert plan["organization"]["locale"] == "de_DE"
