"""Limits on tracks of skill modules: where and how fast lessons fall, their order,
prerequisites, full delivery and rolling admission's coverage."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from iopkit._session import Block, Session
from iopkit._types import Range, Weekday
from iopkit._words import plural
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.curriculum._journey import sittings
from iopkit.curriculum._program import Program, Track, Weeks
from iopkit.curriculum._rules._base import Change, Context, Fact, Inputs, Ladder, Rule, Violation

if TYPE_CHECKING:
    from iopkit.curriculum._composer._model import ModelBuilder


Placed = tuple[Week, Session, int, Block, str | None]


def placed_blocks(curriculum: Curriculum) -> Iterator[Placed]:
    """Every ``(week, session, index, block, group)`` in time order: groups before a
    session, its main blocks, groups beside and after it (``group`` is ``None`` for the
    main blocks; ``index`` counts within the sitting)."""
    for week, session in curriculum.sessions():
        for group, blocks in sittings(session):
            name = group.name if group is not None else None
            for index, block in enumerate(blocks, start=1):
                yield week, session, index, block, name


def track_blocks(curriculum: Curriculum, track: Track) -> list[Placed]:
    """The blocks a track placed, in time order."""
    return [p for p in placed_blocks(curriculum) if p[3].track == track.name]


def effective_day(session: Session) -> Weekday:
    """The day a session counts as for day-limited tracks: a make-up session counts as
    the closed day it replaces, so that its lessons move with it."""
    if session.replaces is not None:
        return Weekday.of(session.replaces.weekday())
    return session.day


@attrs.frozen(kw_only=True)
class TrackPlacement(Rule):
    """A track's lessons fall only on its days and weeks, within its per-session and
    per-week limits (minimums apply while lessons remain). A make-up session counts as
    the day it replaces."""

    track: Track
    index: int = 0
    id: str = "tracks"
    description: ClassVar[str] = "track lessons respect the track's days, weeks and pace"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """One rule per track."""
        for i, track in enumerate(program.tracks):
            yield cls(track=track, index=i, id=f"tracks[{i}]")

    @property
    def where(self) -> str:
        """The program key."""
        return f"/tracks/{self.index}"

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Every session's and week's lessons of the track against its limits."""
        track = self.track
        length = len(context.sequence(track))
        cycles = context.cycles(track)
        delivered = 0
        for week in curriculum.weeks:
            remaining_week = math.inf if cycles else length - delivered
            in_week = 0
            any_active = False
            for session in week.sessions:
                mine: list[tuple[int, Block]] = []
                meets = track.group is None
                for group, blocks in sittings(session):
                    name = group.name if group is not None else None
                    meets = meets or name == track.group
                    for i, b in enumerate(blocks, 1):
                        if b.track != track.name:
                            continue
                        if name == track.group:
                            mine.append((i, b))
                        else:
                            yield Violation(
                                rule=self.id,
                                week=week.number,
                                session=session.number,
                                group=name,
                                block=i,
                                message=f"track '{track.name}' teaches "
                                + (
                                    f"in group '{track.group}'"
                                    if track.group
                                    else "in the main session"
                                )
                                + ", not here",
                            )
                active = meets and context.track_active(track, week.number, effective_day(session))
                any_active = any_active or active
                loc = functools.partial(
                    Violation,
                    rule=self.id,
                    week=week.number,
                    session=session.number,
                    group=track.group,
                )
                for index, block in mine:
                    if block.module not in track.modules:
                        yield loc(
                            block=index,
                            message=f"module '{block.module}' is not in track '{track.name}'",
                        )
                if mine and not active:
                    yield loc(
                        block=mine[0][0],
                        message=f"track '{track.name}' has no lessons on this day or week",
                    )
                if track.per_session.max is not None and len(mine) > track.per_session.max:
                    yield loc(
                        message=f"{plural(len(mine), 'lesson')} of track '{track.name}', "
                        f"at most {track.per_session.max} per session",
                    )
                remaining = math.inf if cycles else length - delivered
                floor = min(track.per_session.min, remaining)
                if active and len(mine) < floor:
                    yield loc(
                        message=f"{plural(len(mine), 'lesson')} of track '{track.name}', "
                        f"at least {floor:g} per session",
                    )
                delivered += len(mine)
                in_week += len(mine)
            if track.per_week.max is not None and in_week > track.per_week.max:
                yield Violation(
                    rule=self.id,
                    week=week.number,
                    message=f"{plural(in_week, 'lesson')} of track '{track.name}', "
                    f"at most {track.per_week.max} a week",
                )
            floor = min(track.per_week.min, remaining_week)
            if any_active and in_week < floor:
                yield Violation(
                    rule=self.id,
                    week=week.number,
                    message=f"{plural(in_week, 'lesson')} of track '{track.name}', "
                    f"at least {floor:g} a week",
                )

    def contribute(self, model: ModelBuilder) -> None:
        """The track's days, weeks and pace."""
        model.track_pace(
            self.id,
            self.index,
            per_session=self.track.per_session,
            per_week=self.track.per_week,
            days=self.track.days,
            weeks=model.context.program.track_window(self.track),
        )

    def reason(self, context: Context) -> str:
        """For example "track 'DBT skills' places lessons on thu, in weeks 2 to 8, at most 1
        lesson per session"."""
        track = self.track
        where = []
        if track.days:
            where.append("on " + ", ".join(d.value for d in track.days))
        if track.weeks:
            first, last = context.program.track_window(track)
            where.append(f"in week {first}" if first == last else f"in weeks {first} to {last}")
        if track.per_session.max is not None or track.per_session.min:
            where.append(f"{track.per_session.describe()} per session")
        if track.per_week.max is not None or track.per_week.min:
            where.append(f"{track.per_week.describe()} a week")
        if len(where) == 0:
            where.append("in any session")
        return f"track '{track.name}' places lessons " + ", ".join(where)

    def relax(self, inputs: Inputs) -> Inputs | None:
        """The track free to place lessons in any session, at any pace."""
        return inputs.with_track(
            self.index, per_session=Range(max=None), per_week=Range(), days=None, weeks=None
        )

    def repairs(self, inputs: Inputs) -> Iterator[Ladder]:
        """One more day for the track, a wider window of weeks, or a faster or slower
        pace."""
        program = inputs.program
        track = program.tracks[self.index]
        name = track.name
        index = self.index

        def change(message: str, size: int, **changes: Any) -> Change:
            return Change(
                message=message, size=size, apply=lambda i: i.with_track(index, **changes)
            )

        if track.days is not None:
            for day in (*program.days, *program.makeup_days):
                if day not in track.days:
                    yield Ladder(
                        steps=(
                            change(
                                f"let track '{name}' also teach on {day.value}",
                                1,
                                days=(*track.days, day),
                            ),
                        )
                    )
        if track.weeks is not None:
            first, last = program.track_window(track)
            if first > 1:
                yield Ladder(
                    steps=tuple(
                        change(
                            f"start track '{name}' in week {w} (not {first})",
                            first - w,
                            weeks=Weeks(from_=w, to=track.weeks.to),
                        )
                        for w in range(first - 1, 0, -1)
                    )
                )
            if last < program.weeks:
                yield Ladder(
                    steps=tuple(
                        change(
                            f"end track '{name}' in week {w} (not {last})",
                            w - last,
                            weeks=Weeks(from_=track.weeks.from_, to=w),
                        )
                        for w in range(last + 1, program.weeks + 1)
                    )
                )
        if track.per_session.max is not None:
            yield Ladder(
                steps=tuple(
                    change(
                        f"allow {v} lessons of track '{name}' per session "
                        f"(not {track.per_session.max})",
                        v - track.per_session.max,
                        per_session=Range(min=track.per_session.min, max=v),
                    )
                    for v in range(track.per_session.max + 1, track.per_session.max + 4)
                )
            )
        if track.per_week.max is not None:
            yield Ladder(
                steps=tuple(
                    change(
                        f"allow {v} lessons of track '{name}' a week (not {track.per_week.max})",
                        v - track.per_week.max,
                        per_week=Range(min=track.per_week.min, max=v),
                    )
                    for v in range(track.per_week.max + 1, track.per_week.max + 6)
                )
            )
        for key, limit in (("per_week", track.per_week), ("per_session", track.per_session)):
            if limit.min > 0:
                yield Ladder(
                    steps=tuple(
                        change(
                            f"ask for at least {plural(v, 'lesson')} of track '{name}' "
                            f"{'a week' if key == 'per_week' else 'per session'} (not {limit.min})"
                            if v > 0
                            else f"no longer ask for lessons of track '{name}' "
                            f"{'every week' if key == 'per_week' else 'every session'}",
                            limit.min - v,
                            **{key: Range(min=v, max=limit.max)},
                        )
                        for v in range(limit.min - 1, -1, -1)
                    )
                )


