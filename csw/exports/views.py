"""Plain views of library results: the lines and JSON records that commands print."""

from __future__ import annotations

from typing import Any

from csw.core import locale_formats as written
from csw.week.dates import Week


def long_date(day: Any, locale: str = written.DEFAULT_LOCALE) -> str:
    """'Monday, October 6' as the locale writes it (csw.core.locale_formats.long_date)."""
    if locale == "en_US":
        # CLDR's en_US pattern by hand, so that `csw week` with the default locale never imports
        # Babel (a sixth of its start-up); a test holds the two to the same text
        return f"{day:%A}, {day:%B} {day.day}"
    return written.long_date(day, locale)


def _short_weekday(day: Any, locale: str) -> str:
    return f"{day:%a}" if locale == "en_US" else written.short_weekday(day, locale)


def week_line(week: Week, theme: str | None, locale: str = written.DEFAULT_LOCALE) -> str:
    """'2025: Monday, October 6 to Friday, October 10 (theme: Mission Possible)', in `locale`."""
    line = f"{week.year}: {long_date(week.start, locale)} to {long_date(week.end, locale)}"
    if len(week.days) not in (1, (week.end - week.start).days + 1):
        line += " (" + ", ".join(_short_weekday(day, locale) for day in week.days) + ")"
    return line + (f" (theme: {theme})" if theme else "")


def week_record(week: Week, theme: str | None) -> dict[str, Any]:
    return {
        "year": week.year,
        "start": week.start.isoformat(),
        "end": week.end.isoformat(),
        "days": [day.isoformat() for day in week.days],
        "theme": theme,
    }


def money(amount: float, currency: str, locale: str = written.DEFAULT_LOCALE) -> str:
    """$120, $1,234.50, 1.308 € (de_DE): the amount as the locale writes it (csw.core.locale_formats)."""
    return written.money(amount, currency, locale)


def plan_money(plan: Any, amount: float) -> str:
    """An amount of the plan's team, in its currency and its organisation's locale."""
    return written.money(amount, plan.team.currency, plan.organization.locale)


def plan_rows(plan: Any) -> list[tuple[str, str, str, str]]:
    """(day, theme, activities with times, cost) for each day of a Plan."""
    from csw.plan.model import headline_start  # not at the top: `csw week` needs none of the plan

    locale = plan.organization.locale
    rows = []
    for day in plan.days:
        lines = []
        for activity in day.activities:
            start = headline_start(activity, plan.team.main_shift)
            lines.append(f"{written.clock(start, locale)} {_activity_label(plan, activity)}")
        cost = sum(plan.cost_of(idea_id) for idea_id in day.idea_ids)
        rows.append(
            (
                written.short_date(day.date, locale),
                plan.idea(day.theme).title,
                "\n".join(lines),
                plan_money(plan, cost),
            )
        )
    return rows


def _activity_label(plan: Any, activity: Any) -> str:
    """'Trivia (4 waves)', 'Chair Massage (32 slots)', 'Prize Draw (daily)', 'Awards (live, finale)'."""
    idea = plan.idea(activity.idea)
    by_shift: dict[str, int] = {}
    for session in activity.sessions:
        by_shift[session.shift] = max(by_shift.get(session.shift, 0), session.wave)
    counts = sorted(set(by_shift.values()))
    count = counts[-1]
    marks = []
    if idea.span.value == "daily":
        marks.append("daily")
    if idea.format.value == "live":
        marks.append("live")
    elif count > 1:
        how_many = f"{counts[0]}-{count}" if len(counts) > 1 else str(count)  # shifts that differ
        marks.append(f"{how_many} {'slots' if idea.format.value == 'appointments' else 'waves'}")
    if idea.role:
        marks.append(idea.role.value)
    return str(idea.title) + (f" ({', '.join(marks)})" if marks else "")


def plan_summary(plan: Any) -> list[str]:
    """The lines under the table: what runs all week, spend against budget, prep tasks, notes."""
    lines = [f"All week: {', '.join(plan.idea(i).title for i in plan.all_week)}."] if plan.all_week else []
    lines.append(
        f"Spend: {plan_money(plan, plan.spent)} of {plan_money(plan, plan.team.budget)} budget,"
        f" {plan_money(plan, plan.spent_per_rep)} a rep for {plan.team.headcount} reps"
        f" ({plan.team.mode.value})."
    )
    if plan.prep:
        first = plan.prep[0]
        due = written.long_date(first.due, plan.organization.locale)
        lines.append(f"Prep tasks: {len(plan.prep)}, the first due {due}: {first.task}.")
    else:
        lines.append("Prep tasks: none.")
    return lines + list(plan.notes)


def team_rows(plans: Any) -> list[tuple[str, ...]]:
    """(team, folder, zone, reps, mode, themes, spend of budget) for each team's plan."""
    rows: list[tuple[str, ...]] = []
    for folder, plan in plans:
        themes = ", ".join(plan.idea(day.theme).title for day in plan.days)
        spend = f"{plan_money(plan, plan.spent)} of {plan_money(plan, plan.team.budget)}"
        team = plan.team
        rows.append(
            (
                plan.organization.team,
                f"{folder}/",
                plan.organization.timezone,
                str(team.headcount),
                team.mode.value,
                themes,
                spend,
            )
        )
    return rows
