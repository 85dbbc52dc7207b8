"""Limits that count across sessions: how often a kind of service occurs, minutes per
week, and long sessions per week. Programs and compliance profiles both make them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, ClassVar

import attrs

from iopkit._catalog import Catalog
from iopkit._session import Block
from iopkit._types import Range, Weekday
from iopkit._words import duration as minutes_text
from iopkit._words import plural
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.curriculum._profile import Profile
from iopkit.curriculum._program import (
    Count,
    Per,
    Program,
    Requirement,
    WeeklyMinutes,
    Which,
    phase_weeks,
)
from iopkit.curriculum._rules._base import (
    Change,
    Context,
    Inputs,
    Ladder,
    PerPatient,
    Rule,
    Violation,
    patient_words,
)
from iopkit.curriculum._rules._tracks import effective_day

if TYPE_CHECKING:
    from iopkit.curriculum._composer._model import ModelBuilder, SlotFilter


def _neutral(requirement: Requirement) -> Requirement:
    return attrs.evolve(requirement, min=0, max=None)


@attrs.frozen(kw_only=True)
class RequirementRule(Rule):
    """Blocks matching a selector occur as often as a requirement says."""

    requirement: Requirement
    source: str = "the program"
    id: str = "require"
    index: int = 0
    profile: str | None = None
    description: ClassVar[str] = "a kind of service occurs as often as required"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """One rule per ``require`` entry."""
        for i, req in enumerate(program.require):
            yield cls(requirement=req, id=f"require[{i}]", index=i)

    @classmethod
    def from_profile(cls, profile: Profile) -> Iterator[Rule]:
        """One rule per requirement of the profile."""
        for i, req in enumerate(profile.require):
            yield cls(
                requirement=req,
                id=f"{profile.id}:require[{i}]",
                index=i,
                source=profile.id,
                profile=profile.id,
            )

    @property
    def where(self) -> str:
        """The program key, or the profile."""
        if self.profile is not None:
            return f"profile:{self.profile}/require/{self.index}"
        return f"/require/{self.index}"

    def _verdict(self, count: int, catalog: Catalog, *, lenient: bool) -> str | None:
        req = self.requirement
        what = req.selector.describe(catalog, count)
        if count < req.min and not lenient:
            return f"{count} {what}, but {self.source} needs at least {req.min} per {req.per.value}"
        if req.max is not None and count > req.max:
            return f"{count} {what}, but {self.source} allows at most {req.max} per {req.per.value}"
        return None

    def count(self, blocks: Iterable[Block]) -> int:
        """How many of the blocks match."""
        return sum(1 for b in blocks if self.requirement.selector.matches(b))

    def counted_sessions(self, curriculum: Curriculum) -> frozenset[int] | None:
        """The numbers of the sessions whose blocks count (``days``, ``weeks``,
        ``session``), or ``None`` when all do. A made-up session counts on the day it
        replaces."""
        req = self.requirement
        if not req.narrowed:
            return None
        weeks = req.week_numbers(len(curriculum.weeks))
        found: set[int] = set()
        for week in curriculum.weeks:
            if week.number not in weeks or not week.sessions:
                continue
            for position, session in enumerate(week.sessions):
                if req.session is Which.FIRST and position != 0:
                    continue
                if req.session is Which.LAST and position != len(week.sessions) - 1:
                    continue
                if req.days is not None and effective_day(session) not in req.days:
                    continue
                found.add(session.number)
        return frozenset(found)

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Counts per session, week or stay, patient by patient, against the bounds (in
        the sessions the requirement counts in)."""
        req = self.requirement
        found = PerPatient()
        counted = self.counted_sessions(curriculum)
        for journey in context.journeys(curriculum):
            phase = phase_weeks(req.patient_weeks, journey.stay)
            weeks = [w for w in journey.weeks if w.number in phase]
            if counted is not None:
                # weeks outside ``weeks`` are not counted at all; in the others only the
                # sessions on the given days (or the first or last) count
                numbers = req.week_numbers(len(curriculum.weeks))
                weeks = [
                    attrs.evolve(
                        w, visits=tuple(v for v in w.visits if v.session.number in counted)
                    )
                    for w in weeks
                    if w.week in numbers
                ]
            if req.per is Per.SESSION:
                for week in weeks:
                    for visit in week.visits:
                        message = self._verdict(
                            self.count(visit.sitting), context.catalog, lenient=False
                        )
                        if message:
                            found.add(
                                ("session", visit.session.number),
                                journey,
                                Violation(
                                    rule=self.id,
                                    week=week.week,
                                    session=visit.session.number,
                                    admitted=None if journey.closed else journey.admitted_week,
                                    message=patient_words(journey, week.number) + message,
                                ),
                            )
            elif req.per is Per.WEEK:
                for week in weeks:
                    message = self._verdict(
                        self.count(week.blocks()), context.catalog, lenient=week.partial
                    )
                    if message:
                        found.add(
                            ("week", week.week),
                            journey,
                            Violation(
                                rule=self.id,
                                week=week.week,
                                admitted=None if journey.closed else journey.admitted_week,
                                message=patient_words(journey, week.number) + message,
                            ),
                        )
            else:
                total = self.count(b for w in weeks for b in w.blocks())
                message = self._verdict(total, context.catalog, lenient=False)
                if message:
                    stay = (
                        "" if journey.closed else f" over a stay of {plural(journey.stay, 'week')}"
                    )
                    found.add(
                        ("program", journey.admitted_session),
                        journey,
                        Violation(
                            rule=self.id,
                            week=None if journey.closed else journey.admitted_week,
                            admitted=None if journey.closed else journey.admitted_week,
                            message=patient_words(journey) + message + stay,
                        ),
                    )
        yield from found

    def contribute(self, model: ModelBuilder) -> None:
        """A count per session, week or program, with its bounds."""
        req = self.requirement
        where = self.slot_filter(model.context.program.weeks)
        if req.per is Per.SESSION:
            model.count_per_session(self.id, req.selector, req.min, req.max, where=where)
        else:
            model.count(
                self.id, req.selector, req.per, req.min, req.max, req.patient_weeks, where=where
            )

    def slot_filter(self, weeks: int) -> SlotFilter | None:
        """Which sessions the requirement counts, in the composer's terms (``None``: all),
        in a program of ``weeks`` weeks."""
        from iopkit.curriculum._composer._model import SlotFilter

        req = self.requirement
        if not req.narrowed:
            return None
        return SlotFilter(
            days=frozenset(req.days) if req.days is not None else None,
            weeks=req.week_numbers(weeks) if req.weeks is not None else None,
            which=req.session.value if req.session is not None else None,
        )

    def reason(self, context: Context) -> str:
        """For example "cms-iop needs at least 2 group activities of 50+ minutes per
        week"."""
        req = self.requirement
        per = f"per {req.per.value}"
        if req.max is None and req.min == 0:
            amount, count = "any number of", 2
        elif req.max is None:
            amount, count = f"at least {req.min}", req.min
        elif req.max == 0:
            amount, count = "no", 0
        elif req.min == req.max:
            amount, count = f"exactly {req.max}", req.max
        elif req.min == 0:
            amount, count = f"at most {req.max}", req.max
        else:
            amount, count = f"{req.min} to {req.max}", req.max
        what = req.selector.describe(context.catalog, count)
        verb = "needs" if req.min > 0 else "allows"
        return f"{self.source} {verb} {amount} {what} {per}{req.describe_sessions()}"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """The requirement without bounds (kept in place, so other ids stay valid)."""
        if self.profile is not None:
            profile = next(p for p in inputs.profiles if p.id == self.profile)
            require = list(profile.require)
            require[self.index] = _neutral(require[self.index])
            return inputs.with_profile(self.profile, require=tuple(require))
        require = list(inputs.program.require)
        require[self.index] = _neutral(require[self.index])
        return inputs.with_program(require=tuple(require))

    def repairs(self, inputs: Inputs) -> Iterator[Ladder]:
        """A program's requirement asked less often, or allowed more often."""
        if self.profile is not None:
            return
        req = inputs.program.require[self.index]
        per = req.per.value

        def what(count: int) -> str:
            return req.selector.describe(inputs.catalog, count)

        def bounds(low: int, high: int | None, message: str, size: int) -> Change:
            def apply(i: Inputs) -> Inputs:
                require = list(i.program.require)
                require[self.index] = attrs.evolve(require[self.index], min=low, max=high)
                return i.with_program(require=tuple(require))

            return Change(message=message, size=size, apply=apply)

        if req.min > 0:
            yield Ladder(
                steps=tuple(
                    bounds(
                        v,
                        req.max,
                        f"require at least {v} {what(v)} per {per} (not {req.min})"
                        if v > 0
                        else f"no longer require {what(2)} every {per}",
                        10 * (req.min - v),
                    )
                    for v in range(req.min - 1, -1, -1)
                )
            )
        if req.max is not None:
            yield Ladder(
                steps=tuple(
                    bounds(
                        req.min,
                        v,
                        f"allow {v} {what(v)} per {per} (not {req.max})",
                        10 * (v - req.max),
                    )
                    for v in range(req.max + 1, req.max + 6)
                )
            )


