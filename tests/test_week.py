"""`csw week`: the first-Monday-of-October rule, official dates, ranges, config, bad years."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csw.core import locale_formats
from csw.week.dates import first_monday_of_october, next_week, week_of

OFFICIAL_STARTS = ["2015-10-05", "2018-10-01", "2020-10-05", "2023-10-02", "2024-10-07", "2025-10-06"]


@pytest.mark.parametrize("year", range(1900, 2101))
def test_every_week_1900_to_2100_starts_on_the_first_monday_of_october(year: int) -> None:
    week = week_of(year)
    assert week.start.month == 10 and week.start.weekday() == 0
    assert week.start.day <= 7, "the first Monday, not a later one"
    assert [d - week.start for d in week.days] == [timedelta(days=n) for n in range(5)]
    seven = week_of(year, ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    assert len(seven.days) == 7 and seven.start == week.start and seven.end.weekday() == 6


@given(st.integers(min_value=1900, max_value=9999))
def test_the_week_is_the_first_full_monday_to_friday_of_october(year: int) -> None:
    week = week_of(year)
    assert week.start == first_monday_of_october(year)
    assert week.start - timedelta(days=7) < date(year, 10, 1) <= week.start
    assert all(d.month == 10 for d in week.days)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9998, 12, 31)))
def test_next_week_is_the_first_that_has_not_ended(today: date) -> None:
    week = next_week(today)
    assert week.end >= today
    assert week.year in (today.year, today.year + 1)
    if week.year == today.year + 1:
        assert week_of(today.year).end < today


def test_official_dates_from_the_cli(csw) -> None:
    years = [day[:4] for day in OFFICIAL_STARTS]
    result = csw("week", *years, "--json")
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert [r["start"] for r in records] == OFFICIAL_STARTS
    first = records[-1]
    assert first == {
        "year": 2025,
        "start": "2025-10-06",
        "end": "2025-10-10",
        "days": ["2025-10-06", "2025-10-07", "2025-10-08", "2025-10-09", "2025-10-10"],
        "theme": "Mission Possible",
    }


def test_readable_line_names_weekdays_dates_and_theme(csw) -> None:
    result = csw("week", "2025")
    assert result.exit_code == 0
    assert result.stdout == "2025: Monday, October 6 to Friday, October 10 (theme: Mission Possible)\n"


def test_year_without_official_theme_shows_none(csw) -> None:
    assert csw("week", "2018").stdout == "2018: Monday, October 1 to Friday, October 5\n"


def test_the_line_follows_the_configs_locale(csw, write) -> None:
    from babel.dates import format_date

    write("csw.toml", '[organization]\nlocale = "de_DE"\n[week]\ndays = ["mon", "wed", "fri"]\n')
    line = csw("week", "2025").stdout
    monday, friday = (format_date(date(2025, 10, day), "EEEE", locale="de_DE") for day in (6, 10))
    assert line.startswith(f"2025: {monday}, 6. ") and f" to {friday}, 10. " in line, line
    days = [format_date(date(2025, 10, day), "EEE", locale="de_DE") for day in (6, 8, 10)]
    assert f"({', '.join(days)})" in line, line
    write("csw.toml", '[organization]\nlocale = "en_GB"\n')
    # CLDR's en_GB pattern moved (a comma after the weekday came and went): hold the line to
    # Babel's own long date, and check the day comes before the month
    line = csw("week", "2025").stdout
    assert re.match(r"2025: Monday,? 6 October to Friday,? 10 October", line), line
    assert line.startswith(f"2025: {locale_formats.long_date(date(2025, 10, 6), 'en_GB')} to "), line


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)))
def test_the_en_us_line_written_without_babel_is_babels(day: date) -> None:
    from csw.core import locale_formats
    from csw.exports.views import long_date

    assert long_date(day, "en_US") == locale_formats.long_date(day, "en_US")
    assert f"{day:%a}" == locale_formats.short_weekday(day, "en_US")


def test_csw_week_with_the_default_locale_imports_no_babel(tmp_path) -> None:
    import subprocess
    import sys

    probe = (
        "import sys\nfrom csw.cli.app import main\nsys.argv = ['csw', 'week', '2025']\n"
        "try:\n    main()\nfinally:\n    print(sorted(m for m in sys.modules if m.split('.')[0] == 'babel'))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout.splitlines() == [
        "2025: Monday, October 6 to Friday, October 10 (theme: Mission Possible)",
        "[]",
    ]


def test_range_from_to(csw) -> None:
    result = csw("week", "--from", "2023", "--to", "2026", "--json")
    assert [r["year"] for r in json.loads(result.stdout)] == [2023, 2024, 2025, 2026]


def test_range_backwards_is_a_usage_error(csw) -> None:
    result = csw("week", "--from", "2026", "--to", "2023")
    result.assert_clean_error()
    assert "--from 2026 comes after --to 2023" in result.stderr


@pytest.mark.parametrize(
    "today, expected", [("2025-10-10", 2025), ("2025-10-11", 2026), ("2025-01-01", 2025)]
)
def test_no_year_means_the_next_week_that_has_not_ended(csw, today: str, expected: int) -> None:
    result = csw("week", "--json", env={"CSW_TODAY": today})
    assert json.loads(result.stdout)[0]["year"] == expected


@pytest.mark.parametrize(
    "now, expected",
    [
        ("2025-10-10T23:30:00-05:00", 2025),
        ("2025-10-11T04:30:00Z", 2026),
        ("2025-10-11T00:30:00+09:00", 2026),
    ],
)
def test_csw_now_gives_today_in_its_own_offset(csw, now: str, expected: int) -> None:
    result = csw("week", "--json", env={"CSW_NOW": now})
    assert json.loads(result.stdout)[0]["year"] == expected
    pinned = csw("week", "--json", env={"CSW_NOW": now, "CSW_TODAY": "2025-01-01"})
    assert json.loads(pinned.stdout)[0]["year"] == 2025, "CSW_TODAY, when set, is the date"


FULLWIDTH_2025 = "\uff12\uff10\uff12\uff15"


@pytest.mark.parametrize("bad", ["0", "25", "10000", "abc", "2025.5", "-1", "1899", "", FULLWIDTH_2025])
def test_bad_year_exits_2_with_one_line_naming_the_range(csw, bad: str) -> None:
    result = csw("week", bad)
    result.assert_clean_error()
    assert result.stderr.count("\n") == 1, result.stderr
    assert "1900 to 9999" in result.stderr


def test_seven_day_week_from_config(csw, write) -> None:
    write("csw.toml", 'week.days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n')
    record = json.loads(csw("week", "2025", "--json").stdout)[0]
    assert record["end"] == "2025-10-12" and len(record["days"]) == 7


def test_moved_week_applies_to_its_own_year_only(csw, write) -> None:
    write("csw.toml", "[week]\nstart = 2025-10-13\n")
    records = json.loads(csw("week", "2025", "2026", "--json").stdout)
    assert records[0]["start"] == "2025-10-13" and records[0]["end"] == "2025-10-17"
    assert records[1]["start"] == "2026-10-05"


def test_config_themes_override_the_official_one(csw, write) -> None:
    write("csw.toml", '[themes]\n2025 = "Our Own Heroes"\n2030 = "Future Us"\n')
    result = csw("week", "2025", "2030")
    assert "(theme: Our Own Heroes)" in result.stdout
    assert "(theme: Future Us)" in result.stdout
    write("csw.toml", '[organization]\ntheme = "Chosen"\n[themes]\n2025 = "Ignored"\n')
    assert "(theme: Chosen)" in csw("week", "2025").stdout
