"""The clock of each day: when an idea's sessions can run in each shift, and what is booked already.

Sessions start on a quarter-hour grid inside the idea's window: its meal's window in the shift, or
the part of the shift its time of day names. Sessions that take reps off the queue never overlap
one another in a shift, so at any minute the reps away are one wave, and a wave is never more than
the shift's share allowed off the phones or the idea's capacity. A room holds one session at a
time, whichever shift booked it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from csw.ideas.model import Format, Idea, Meal, Role, TimeOfDay
from csw.plan.model import Session
from csw.settings.config import Meals, Shift

GRID = 15  # minutes
_BREAKFAST_REACH = 150  # breakfast is served within this many minutes of a shift's start
_Span = tuple[int, int]


@dataclass
class _Booking:
    start: int
    end: int
    away: bool
    idea: str


@dataclass
class Timeline:
    """What is booked on every day: sessions by (day, shift), rooms by (day, room)."""

    meals: Meals
    _by_shift: dict[tuple[date, str], list[_Booking]] = field(default_factory=lambda: defaultdict(list))
    _by_room: dict[tuple[date, str], list[_Booking]] = field(default_factory=lambda: defaultdict(list))

    def book(self, day: date, idea: Idea, sessions: list[Session]) -> None:
        for session in sessions:
            booking = _Booking(_minute(session.start), _minute(session.end), session.reps > 0, idea.id)
            self._by_shift[(day, session.shift)].append(booking)
            if idea.location:
                self._by_room[(day, idea.location.casefold())].append(booking)

    def release(self, day: date, idea_id: str) -> None:
        for table in (self._by_shift, self._by_room):
            for key in [k for k in table if k[0] == day]:
                table[key] = [b for b in table[key] if b.idea != idea_id]

    def sessions(
        self, day: date, idea: Idea, shift: Shift, reps: int, cap: int, prefer: int | None = None
    ) -> list[Session] | None:
        """The sessions of `idea` in `shift` on `day` for `reps` reps, or None where it cannot run.

        `cap` is how many of the shift's reps may be off the phones at once; `prefer`, the minute
        the first session starts at if it is free (a daily item's time on its first day).
        """
        window = self.window(idea, shift)
        if window is None or reps == 0:
            return None if window is None else []
        if idea.format is Format.desk:
            return self.marker(day, idea, shift, prefer)
        per_group = min(cap, idea.capacity or cap, reps)
        if per_group < 1:
            return None
        if idea.format is Format.appointments:
            return self._appointments(day, idea, shift, window, _sizes(reps, per_group))
        sizes = [per_group] if idea.format is Format.live else _sizes(reps, per_group)
        length = idea.session_minutes
        start = self._start(day, idea, shift, window, length * len(sizes), away=True, prefer=prefer)
        if start is None:
            return self._around(day, idea, shift, window, sizes)
        return [_session(shift, n, start + (n - 1) * length, length, size) for n, size in enumerate(sizes, 1)]

    def _around(
        self, day: date, idea: Idea, shift: Shift, window: _Span, sizes: list[int]
    ) -> list[Session] | None:
        """Waves that do not fit back to back, in the free places of the window around what is booked."""
        length = idea.session_minutes
        taken = [*(b for b in self._by_shift.get((day, shift.name), []) if b.away), *self._room(day, idea)]
        sessions: list[Session] = []
        start = window[0] + (-window[0]) % GRID
        while len(sessions) < len(sizes) and start + length <= window[1]:
            if _clear(start, start + length, taken):
                sessions.append(_session(shift, len(sessions) + 1, start, length, sizes[len(sessions)]))
                start += length
            else:
                start += GRID
        return sessions if len(sessions) == len(sizes) else None

    def marker(self, day: date, idea: Idea, shift: Shift, prefer: int | None = None) -> list[Session] | None:
        """One session that takes nobody off the queue: a desk item, or the time of a remote form."""
        window = self.window(idea, shift)
        if window is None:
            return None
        start = self._start(day, idea, shift, window, idea.session_minutes, away=False, prefer=prefer)
        return None if start is None else [_session(shift, 1, start, idea.session_minutes, 0)]

    # --- windows ----------------------------------------------------------------------------------

    def window(self, idea: Idea, shift: Shift) -> _Span | None:
        """The part of the shift the idea's sessions must fall in, or None if the shift has none."""
        first, last = shift.start_minute, shift.end_minute
        length = last - first
        part = {
            TimeOfDay.morning: (first, first + max(length // 2, 120)),
            TimeOfDay.midday: (first + length // 4, last - length // 4),
            TimeOfDay.afternoon: (first + length // 2, last),
            TimeOfDay.any: (first, last),
        }[idea.time_of_day]
        part = max(part[0], first), min(part[1], last)
        if idea.meal is Meal.snack:  # a snack goes at the idea's time of day, away from the shift's edges
            return _overlap(part, self._meal_window(Meal.snack, first, last) or part)
        if idea.meal is not None:
            return self._meal_window(idea.meal, first, last)
        return part

    def _meal_window(self, meal: Meal, first: int, last: int) -> _Span | None:
        if meal is Meal.snack:
            return (first + 60, last - 30) if last - first >= 180 else (first, last)
        if meal is Meal.breakfast:
            begin, end = self.meals.minutes("breakfast")
            found = _overlap((first, min(last, first + _BREAKFAST_REACH)), (begin, end))
        else:
            found = _overlap((first, last), self.meals.minutes(meal.value))
            if found is None and meal is Meal.lunch:
                found = _overlap((first, last), self.meals.minutes("dinner"))  # an evening shift's main meal
        return found

    # --- finding a start --------------------------------------------------------------------------

    def _start(
        self,
        day: date,
        idea: Idea,
        shift: Shift,
        window: _Span,
        length: int,
        *,
        away: bool,
        prefer: int | None = None,
    ) -> int | None:
        first, last = window[0], window[1] - length
        first = first + (-first) % GRID
        if last < first:
            return None
        starts = sorted(
            range(first, last + 1, GRID), key=lambda s: (abs(s - _anchor(idea, window, length)), s)
        )
        booked = self._by_shift.get((day, shift.name), [])
        rooms = self._room(day, idea)
        # the preferred start if a rep can be there, else first a start clear of everything in the
        # shift, then one clear of what a rep cannot do at once
        lenient = [b for b in booked if b.away and away]
        if (
            prefer in starts
            and _clear(prefer, prefer + length, lenient)
            and _clear(prefer, prefer + length, rooms)
        ):
            return prefer
        for clash in (booked, lenient):
            for start in starts:
                end = start + length
                if _clear(start, end, clash) and _clear(start, end, rooms):
                    return start
        return None

    def _appointments(
        self, day: date, idea: Idea, shift: Shift, window: _Span, sizes: list[int]
    ) -> list[Session] | None:
        """Booked slots back to back in the quieter part of the shift: not its first hour or its last
        half hour, and clear of whatever else takes reps off the queue (a meal included)."""
        length = idea.session_minutes
        quiet = (max(window[0], shift.start_minute + 60), min(window[1], shift.end_minute - 30))
        booked = [b for b in self._by_shift.get((day, shift.name), []) if b.away]
        taken = [*booked, *self._room(day, idea)]
        sessions: list[Session] = []
        start = quiet[0] + (-quiet[0]) % GRID
        while len(sessions) < len(sizes) and start + length <= quiet[1]:
            if _clear(start, start + length, taken):
                sessions.append(_session(shift, len(sessions) + 1, start, length, sizes[len(sessions)]))
            start += max(GRID, length) if _clear(start, start + length, taken) else GRID
        return sessions if len(sessions) == len(sizes) else None

    def _room(self, day: date, idea: Idea) -> list[_Booking]:
        return self._by_room.get((day, idea.location.casefold()), []) if idea.location else []


def _anchor(idea: Idea, window: _Span, length: int) -> int:
    """Where in its window an idea is best placed: openings first thing, finales late, meals mid-window."""
    first, last = window
    if idea.role is Role.opening or idea.meal is Meal.breakfast or idea.time_of_day is TimeOfDay.morning:
        return first + (0 if idea.role is Role.opening else GRID)
    if idea.role is Role.finale:
        return last - length - 2 * GRID
    if idea.meal is not None or idea.time_of_day is TimeOfDay.midday:
        return (first + last - length) // 2
    if idea.time_of_day is TimeOfDay.afternoon:
        return first + GRID * 2
    return first + 60


def _sizes(reps: int, per_group: int) -> list[int]:
    """Groups as even as they go, none over `per_group`."""
    count = math.ceil(reps / per_group)
    base, extra = divmod(reps, count)
    return [base + (1 if n < extra else 0) for n in range(count)]


def _overlap(a: _Span, b: _Span) -> _Span | None:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if end > start else None


def _clear(start: int, end: int, bookings: list[_Booking]) -> bool:
    return all(end <= b.start or b.end <= start for b in bookings)


def _session(shift: Shift, wave: int, start: int, length: int, reps: int) -> Session:
    return Session(shift=shift.name, wave=wave, start=_clock(start), end=_clock(start + length), reps=reps)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minute(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)