@attrs.frozen(kw_only=True)
class WeeklyMinutesRule(Rule):
    """Minutes per week (service or wall-clock) lie within a range; a profile may let the
    last ``taper_weeks`` weeks fall below the minimum (stepping down)."""

    range: Range
    count: Count = Count.SERVICE
    taper_weeks: int = 0
    source: str = "the program"
    id: str = "weekly_minutes"
    profile: str | None = None
    description: ClassVar[str] = "minutes per week are within the weekly range"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """The rule of ``weekly_minutes``, when it sets a bound."""
        weekly = program.weekly_minutes
        if weekly.min > 0 or weekly.max is not None:
            yield cls(range=weekly.range, count=weekly.count)

    @classmethod
    def from_profile(cls, profile: Profile) -> Iterator[Rule]:
        """The profile's weekly minutes."""
        if profile.weekly_minutes is not None:
            wm = profile.weekly_minutes
            yield cls(
                id=f"{profile.id}:weekly_minutes",
                range=Range(min=wm.min, max=wm.max),
                count=wm.count,
                taper_weeks=wm.taper_weeks,
                source=profile.id,
                profile=profile.id,
            )

    @property
    def where(self) -> str:
        """The program key, or the profile."""
        if self.profile is not None:
            return f"profile:{self.profile}/weekly_minutes"
        return "/weekly_minutes"

    def measure(self, week: Week) -> int:
        """The week's minutes as this rule counts them."""
        return week.service_minutes if self.count is Count.SERVICE else week.minutes

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Each patient's minutes in each week of their stay against the range (the
        minimum not in a partial first week, nor in the tapering weeks)."""
        what = "service minutes" if self.count is Count.SERVICE else "minutes (breaks included)"
        found = PerPatient()
        for journey in context.journeys(curriculum):
            for week in journey.weeks:
                value = week.service_minutes if self.count is Count.SERVICE else week.minutes
                tapering = week.number > journey.stay - self.taper_weeks
                if journey.closed:
                    has = f"the week has {value} {what} ({minutes_text(value)}), but "
                else:
                    has = (
                        f"{journey.who()} receives {value} {what} ({minutes_text(value)}) in "
                        f"their week {week.number}; "
                    )
                if value < self.range.min and not tapering and not week.partial:
                    found.add(
                        ("min", week.week),
                        journey,
                        Violation(
                            rule=self.id,
                            week=week.week,
                            admitted=None if journey.closed else journey.admitted_week,
                            message=f"{has}{self.source} needs at least {self.range.min} "
                            f"({minutes_text(self.range.min)})",
                        ),
                    )
                if self.range.max is not None and value > self.range.max:
                    found.add(
                        ("max", week.week),
                        journey,
                        Violation(
                            rule=self.id,
                            week=week.week,
                            admitted=None if journey.closed else journey.admitted_week,
                            message=f"{has}{self.source} allows at most {self.range.max} "
                            f"({minutes_text(self.range.max)})",
                        ),
                    )
        yield from found

    def contribute(self, model: ModelBuilder) -> None:
        """Bounds on each week's minutes."""
        model.weekly_minutes(
            self.id,
            self.range.min,
            self.range.max,
            wall=self.count is Count.WALL,
            taper_weeks=self.taper_weeks,
        )

    def reason(self, context: Context) -> str:
        """For example "cms-iop needs at least 540 service minutes (9 h) a week"."""
        what = "service minutes" if self.count is Count.SERVICE else "minutes (breaks included)"
        low, high = self.range.min, self.range.max
        if high is None and low == 0:
            amount = f"any number of {what}"
        elif high is None:
            amount = f"at least {low} {what} ({minutes_text(low)})"
        elif low == 0:
            amount = f"at most {high} {what} ({minutes_text(high)})"
        else:
            amount = f"{low} to {high} {what} ({minutes_text(low)} to {minutes_text(high)})"
        taper = (
            f"; the last {plural(self.taper_weeks, 'week')} may fall below"
            if self.taper_weeks
            else ""
        )
        verb = "needs" if low > 0 else "allows"
        return f"{self.source} {verb} {amount} a week{taper}"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """No weekly bounds from this source."""
        if self.profile is not None:
            return inputs.with_profile(self.profile, weekly_minutes=None)
        return inputs.with_program(weekly_minutes=WeeklyMinutes())

    def repairs(self, inputs: Inputs) -> Iterator[Ladder]:
        """The program's own weekly bounds widened; for a profile's floor, which the
        program cannot change, one more session day."""
        program = inputs.program
        grid = program.session.grid
        if self.profile is None:
            weekly = program.weekly_minutes

            def widen(low: int, high: int | None, message: str, size: int) -> Change:
                return Change(
                    message=message,
                    size=size,
                    apply=lambda i: i.with_program(
                        weekly_minutes=attrs.evolve(i.program.weekly_minutes, min=low, max=high)
                    ),
                )

            if weekly.min > 0:
                values = range(weekly.min - grid, -1, -grid)
                yield Ladder(
                    steps=tuple(
                        widen(
                            v,
                            weekly.max,
                            f"lower weekly_minutes.min from {weekly.min} to {v}",
                            weekly.min - v,
                        )
                        for v in values
                    )
                )
            if weekly.max is not None:
                values = range(weekly.max + grid, weekly.max + 601, grid)
                yield Ladder(
                    steps=tuple(
                        widen(
                            weekly.min,
                            v,
                            f"raise weekly_minutes.max from {weekly.max} to {v}",
                            v - weekly.max,
                        )
                        for v in values
                    )
                )
        if self.range.min > 0:
            used = set(program.days) | set(program.makeup_days)
            for day in Weekday:
                if day in used:
                    continue

                def add(i: Inputs, day: Weekday = day) -> Inputs:
                    return i.with_program(days=(*i.program.days, day))

                yield Ladder(
                    steps=(
                        Change(
                            message=f"add {day.value} to days",
                            size=program.session.minutes.max or 0,
                            apply=add,
                        ),
                    )
                )


