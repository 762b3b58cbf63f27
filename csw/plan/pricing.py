"""Which currency an idea's prices are in, and whether a team can pay them in its own.

The built-in bank is priced in USD; a user bank may say `currency: EUR`. A team in another
currency gives `team.usd_rate` (how many of its units one USD buys) and every USD price is
converted (csw.plan.model.idea_cost). csw knows no other rate, so an idea priced in a third currency
(EUR for a GBP team) is refused, as is a USD price without the rate: a budget is never compared
with prices in another money.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from csw.core.errors import ConfigError

if TYPE_CHECKING:
    from csw.ideas.model import Idea
    from csw.plan.model import TeamFacts


def is_paid(idea: Idea) -> bool:
    """Whether any of its prices is more than nothing (a free idea costs 0 in every currency)."""
    remote = idea.remote
    prices = [idea.cost_per_person, idea.fixed_cost, idea.cost_per_group]
    if remote is not None:
        prices += [remote.cost_per_person, remote.fixed_cost]
    return any(prices)


def unpayable(ideas: Iterable[Idea], team: TeamFacts) -> list[Idea]:
    """The paid ideas whose prices the team cannot convert into its currency."""
    return [idea for idea in ideas if is_paid(idea) and team.rate_from(idea.currency) is None]


def check_prices(ideas: Iterable[Idea], team: TeamFacts, rate_field: str, origin: Mapping[str, str]) -> None:
    """Refuse to plan `team` with prices it cannot convert; `rate_field` is where usd_rate goes
    ('csw.toml: team.usd_rate'), `origin` where each idea was defined."""
    refused = unpayable(ideas, team)
    if not refused:
        return
    in_usd = [idea for idea in refused if idea.currency == "USD"]
    if in_usd:
        raise ConfigError(
            f"{rate_field} is not set: the team's budget is in {team.currency}, and {len(in_usd)} ideas"
            f" ({_some(in_usd)}) are priced in USD; csw will not compare a {team.currency} budget with"
            " dollar prices.",
            hint=f"Set {rate_field.rpartition(': ')[2]} = how many {team.currency} one USD buys (for"
            f" example `usd_rate = 1.25` under [team] if one dollar buys 1.25 {team.currency}).",
        )
    first = refused[0]
    where = origin.get(first.id, first.id).removeprefix("built-in ")
    raise ConfigError(
        f"{where}: {first.id} is priced in {first.currency}, and the team pays in {team.currency};"
        f" csw converts prices only from USD (team.usd_rate) and knows no {first.currency} rate.",
        hint=f"Price that bank in {team.currency} or in USD (its `currency:`), or give the team"
        f" currency = {first.currency!r}.",
    )


def _some(ideas: list[Idea]) -> str:
    names = ", ".join(idea.id for idea in ideas[:3])
    return names + (f" and {len(ideas) - 3} more" if len(ideas) > 3 else "")


def usd_scale(team: TeamFacts) -> float:
    """How many of the team's units stand for one dollar in csw's own rules of thumb (a low-cost
    week is under 5 USD a rep): the rate where there is one, else 1."""
    return team.usd_rate if team.currency != "USD" and team.usd_rate else 1.0