@attrs.frozen(kw_only=True)
class LessonOrder(Rule):
    """Each track delivers its sequence in order: module after module, lesson after
    lesson, starting again only if the track repeats."""

    id: str = "lesson-order"
    description: ClassVar[str] = "lessons of every track are delivered in order"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """Always in force."""
        yield cls()

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Each track's blocks against its sequence."""
        known = {t.name for t in context.program.tracks}
        for week, session, index, block, group in placed_blocks(curriculum):
            if block.module is not None and block.track not in known:
                yield Violation(
                    rule=self.id,
                    week=week.number,
                    session=session.number,
                    block=index,
                    group=group,
                    message=f"lesson of '{block.module}' belongs to no track of the program"
                    + (f" ('{block.track}')" if block.track else ""),
                )
        for track in context.program.tracks:
            sequence = context.sequence(track)
            cycles = context.cycles(track)
            for position, (week, session, index, block, group) in enumerate(
                track_blocks(curriculum, track)
            ):
                if position >= len(sequence) and not cycles:
                    yield Violation(
                        rule=self.id,
                        week=week.number,
                        session=session.number,
                        block=index,
                        group=group,
                        message=f"track '{track.name}' has no lessons left to teach here "
                        "(it does not repeat)",
                    )
                    break
                want = sequence[position % len(sequence)]
                if (block.module, block.lesson, block.activity) != (
                    want.module,
                    want.number,
                    want.activity,
                ):
                    yield Violation(
                        rule=self.id,
                        week=week.number,
                        session=session.number,
                        block=index,
                        group=group,
                        message=f"expected lesson {want.number} of '{want.module}' next in track "
                        f"'{track.name}', found lesson {block.lesson} of '{block.module}'",
                    )
                    break

    def contribute(self, model: ModelBuilder) -> None:
        """Tracks deliver their sequences in order."""
        model.lesson_order(self.id)

    def reason(self, context: Context) -> str:
        """The frame's wording."""
        return "each track teaches its lessons in order"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Part of the frame: not relaxed."""
        return None


@attrs.frozen(kw_only=True)
class Prerequisites(Rule):
    """A module starts only after every module it requires has been completed: the
    required module's last lesson comes before the module's first lesson, in an earlier
    session or earlier in the same session."""

    id: str = "prerequisites"
    description: ClassVar[str] = "modules start only after their prerequisites are complete"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """Always in force."""
        yield cls()

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """First lessons against the modules completed before them, block by block."""
        completed: set[str] = set()
        for week, session, index, block, group in placed_blocks(curriculum):
            if block.module is None or block.lesson is None or block.module not in context.catalog:
                continue
            module = context.catalog.module(block.module)
            if block.lesson == 1:
                missing = [r for r in module.requires if r not in completed]
                if missing:
                    yield Violation(
                        rule=self.id,
                        week=week.number,
                        session=session.number,
                        block=index,
                        group=group,
                        message=f"'{module.id}' starts before "
                        f"{', '.join(repr(m) for m in missing)} is complete",
                    )
            if block.lesson == len(module.lessons):
                completed.add(module.id)

    def contribute(self, model: ModelBuilder) -> None:
        """Each module's first lesson after the last lesson of each module it requires."""
        model.prerequisites(self.id)

    def reason(self, context: Context) -> str:
        """The frame's wording."""
        return "modules start only after the modules they require"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Part of the frame (single prerequisites are relaxed as catalog facts)."""
        return None

    def facts(self, inputs: Inputs) -> Iterator[Fact]:
        """One fact per prerequisite of a module the program teaches."""
        catalog = inputs.catalog
        taught = {m for t in inputs.program.tracks for m in t.modules if m in catalog}
        for module_id in sorted(taught):
            module = catalog.module(module_id)
            for required in module.requires:
                if required not in catalog:
                    continue
                yield Fact(
                    id=f"catalog:{module_id}:requires:{required}",
                    message=f"'{module.title}' starts only after "
                    f"'{catalog.module(required).title}' is complete (catalog)",
                    where=f"catalog:{module_id}",
                    relax=functools.partial(
                        _without_prerequisite, module_id=module_id, required=required
                    ),
                )


def _without_prerequisite(inputs: Inputs, *, module_id: str, required: str) -> Inputs:
    """The inputs with one prerequisite of a module dropped from the catalog."""
    requires = tuple(r for r in inputs.catalog.module(module_id).requires if r != required)
    return inputs.with_module(module_id, requires=requires)


@attrs.frozen(kw_only=True)
class CoreDelivery(Rule):
    """A core track is delivered in full at least once."""

    track: Track
    index: int = 0
    id: str = "tracks.core"
    description: ClassVar[str] = "every core track is delivered in full"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """One rule per core track of a closed cohort (with admission, each patient's
        share is checked instead)."""
        if program.admission is not None:
            return
        for i, track in enumerate(program.tracks):
            if track.core:
                yield cls(track=track, index=i, id=f"tracks[{i}].core")

    @property
    def where(self) -> str:
        """The program key."""
        return f"/tracks/{self.index}/core"

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """The track's lessons against its length."""
        length = len(context.sequence(self.track))
        count = len(track_blocks(curriculum, self.track))
        if count < length:
            yield Violation(
                rule=self.id,
                message=f"core track '{self.track.name}' delivers {count} of its "
                f"{plural(length, 'lesson')}",
            )

    def contribute(self, model: ModelBuilder) -> None:
        """The track's whole sequence must be placed."""
        model.deliver_in_full(self.id, self.index)

    def reason(self, context: Context) -> str:
        """For example "core track 'Core skills' (13 lessons) is delivered in full"."""
        length = len(context.sequence(self.track))
        return f"core track '{self.track.name}' ({plural(length, 'lesson')}) is delivered in full"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """The track becomes an elective (one that cycled keeps cycling)."""
        program = inputs.program
        track = program.tracks[self.index]
        cycling = track.repeat or program.rolling_admission is not None
        return inputs.with_track(self.index, core=False, repeat=cycling)

    def repairs(self, inputs: Inputs) -> Iterator[Ladder]:
        """Making the track an elective."""
        yield Ladder(
            steps=(
                Change(
                    message=f"make track '{self.track.name}' an elective (core: false)",
                    size=len(inputs.program.tracks[self.index].modules),
                    apply=self._relaxed,
                ),
            )
        )


