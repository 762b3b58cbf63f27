"""The arc of the week: what is chosen for which place, in the order a coordinator would choose it.

Pins first; then what runs all week and every day (they start on the first day); then the opening
on the first day and the finale on the last; then a themed day for each day; then the activities,
a round of days at a time so that the money spreads over the week; then the budget is spent up to
its target where the bank allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from csw.core.errors import PlanError
from csw.ideas.model import Format, Idea, Role, Span
from csw.plan.model import Session, idea_cost
from csw.plan.pricing import usd_scale
from csw.planning.choose import PHONES, PHONES_ADVICE, Place, Ranking, infeasible, passing, rules
from csw.planning.constraints import Constraints
from csw.planning.order import day_name, staleness, tiebreak
from csw.planning.state import Placed, WeekState
from csw.planning.timeline import Timeline
from csw.settings.config import Mode, Shift, clock_minutes
from csw.week.dates import Week

MIN_CATEGORIES = 5
SMALLEST_WAVE = 3  # reps: a wave smaller than this is a queue, not a celebration


def week_items(days: int) -> int:
    """How many ideas run all week: none in a week too short to open and close one."""
    return 2 if days >= 3 else 0


def daily_items(days: int) -> int:
    return 1 if days >= 2 else 0


class Planner:
    def __init__(self, week: Week, ideas: Mapping[str, Idea], constraints: Constraints, seed: int) -> None:
        self.week = week
        self.days = week.days
        self.ideas = ideas
        self.c = constraints
        self.team = constraints.team
        self.headcounts = self.team.shift_headcounts()
        self.notes: list[str] = []
        usable = [
            i for i in ideas.values() if i.works_for(self.team.mode) and i.id not in constraints.exclude
        ]
        self.pools = {span: [i for i in usable if i.span is span] for span in Span}
        self.costs = {
            i.id: idea_cost(i, self.team) * (len(self.days) if i.span is Span.daily else 1) for i in usable
        }
        self.cheapest = {
            span: min((self.costs[i.id] for i in pool), default=0.0) for span, pool in self.pools.items()
        }
        self.ranking = Ranking(
            staleness(constraints.history),
            {i.id: tiebreak(seed, i.id) for i in usable},
            self._crowded_out(usable),
            usd_scale(self.team),
        )
        self.timeline = Timeline(constraints.meals)
        self.state = WeekState(self.days)

    def _crowded_out(self, ideas: list[Idea]) -> frozenset[str]:
        """Ideas in waves that a shift could only send one or two reps at a time to: eight
        one-person breakfasts are no breakfast."""
        caps = [int(self.team.max_off_phones * n + 1e-9) for n in self.headcounts.values() if n]
        fewest = min(caps, default=0)
        return frozenset(
            i.id
            for i in ideas
            if i.format is Format.waves and min(fewest, i.capacity or fewest) < SMALLEST_WAVE
        )

    # --- the whole week -------------------------------------------------------------------------

    def run(self) -> WeekState:
        from csw.planning import budget, pins

        pins.place_pins(self)
        first, last = self.days[0], self.days[-1]
        for _ in range(week_items(len(self.days)) - len(self.state.of_span(Span.week))):
            self.choose(Place(Span.week, None), required=False)
        for _ in range(daily_items(len(self.days)) - len(self.state.of_span(Span.daily))):
            self.choose(Place(Span.daily, None), required=False)
        self._arc(first, Role.opening)
        self._arc(last, Role.finale)
        for day in self.days:
            if self.state.theme(day) is None:
                self.choose(Place(Span.day, day))
        for _ in range(self.c.per_day):
            for day in self.days:
                if len(self.state.slots(day)) < self.c.per_day:
                    self.choose(Place(Span.slot, day))
        budget.spend_to_target(self)
        self._check_goals()
        self._check_variety()
        self._note_reuse()
        return self.state

    def _arc(self, day: date, role: Role) -> None:
        """The first day opens the week and the last day closes it: a slot if there is room, else"
        " the theme."""
        if any(i.role is role for i in self.state.on(day)):
            return
        places = []
        if len(self.state.slots(day)) < self.c.per_day:
            places.append(Place(Span.slot, day, role))
        if self.state.theme(day) is None:
            places.append(Place(Span.day, day, role))
        failed: PlanError | None = None
        for place in places:
            pool = [i for i in self.pools[place.span] if i.role is role]
            try:
                if pool and self.choose(place, pool):
                    return
            except PlanError as error:
                failed = error  # the constraint that left this place empty
        if failed is not None:
            raise failed
        raise PlanError(
            f"{day_name(day)}: no {role.value} fits"
            f" ({'the first day opens the week' if role is Role.opening else 'the last day closes it'}).",
            hint="Pin an idea with that role to the day, raise --per-day, or add ideas with"
            f" `role: {role.value}` to the bank (--ideas).",
        )

    # --- one place --------------------------------------------------------------------------------

    def choose(self, place: Place, pool: list[Idea] | None = None, *, required: bool = True) -> bool:
        """Choose and place the best idea for `place`; False (or PlanError if required) if none fits."""
        pool = self._allowed(place, self.pools[place.span] if pool is None else pool)
        if not pool:
            if not required:
                return False
            raise self._empty_pool(place)
        money = self.team.budget - self.state.spent - self._reserve(place)
        target = self._target()
        failed = infeasible(place, PHONES, PHONES_ADVICE)
        # a day whose other categories cannot run (or are used up) repeats one
        for variety in (True, False):
            try:
                rule_list = rules(self.state, place, self.cost, money, self._budget_hint(), variety=variety)
                candidates = passing(pool, rule_list, place)
            except PlanError as error:
                failed = error
                continue
            for idea in self.ranking.ranked(self.state, place, candidates, self.cost, target):
                if self.place(idea, place.day):
                    return True
            failed = infeasible(place, PHONES, PHONES_ADVICE)
        if required:
            raise failed
        return False

    def _allowed(self, place: Place, pool: list[Idea]) -> list[Idea]:
        """One opening, on the first day, and one finale, on the last."""
        first, last = self.days[0], self.days[-1]
        if place.span in (Span.week, Span.daily):
            return pool
        filled = {i.role for i in self.state.ideas() if i.role}
        return [
            i
            for i in pool
            if i.role is None
            or (i.role not in filled and place.day == (first if i.role is Role.opening else last))
        ]

    def money(self, amount: float) -> str:
        """An amount in the team's currency, as its locale writes it."""
        from csw.core.locale_formats import money

        return money(amount, self.team.currency, self.c.locale)

    def cost(self, idea: Idea) -> float:
        return self.costs.get(idea.id, 0.0)

    def place(self, idea: Idea, day: date | None, *, pinned: bool = False) -> bool:
        """Schedule `idea` (on `day`, or on every day for a daily item) and add it; False if it cannot run."""
        days = self.days if idea.span is Span.daily else (day,) if day else ()
        placed = Placed(
            idea=idea,
            day=day if idea.span in (Span.day, Span.slot) else None,
            cost=self.cost(idea),
            pinned=pinned,
        )
        if idea.span in (Span.slot, Span.daily):
            for run in days:
                # a daily item keeps the first day's time in each shift wherever that time is free
                first = next(iter(placed.sessions.values()), [])
                prefer = {s.shift: clock_minutes(s.start) for s in reversed(first)}
                sessions = self._sessions(run, idea, placed, prefer)
                if sessions is None:
                    for booked in (*placed.sessions, run):
                        self.timeline.release(booked, idea.id)
                    self.state.live_runs.pop(idea.id, None)
                    return False
                placed.sessions[run] = sessions
        self.state.add(placed)
        return True

    def restore(self, placed: Placed, live_runs: int) -> None:
        """Put back what `unplace` took out, at the same times."""
        for day, sessions in placed.sessions.items():
            self.timeline.book(day, placed.idea, sessions)
        self.state.add(placed)
        if live_runs:
            self.state.live_runs[placed.idea.id] = live_runs

    def unplace(self, idea_id: str) -> Placed:
        placed = self.state.remove(idea_id)
        for day in placed.sessions:
            self.timeline.release(day, idea_id)
        return placed

    def _sessions(
        self, day: date, idea: Idea, placed: Placed, prefer: dict[str, int]
    ) -> list[Session] | None:
        sessions: list[Session] = []
        recorded: list[str] = []
        for shift in self.team.shifts:
            reps = self.headcounts[shift.name]
            if reps == 0:
                continue
            live = idea.format is Format.live
            if live and idea.max_sessions is not None and self.state.live_runs[idea.id] >= idea.max_sessions:
                recorded.append(shift.name)
                continue
            cap = int(self.team.max_off_phones * reps + 1e-9)
            here = reps - self._remote_reps(idea, shift, reps)
            if here == 0:  # the whole shift gets the remote form: its time, and nobody leaves the queue
                found = self.timeline.marker(day, idea, shift, prefer.get(shift.name))
            else:
                found = self.timeline.sessions(day, idea, shift, here, cap, prefer.get(shift.name))
            if found is None:
                return None
            # booked shift by shift: a room holds one session at a time, whichever shift it is for
            self.timeline.book(day, idea, found)
            sessions += found
            self.state.live_runs[idea.id] += live
        if not sessions:
            return None
        if recorded:
            placed.recorded_for[day] = tuple(recorded)
        return sessions

    def _remote_reps(self, idea: Idea, shift: Shift, reps: int) -> int:
        """How many of a shift's `reps` work remotely and get no session: the remote form, if any.

        A shift's own count of remote reps (from a roster) where it has one, else the team's share.
        """
        if not idea.leaves_out_remote_reps(self.team.mode):
            return 0
        if self.team.mode is Mode.remote:
            return reps
        return min(shift.remote, reps) if shift.remote is not None else round(reps * self.team.remote_share)

    # --- money --------------------------------------------------------------------------------------

    def open_places(self) -> dict[Span, int]:
        """How many places are still to fill, by span."""
        n = len(self.days)
        return {
            Span.week: max(week_items(n) - len(self.state.of_span(Span.week)), 0),
            Span.daily: max(daily_items(n) - len(self.state.of_span(Span.daily)), 0),
            Span.day: sum(self.state.theme(d) is None for d in self.days),
            Span.slot: sum(max(self.c.per_day - len(self.state.slots(d)), 0) for d in self.days),
        }

    def _reserve(self, place: Place) -> float:
        """The least the places still open after this one will cost: kept back from the budget."""
        open_places = self.open_places()
        open_places[place.span] = max(open_places[place.span] - 1, 0)
        return sum(self.cheapest[span] * count for span, count in open_places.items())

    def _target(self) -> float:
        """What each open place would cost if the rest of the target were spread evenly."""
        aim = self.team.budget * (1 + self.team.budget_use) / 2
        return max(aim - self.state.spent, 0) / max(sum(self.open_places().values()), 1)

    def _budget_hint(self) -> str:
        return f"raise --budget (now {self.money(self.team.budget)}), pin fewer paid ideas, or add free ideas"

    # --- errors and notes -------------------------------------------------------------------------

    def _empty_pool(self, place: Place) -> PlanError:
        reason = f"{place.describe()} in the idea bank works for a {self.team.mode.value} team"
        if self.c.exclude:
            reason += " once the excluded ideas are left out"
        return PlanError(
            f"{reason} (mode).", hint="Change --mode, exclude fewer ideas, or add ideas with --ideas."
        )

    def _check_goals(self) -> None:
        from csw.ideas.model import Goal

        missing = [g.value for g in Goal if g not in self.state.goals]
        if missing:
            raise PlanError(
                f"no idea in the week serves {', '.join(missing)} (the week's five goals).",
                hint="Raise --per-day, exclude fewer ideas, or add ideas that serve them (--ideas).",
            )

    def _check_variety(self) -> None:
        placed = len(self.state.placed)
        needed = min(MIN_CATEGORIES, placed)
        if len(self.state.categories) < needed:
            raise PlanError(
                f"the week uses {len(self.state.categories)} categories; it needs at least {needed}"
                " (variety).",
                hint="Raise --per-day or --budget, add ideas in other categories, or exclude fewer.",
            )

    def _note_reuse(self) -> None:
        used = self.ranking.staleness
        reused = sorted(i for i in self.state.placed if used.get(i, 0))
        if reused:
            years = sorted({year for year, ids in self.c.history if ids & set(reused)})
            self.notes.append(
                f"The idea bank ran out of ideas not used before, so {', '.join(reused)}"
                f" come back from the {', '.join(map(str, years))} plan (oldest first)."
            )
