"""Limits that only mean something patient by patient, in programs that admit patients
at several points: groups meet for the patients of their phase, patients enter ordered
tracks at a module start and meet prerequisites in their own stay, core tracks reach
every patient, and a cycle runs each track whole."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

import attrs

from iopkit._types import Place
from iopkit._words import plural
from iopkit.curriculum._curriculum import Curriculum
from iopkit.curriculum._journey import Journey
from iopkit.curriculum._program import Admission, Program, Track, phase_weeks
from iopkit.curriculum._rules._base import (
    Change,
    Context,
    Inputs,
    Ladder,
    PerPatient,
    Rule,
    Violation,
)
from iopkit.curriculum._rules._tracks import effective_day, track_blocks

if TYPE_CHECKING:
    from iopkit.curriculum._composer._model import ModelBuilder


@attrs.frozen(kw_only=True)
class GroupMeetings(Rule):
    """Each group meets, as the program states it, in every session on its days in which
    a patient of its phase is present, and only then."""

    id: str = "groups"
    description: ClassVar[str] = (
        "groups meet where the program says, for the patients of their phase"
    )

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """In force when the program has groups."""
        if program.groups:
            yield cls()

    @property
    def where(self) -> str:
        """The program key."""
        return "/groups"

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Each session's groups against the groups its patients need."""
        program = context.program
        needed: dict[int, set[str]] = {}
        for journey in context.planned_journeys(curriculum):
            phases = {g.name: phase_weeks(g.patient_weeks, journey.stay) for g in program.groups}
            for patient_week in journey.weeks:
                names = {name for name, ks in phases.items() if patient_week.number in ks}
                for visit in patient_week.visits:
                    session = visit.session
                    day = effective_day(session)
                    needed.setdefault(session.number, set()).update(
                        name
                        for name in names
                        if (g := program.group(name)) is not None
                        and (g.days is None or day in g.days)
                    )
        for week, session in curriculum.sessions():
            want = needed.get(session.number, set())
            have = {g.name for g in session.groups}
            loc = functools.partial(
                Violation, rule=self.id, week=week.number, session=session.number
            )
            for name in sorted(want - have):
                definition = program.group(name)
                assert definition is not None  # noqa: S101 - names come from the program
                yield loc(
                    group=name,
                    message=f"group '{name}' does not meet, but patients in its phase "
                    f"({_phase(definition.patient_weeks)}) are present",
                )
            for group in session.groups:
                definition = program.group(group.name)
                here = functools.partial(loc, group=group.name)
                if definition is None:
                    yield here(message=f"the program has no group '{group.name}'")
                    continue
                if group.name not in want:
                    yield here(
                        message=f"group '{group.name}' meets, but no patient of its phase "
                        f"({_phase(definition.patient_weeks)}) can be present",
                    )
                if group.place is not definition.place:
                    yield here(
                        message=f"group '{group.name}' meets {group.place.value} the session; "
                        f"the program says {definition.place.value}",
                    )
                start = {
                    Place.BEFORE: -group.minutes,
                    Place.BESIDE: 0,
                    Place.AFTER: session.minutes,
                }[definition.place]
                if group.start != start:
                    yield here(
                        message=f"group '{group.name}' starts at minute {group.start}; meeting "
                        f"{definition.place.value} the session it starts at minute {start}",
                    )
                if (group.room, group.label) != (definition.room, definition.label):
                    yield here(
                        message=f"group '{group.name}' shows a room or label other than the "
                        "program's",
                    )

    def contribute(self, model: ModelBuilder) -> None:
        """Groups meet beside, before or after sessions for their phases."""
        model.groups(self.id)

    def reason(self, context: Context) -> str:
        """The frame's wording."""
        return "groups meet for the patients of their phase"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Part of the frame: not relaxed."""
        return None


def _phase(spans: object) -> str:
    from iopkit.curriculum._program import describe_phase

    return describe_phase(spans)  # type: ignore[arg-type]


def _received(journey: Journey, track: Track) -> list[tuple[int, str, int]]:
    """The lessons of a track a patient receives, in order: (patient week, module,
    lesson)."""
    found = []
    for week, visit in journey.visits():
        for item in visit.blocks:
            block = item.block
            if block.track == track.name and block.module is not None and block.lesson is not None:
                found.append((week.number, block.module, block.lesson))
    return found


@attrs.frozen(kw_only=True)
class PatientOrder(Rule):
    """Each patient enters an ordered track at the start of a module and then meets its
    lessons in order, and starts a module only after receiving, in their own stay, every
    lesson of each module it requires."""

    id: str = "patients.order"
    description: ClassVar[str] = "each patient meets every track's lessons in order"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """In force when patients are admitted at several points."""
        if program.admission is not None:
            yield cls()

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Each journey's lessons, track by track, against the tracks' sequences."""
        found = PerPatient()
        longest = context.program.patient_stay.max
        catalog = context.catalog
        for journey in context.journeys(curriculum):
            if journey.stay != longest:
                continue
            for track in context.program.tracks:
                if track.standalone:
                    continue
                sequence = [(step.module, step.number) for step in context.sequence(track)]
                group = context.program.group(track.group) if track.group else None
                phase = phase_weeks(group.patient_weeks if group else None, journey.stay)
                places: set[int] | None = None
                previous = 0
                for week, module, lesson in _received(journey, track):
                    if any(j not in phase for j in range(previous + 1, week)):
                        places = None  # the patient left the track's group and came back
                    previous = week
                    here = {i for i, step in enumerate(sequence) if step == (module, lesson)}
                    if places is None:
                        ok = lesson == 1
                        reason = f"enters track '{track.name}' at lesson {lesson} of '{module}'"
                    else:
                        here &= {(i + 1) % len(sequence) for i in places}
                        ok = bool(here)
                        reason = f"meets lesson {lesson} of '{module}' out of order in track '{track.name}'"
                    if not ok:
                        found.add(
                            (track.name, "order", journey.admitted_session),
                            journey,
                            Violation(
                                rule=self.id,
                                week=journey.admitted_week,
                                admitted=journey.admitted_week,
                                message=f"{journey.who()} {reason} (their week {week})",
                            ),
                        )
                        break
                    places = here
            seen: dict[str, set[int]] = {}
            for patient_week, visit in journey.visits():
                for item in visit.blocks:
                    block = item.block
                    if block.module is None or block.lesson is None or block.module not in catalog:
                        continue
                    skill = catalog.module(block.module)
                    # a patient starts a module at the first lesson of it they receive
                    # (lesson 1, or any lesson of a standalone track they join mid-module)
                    if block.lesson == 1 or skill.id not in seen:
                        missing = [
                            r
                            for r in skill.requires
                            if r in catalog
                            and len(seen.get(r, ())) < len(catalog.module(r).lessons)
                        ]
                        if missing:
                            found.add(
                                ("requires", skill.id, journey.admitted_session),
                                journey,
                                Violation(
                                    rule=self.id,
                                    week=journey.admitted_week,
                                    admitted=journey.admitted_week,
                                    message=f"{journey.who()} starts '{skill.id}' in their week "
                                    f"{patient_week.number} without having had "
                                    f"{', '.join(repr(m) for m in missing)}",
                                ),
                            )
                    seen.setdefault(skill.id, set()).add(block.lesson)
        yield from found

    def contribute(self, model: ModelBuilder) -> None:
        """Patients enter ordered tracks at module starts and meet prerequisites."""
        model.patient_order(self.id)

    @property
    def where(self) -> str:
        """The program key."""
        return "/admission"

    def reason(self, context: Context) -> str:
        """The limit in a clinician's words."""
        admission = context.program.admission
        when = admission.describe() if admission is not None else "admitted"
        return (
            f"patients are {when}, and each must start every ordered track at the start "
            "of a module, meet its lessons in order and meet a module's prerequisites "
            "within their own stay"
        )

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Every track standalone and no prerequisites: patients may join anywhere."""
        tracks = tuple(attrs.evolve(t, standalone=True) for t in inputs.program.tracks)
        catalog = inputs.catalog
        modules = tuple(attrs.evolve(m, requires=()) for m in catalog.modules)
        relaxed = inputs.with_program(tracks=tracks)
        return attrs.evolve(relaxed, catalog=attrs.evolve(catalog, modules=modules))

    def repairs(self, inputs: Inputs) -> Iterator[Ladder]:
        """Admitting only at the module starts of an ordered track, or letting a track's
        lessons stand alone."""
        program = inputs.program
        ordered = [(i, t) for i, t in enumerate(program.tracks) if not t.standalone]
        admission = program.admission
        if len(ordered) == 1 and admission is not None and admission.track is None:
            track = ordered[0][1]
            first = track.modules[0]

            def at_starts(i: Inputs, name: str = track.name, module: str = first) -> Inputs:
                return i.with_program(admission=Admission(track=name, modules=(module,)))

            yield Ladder(
                steps=(
                    Change(
                        message=f"admit patients only at the start of '{first}' in track "
                        f"'{track.name}' (admission: at module-starts)",
                        size=1,
                        apply=at_starts,
                    ),
                )
            )
        for index, track in ordered:

            def alone(i: Inputs, index: int = index) -> Inputs:
                return i.with_track(index, standalone=True)

            yield Ladder(
                steps=(
                    Change(
                        message=f"let the lessons of track '{track.name}' stand alone "
                        "(standalone: true)",
                        size=len(track.modules),
                        apply=alone,
                    ),
                )
            )


@attrs.frozen(kw_only=True)
class PatientCoverage(Rule):
    """With admission, every patient receives every lesson of a core track while they
    are in it (over the shortest stay)."""

    track: Track
    index: int = 0
    id: str = "tracks.core"
    description: ClassVar[str] = "every patient receives every lesson of each core track"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """One rule per core track, when patients are admitted at several points."""
        if program.admission is None:
            return
        for i, track in enumerate(program.tracks):
            if track.core:
                yield cls(track=track, index=i, id=f"tracks[{i}].core")

    @property
    def where(self) -> str:
        """The program key."""
        return f"/tracks/{self.index}/core"

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Each journey of the shortest stay against the track's lessons."""
        shortest = context.program.patient_stay.min
        needed = {(step.module, step.number) for step in context.sequence(self.track)}
        found = PerPatient()
        for journey in context.journeys(curriculum):
            if journey.stay != shortest:
                continue
            got = {(m, n) for _, m, n in _received(journey, self.track)}
            missing = sorted(needed - got)
            if missing:
                shown = ", ".join(f"lesson {n} of '{m}'" for m, n in missing[:3])
                more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
                found.add(
                    ("missing", journey.admitted_session),
                    journey,
                    Violation(
                        rule=self.id,
                        week=journey.admitted_week,
                        admitted=journey.admitted_week,
                        message=f"{journey.who()} staying {plural(journey.stay, 'week')} misses "
                        f"{shown}{more} of core track '{self.track.name}'",
                    ),
                )
        yield from found

    def contribute(self, model: ModelBuilder) -> None:
        """Every patient's weeks in the track hold every lesson."""
        model.reach_every_patient(self.id, self.index)

    def reason(self, context: Context) -> str:
        """For example "every patient receives all 12 lessons of core track 'Skills'"."""
        length = len(context.sequence(self.track))
        lessons = "the lesson" if length == 1 else f"all {plural(length, 'lesson')}"
        return (
            f"every patient receives {lessons} of core track '{self.track.name}' during their stay"
        )

    def relax(self, inputs: Inputs) -> Inputs | None:
        """The track becomes an elective that keeps cycling."""
        return inputs.with_track(self.index, core=False, repeat=True)

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
class CycleRuns(Rule):
    """In a cycle, each track teaches its whole sequence a whole number of times, so that
    patients crossing the turn of the cycle meet its lessons in order."""

    id: str = "cycle"
    description: ClassVar[str] = "a cycle runs each track's sequence whole"

    @classmethod
    def from_program(cls, program: Program) -> Iterator[Rule]:
        """In force for a cycle."""
        if program.cycle:
            yield cls()

    @property
    def where(self) -> str:
        """The program key."""
        return "/cycle"

    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Each track's lessons in the cycle against its length."""
        for track in context.program.tracks:
            length = len(context.sequence(track))
            count = len(track_blocks(curriculum, track))
            if count % length or (track.core and count == 0):
                yield Violation(
                    rule=self.id,
                    message=f"track '{track.name}' teaches {plural(count, 'lesson')} in the "
                    f"cycle, not a whole number of runs of its {plural(length, 'lesson')}",
                )

    def contribute(self, model: ModelBuilder) -> None:
        """Tracks end the cycle at the end of a run."""
        model.whole_runs(self.id)

    def reason(self, context: Context) -> str:
        """The limit in words."""
        return "a cycle teaches each track's lessons a whole number of times"

    def relax(self, inputs: Inputs) -> Inputs | None:
        """Part of the frame: not relaxed."""
        return None