@attrs.frozen(kw_only=True)
class RollingCoverage(Rule):
    """With rolling admission, every stay of ``stay_weeks`` weeks covers every lesson of
    every core track."""

    stay_weeks: int
    id: str = "rolling_admission"
    description: ClassVar[str] = "every admission week's stay covers every core lesson"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """The rule of ``rolling_admission``."""
        if program.rolling_admission is not None:
            yield cls(stay_weeks=program.rolling_admission.stay_weeks)

    @property
    def where(self) -> str:
        """The program key."""
        return "/rolling_admission"

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Every window of ``stay_weeks`` weeks against the core lessons."""
        core = [t for t in context.program.tracks if t.core]
        needed = {(step.module, step.number) for t in core for step in context.sequence(t)}
        names = {t.name for t in core}
        weeks = curriculum.weeks
        taught: list[set[tuple[str, int]]] = [
            {
                (b.module, b.lesson)
                for s in w.sessions
                for b in s.blocks
                if b.module is not None and b.lesson is not None and b.track in names
            }
            for w in weeks
        ]
        for first in range(len(weeks) - self.stay_weeks + 1):
            seen = set().union(*taught[first : first + self.stay_weeks])
            missing = sorted(needed - seen)
            if missing:
                shown = ", ".join(f"lesson {n} of '{m}'" for m, n in missing[:3])
                more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
                yield Violation(
                    rule=self.id,
                    week=first + 1,
                    message=f"a patient admitted in week {first + 1} and staying "
                    f"{plural(self.stay_weeks, 'week')} misses {shown}{more}",
                )

    def contribute(self, model: ModelBuilder) -> None:
        """Every window of the stay's length holds every core lesson."""
        model.cover_every_stay(self.id, self.stay_weeks)

    def reason(self, context: Context) -> str:
        """For example "every stay of 6 weeks covers every lesson of every core track"."""
        return (
            f"every stay of {plural(self.stay_weeks, 'week')} covers every lesson of every "
            "core track"
        )

    def relax(self, inputs: Inputs) -> Inputs | None:
        """A closed cohort, whose core tracks keep cycling as they did."""
        tracks = tuple(attrs.evolve(t, repeat=True) if t.core else t for t in inputs.program.tracks)
        return inputs.with_program(rolling_admission=None, tracks=tracks)