@attrs.frozen(kw_only=True)
class LongSessions(Rule):
    """At least ``min`` sessions a week have at least ``min_minutes`` service minutes."""

    min: int
    min_minutes: int
    taper_weeks: int = 0
    source: str = "the program"
    id: str = "long-sessions"
    profile: str | None = None
    description: ClassVar[str] = "enough long sessions each week"

    @classmethod
    def from_profile(cls, profile: Profile) -> Iterator[Rule]:
        """The profile's long sessions."""
        if profile.long_sessions is not None:
            yield cls(
                id=f"{profile.id}:long_sessions",
                min=profile.long_sessions.min,
                min_minutes=profile.long_sessions.min_minutes,
                taper_weeks=profile.weekly_minutes.taper_weeks if profile.weekly_minutes else 0,
                source=profile.id,
                profile=profile.id,
            )

    @property
    def where(self) -> str:
        """The profile."""
        return f"profile:{self.profile}/long_sessions" if self.profile else ""

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Long sessions in each week of each patient's stay."""
        found = PerPatient()
        for journey in context.journeys(curriculum):
            for week in journey.weeks:
                if week.number > journey.stay - self.taper_weeks or week.partial:
                    continue
                long = sum(1 for v in week.visits if v.sitting_service_minutes >= self.min_minutes)
                if long < self.min:
                    found.add(
                        ("week", week.week),
                        journey,
                        Violation(
                            rule=self.id,
                            week=week.week,
                            admitted=None if journey.closed else journey.admitted_week,
                            message=patient_words(journey, week.number)
                            + f"{plural(long, 'session')} of {self.min_minutes}+ service "
                            f"minutes, but {self.source} needs at least {self.min} a week",
                        ),
                    )
        yield from found

    def contribute(self, model: ModelBuilder) -> None:
        """A weekly count of long sessions."""
        model.long_sessions(self.id, self.min, self.min_minutes, self.taper_weeks)

    def reason(self, context: Context) -> str:
        """For example "ahcccs-s9480 needs at least 2 sessions a week of 180+ service
        minutes"."""
        return (
            f"{self.source} needs at least {plural(self.min, 'session')} a week of "
            f"{self.min_minutes}+ service minutes"
        )

    def relax(self, inputs: Inputs) -> Inputs | None:
        """No long-session count from this profile."""
        if self.profile is None:  # pragma: no cover - only profiles make this rule
            return None
        return inputs.with_profile(self.profile, long_sessions=None)
