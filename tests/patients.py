"""A brute-force check of a curriculum, patient by patient.

It reads ``docs/explanation/open-enrolment.md`` and nothing of iopkit's validator, journeys,
rules or composer: it walks every admission point of the curriculum and every stay length,
writes down what that patient attends week by week (sessions; before groups, the beside
group or else the main blocks, after groups) and checks every per-patient limit of the page,
with the weekly minutes and long sessions of the program's compliance profiles. It reads
only the data classes (program, curriculum, sessions, blocks, catalog, profile fields).

The readings it makes where the page leaves a choice are the oracle's (``tests/oracle.py``,
comments starting "Reading:"); each is named again where it is used here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from iopkit import Block, Catalog, Place, Session, Weekday
from iopkit.curriculum import Count, Curriculum, Per, Program, Requirement, profiles
from iopkit.curriculum._program import Every, Group, Track, phase_weeks


@dataclasses.dataclass(frozen=True)
class Sitting:
    """One sitting a patient attends: the main blocks (``group`` None) or a group's."""

    session: Session
    group: str | None
    place: Place | None  # None for the main blocks
    blocks: tuple[Block, ...]

    @property
    def is_session(self) -> bool:
        """Whether it counts as a session: the main blocks or a beside group."""
        return self.place is None or self.place is Place.BESIDE

    @property
    def service(self) -> int:
        # a break inside a block is not service
        return sum(
            b.minutes - (b.pause.minutes if b.pause else 0) for b in self.blocks if not b.is_break
        )

    @property
    def wall(self) -> int:
        return sum(b.minutes for b in self.blocks)

    def where(self) -> str:
        what = "the main blocks" if self.group is None else f"group {self.group!r}"
        return f"{what} of session {self.session.number}"


@dataclasses.dataclass(frozen=True)
class Patient:
    """One admission point and stay length, with what the patient attends."""

    week: int  # calendar week of admission
    session: Session | None  # the admission session (None: a closed cohort whose week 1 is closed)
    partial: bool  # admitted after the first session of the week
    stay: int
    weeks: tuple[tuple[int, tuple[Sitting, ...]], ...]  # (calendar week, sittings) per patient week

    def __str__(self) -> str:
        at = f"session {self.session.number}" if self.session else "the start"
        return f"a patient admitted at {at} (week {self.week}) and staying {self.stay} weeks"

    def attended(self, ks: Iterable[int] | None = None) -> list[tuple[int, Sitting]]:
        """(patient week, sitting) in time order, over the weeks ``ks`` (all by default)."""
        keep = set(range(1, self.stay + 1)) if ks is None else set(ks)
        return [(k, x) for k, (_, xs) in enumerate(self.weeks, start=1) if k in keep for x in xs]


def violations(curriculum: Curriculum, catalog: Catalog) -> list[str]:
    """Every way some patient's journey through ``curriculum`` breaks a per-patient limit
    of its program or of the program's profiles, as sentences (empty when every patient
    is fine)."""
    program = curriculum.program
    found: list[str] = []
    found += _track_order(curriculum, catalog)
    patients = list(_patients(curriculum, found))
    found += _group_meetings(curriculum, patients)
    limits = _weekly_limits(program)
    long_sessions = _long_sessions(program)
    requirements = [("the program", r) for r in program.require] + [
        (f"profile {p.id}", r) for p in _profiles(program) for r in p.require
    ]
    for patient in patients:
        found += _weekly(patient, limits)
        found += _long(patient, long_sessions)
        for source, requirement in requirements:
            found += _requirement(patient, source, requirement, _narrowed(curriculum, requirement))
        found += _tracks(patient, program, catalog)
    return found


# -- who is admitted when ---------------------------------------------------------------


def _patients(curriculum: Curriculum, found: list[str]) -> Iterable[Patient]:
    program = curriculum.program
    stay = program.patient_stay
    weeks = curriculum.weeks
    admission = program.admission
    if admission is None:
        points = [(1, 0)]  # one admission, at the first session of week 1 (if any)
        lengths: Iterable[int] = [len(weeks)]
    else:
        last = len(weeks) if program.cycle else len(weeks) - stay.max + 1
        open_weeks = [w for w in weeks if w.number <= last]
        lengths = stay.lengths()
        if admission.every is Every.WEEK:
            points = [(w.number, 0) for w in open_weeks if w.sessions]
        elif admission.every is Every.DAY:
            points = [(w.number, i) for w in open_weeks for i in range(len(w.sessions))]
        elif admission.dates is not None:
            points = []
            for date in admission.dates:
                at = [
                    (w.number, i) for w in weeks for i, s in enumerate(w.sessions) if s.date == date
                ]
                if not at:
                    found.append(f"admission date {date.isoformat()} has no session to start at")
                points += at
        else:  # at module starts: read from the lessons where the curriculum placed them
            points = [
                (w.number, i)
                for w in open_weeks
                for i, s in enumerate(w.sessions)
                if any(
                    b.track == admission.track
                    and b.lesson == 1
                    and (admission.modules is None or b.module in admission.modules)
                    for b in _all_blocks(s)
                )
            ]
    for a, i in points:
        for length in lengths:
            patient = _patient(curriculum, a, i, length, found)
            if patient is not None:
                yield patient


def _patient(
    curriculum: Curriculum, a: int, i: int, length: int, found: list[str]
) -> Patient | None:
    program = curriculum.program
    count = len(curriculum.weeks)
    weeks = []
    for k in range(1, length + 1):
        week = (a + k - 2) % count + 1 if program.cycle else a + k - 1
        if week > count:
            found.append(f"a stay of {length} weeks from week {a} runs past the curriculum")
            return None
        sessions = curriculum.weeks[week - 1].sessions
        if k == 1:
            sessions = sessions[i:]
        sittings: list[Sitting] = []
        for session in sessions:
            sittings += _attends(program, session, k, length, found, a)
        weeks.append((week, tuple(sittings)))
    first = curriculum.weeks[a - 1].sessions
    admitted = first[i] if i < len(first) else None
    return Patient(week=a, session=admitted, partial=i > 0, stay=length, weeks=tuple(weeks))


def _attends(
    program: Program, session: Session, k: int, length: int, found: list[str], a: int
) -> list[Sitting]:
    """What a patient in week ``k`` of a stay of ``length`` weeks attends in a session."""
    before, beside, after = [], [], []
    for sitting in sorted(session.groups, key=lambda g: g.start):
        group = program.group(sitting.name)
        if group is None:
            found.append(
                f"session {session.number} has group {sitting.name!r}, which the program lacks"
            )
            continue
        if k not in phase_weeks(group.patient_weeks, length):
            continue
        made = Sitting(session, sitting.name, sitting.place, sitting.blocks)
        {Place.BEFORE: before, Place.BESIDE: beside, Place.AFTER: after}[sitting.place].append(made)
    for group in program.groups:
        if (
            k in phase_weeks(group.patient_weeks, length)
            and session.day in (group.days or program.days)
            and group.name not in {g.name for g in session.groups}
        ):
            found.append(
                f"group {group.name!r} does not meet in session {session.number}, but a patient "
                f"admitted in week {a} and staying {length} weeks is in its phase there (week {k})"
            )
    if len(beside) > 1:
        found.append(
            f"session {session.number}: beside groups {', '.join(x.group or '' for x in beside)} "
            f"share a patient in week {k} of a {length}-week stay"
        )
    main = beside[:1] or [Sitting(session, None, None, session.blocks)]
    return before + main + after


def _group_meetings(curriculum: Curriculum, patients: list[Patient]) -> list[str]:
    """A group meets only in sessions in which some patient in its phase is present (a
    patient is present from their admission session on), on its days."""
    program = curriculum.program
    wanted: dict[str, set[int]] = {}  # group name: session numbers
    for patient in patients:
        for k, (_, xs) in enumerate(patient.weeks, start=1):
            for group in program.groups:
                if k in phase_weeks(group.patient_weeks, patient.stay):
                    wanted.setdefault(group.name, set()).update(x.session.number for x in xs)
    found = []
    for week, session in curriculum.sessions():
        for sitting in session.groups:
            group = program.group(sitting.name)
            if group is None:
                continue
            if sitting.place is not group.place:
                found.append(
                    f"group {group.name!r} meets {sitting.place.value} session {session.number}, "
                    f"but the program places it {group.place.value}"
                )
            if session.number not in wanted.get(group.name, set()):
                found.append(
                    f"group {group.name!r} meets in session {session.number} (week {week.number}), "
                    "where no patient in its phase can be present"
                )
            if session.day not in (group.days or program.days):
                found.append(
                    f"group {group.name!r} meets on {session.day.value} (session {session.number}), "
                    "not one of its days"
                )
    return found


# -- minutes and requirements -------------------------------------------------------------


def _profiles(program: Program) -> list[Any]:
    """The program's profiles: those it carries, else the built-in ones of that id (read
    only when the program names one it does not carry)."""
    carried = dict(program.profile_definitions)
    found = []
    for name in program.profiles:
        profile = carried.get(name) or {p.id: p for p in profiles()}.get(name)
        if profile is None:
            raise KeyError(f"no profile {name!r}")
        found.append(profile)
    return found


def _weekly_limits(program: Program) -> list[tuple[str, int, int | None, Count, int]]:
    """(source, min, max, count, taper weeks) of every weekly-minutes limit."""
    wm = program.weekly_minutes
    limits = [("the program", wm.min, wm.max, wm.count, 0)]
    for profile in _profiles(program):
        pw = profile.weekly_minutes
        if pw is not None:
            limits.append(
                (f"profile {profile.id}", pw.min, pw.max, Count(pw.count), pw.taper_weeks)
            )
    return limits


def _long_sessions(program: Program) -> list[tuple[str, int, int, int]]:
    """(source, sessions, minutes, taper weeks) of every profile's long-session limit."""
    found = []
    for profile in _profiles(program):
        if profile.long_sessions is not None:
            taper = profile.weekly_minutes.taper_weeks if profile.weekly_minutes else 0
            ls = profile.long_sessions
            found.append((f"profile {profile.id}", ls.min, ls.min_minutes, taper))
    return found


def _weekly(patient: Patient, limits: list[tuple[str, int, int | None, Count, int]]) -> list[str]:
    found = []
    for k, (week, xs) in enumerate(patient.weeks, start=1):
        for source, low, high, count, taper in limits:
            total = sum(x.wall if count is Count.WALL else x.service for x in xs)
            spared = (k == 1 and patient.partial) or k > patient.stay - taper
            unit = "wall-clock" if count is Count.WALL else "service"
            if total < low and not spared:
                found.append(
                    f"{patient}: patient week {k} (week {week}) has {total} {unit} minutes, "
                    f"below the {low} of {source}"
                )
            if high is not None and total > high:
                found.append(
                    f"{patient}: patient week {k} (week {week}) has {total} {unit} minutes, "
                    f"above the {high} of {source}"
                )
    return found


def _long(patient: Patient, limits: list[tuple[str, int, int, int]]) -> list[str]:
    found = []
    for k, (week, xs) in enumerate(patient.weeks, start=1):
        for source, sessions, minutes, taper in limits:
            if (k == 1 and patient.partial) or k > patient.stay - taper:
                continue
            long = sum(1 for x in xs if x.is_session and x.service >= minutes)
            if long < sessions:
                found.append(
                    f"{patient}: patient week {k} (week {week}) has {long} sessions of "
                    f"{minutes} service minutes or more, {source} needs {sessions}"
                )
    return found


def _matches(requirement: Requirement, block: Block) -> bool:
    # Reading: breaks are not services, so no requirement counts them.
    sel = requirement.selector
    if block.is_break:
        return False
    if (
        sel.min_minutes is not None
        and block.minutes - (block.pause.minutes if block.pause else 0) < sel.min_minutes
    ):
        return False
    if getattr(sel, "module", None) is not None:  # the lessons of a module
        return block.lesson is not None and block.module == sel.module
    if getattr(sel, "track", None) is not None:  # the lessons a track teaches
        return block.lesson is not None and block.track == sel.track
    if sel.activity is not None:
        return block.activity == sel.activity
    if sel.kind is not None:
        return block.kind in sel.kind
    if sel.modality is not None:
        return block.modality == sel.modality
    return block.format == sel.format


def _narrowed(
    curriculum: Curriculum, requirement: Requirement
) -> tuple[set[int], frozenset[int]] | None:
    """The numbers of the sessions and of the calendar weeks a requirement counts in, or
    ``None`` for all.

    Reading (the oracle's): ``days``, ``weeks`` and ``session`` (the first or the last
    session of its calendar week) narrow the sessions, the groups meeting with them
    included; a make-up session counts on the day it replaces."""
    if not getattr(requirement, "narrowed", False):
        return None
    weeks = requirement.week_numbers(len(curriculum.weeks))
    kept = set()
    for week in curriculum.weeks:
        if week.number not in weeks:
            continue
        for i, session in enumerate(week.sessions):
            which = requirement.session.value if requirement.session is not None else None
            if which == "first" and i != 0:
                continue
            if which == "last" and i != len(week.sessions) - 1:
                continue
            day = session.day
            if session.replaces is not None:
                day = Weekday.of(session.replaces.weekday())
            if requirement.days is not None and day not in requirement.days:
                continue
            kept.add(session.number)
    return kept, weeks


def _requirement(
    patient: Patient,
    source: str,
    requirement: Requirement,
    narrowing: tuple[set[int], frozenset[int]] | None,
) -> list[str]:
    found = []
    narrowed, counted_weeks = narrowing if narrowing is not None else (None, None)
    ks = phase_weeks(requirement.patient_weeks, patient.stay)
    what = f"{requirement.selector.describe()} ({source})"

    def check(count: int, where: str, spare_min: bool = False) -> None:
        if count < requirement.min and not spare_min:
            found.append(
                f"{patient}: {where} has {count} of {what}, needs at least {requirement.min}"
            )
        if requirement.max is not None and count > requirement.max:
            found.append(f"{patient}: {where} has {count} of {what}, at most {requirement.max}")

    def count(xs: Iterable[Sitting]) -> int:
        return sum(
            1
            for x in xs
            if narrowed is None or x.session.number in narrowed
            for b in x.blocks
            if _matches(requirement, b)
        )

    if requirement.per is Per.WEEK:
        for k, (week, xs) in enumerate(patient.weeks, start=1):
            if k in ks and (counted_weeks is None or week in counted_weeks):
                check(count(xs), f"patient week {k} (week {week})", k == 1 and patient.partial)
    elif requirement.per is Per.SESSION:
        for k, x in patient.attended(ks):
            if x.is_session and (narrowed is None or x.session.number in narrowed):
                check(count([x]), f"{x.where()} (patient week {k})")
    else:
        check(count(x for _, x in patient.attended(ks)), "the stay")
    return found


# -- tracks -------------------------------------------------------------------------------


def _sequence(track: Track, catalog: Catalog) -> list[tuple[str, int]]:
    return [
        (module, n)
        for module in track.modules
        for n in range(1, len(catalog.module(module).lessons) + 1)
    ]


def _cycles(program: Program, track: Track) -> bool:
    # Reading: with admission a core track starts again for the patients who arrive later;
    # other tracks run their sequence once unless they repeat (once per cycle in a cycle).
    return track.repeat or (program.admission is not None and track.core)


def _all_blocks(session: Session) -> list[Block]:
    return [*session.blocks, *(b for g in session.groups for b in g.blocks)]


def _track_order(curriculum: Curriculum, catalog: Catalog) -> list[str]:
    """On the calendar: each track teaches in its home (main blocks or its group), its
    sequence in order from the first lesson, as often as it may; in full without
    admission if it is core; a whole number of times in a cycle."""
    program = curriculum.program
    found = []
    for track in program.tracks:
        seq = _sequence(track, catalog)
        taught = []
        for _, session in curriculum.sessions():
            homes = [(None, session.blocks)] + [(g.name, g.blocks) for g in session.groups]
            for home, blocks in homes:
                for b in blocks:
                    if b.track != track.name:
                        continue
                    if home != track.group:
                        where = "the main blocks" if home is None else f"group {home!r}"
                        found.append(
                            f"track {track.name!r} teaches in {where} of session {session.number}"
                        )
                    taught.append((b.module, b.lesson))
        for n, lesson in enumerate(taught):
            if n >= len(seq) and not _cycles(program, track):
                found.append(f"track {track.name!r} teaches past the end of its sequence")
                break
            if lesson != seq[n % len(seq)]:
                found.append(
                    f"track {track.name!r}: its lesson {n + 1} is {lesson}, not {seq[n % len(seq)]}"
                )
                break
        if program.admission is None and track.core and len(taught) < len(seq):
            found.append(f"core track {track.name!r} is not taught in full")
        if program.cycle and len(taught) % len(seq):
            found.append(
                f"track {track.name!r} teaches {len(taught)} lessons in the cycle, not a whole "
                f"number of times its {len(seq)}"
            )
    return found


def _tracks(patient: Patient, program: Program, catalog: Catalog) -> list[str]:
    found = []
    journey = [(k, x, b) for k, x in patient.attended() for b in x.blocks]
    for track in program.tracks:
        mine = [b for _, _, b in journey if b.track == track.name]
        if mine and not track.standalone and mine[0].lesson != 1:
            found.append(
                f"{patient}: enters track {track.name!r} at lesson {mine[0].lesson} of "
                f"module {mine[0].module!r}, not at a module start"
            )
        if (
            program.admission is not None
            and track.core
            and patient.stay == program.patient_stay.min
        ):
            group: Group | None = program.group(track.group) if track.group else None
            ks = phase_weeks(group.patient_weeks if group else None, patient.stay)
            # Reading: only the track's own lessons count
            got = {(b.module, b.lesson) for k, _, b in journey if k in ks and b.track == track.name}
            missing = [lesson for lesson in _sequence(track, catalog) if lesson not in got]
            if missing:
                found.append(
                    f"{patient}: does not receive {missing[0]} of core track {track.name!r} "
                    "while in it"
                )
    # prerequisites: every lesson of each required module received before a module starts
    received: set[tuple[str, int]] = set()
    reported: set[str] = set()
    for _, x, b in journey:
        if b.module is not None:
            for required in catalog.module(b.module).requires:
                count = len(catalog.module(required).lessons)
                lacking = [n for n in range(1, count + 1) if (required, n) not in received]
                if lacking and b.module not in reported:
                    reported.add(b.module)
                    found.append(
                        f"{patient}: meets module {b.module!r} in {x.where()} before lesson "
                        f"{lacking[0]} of {required!r}, which it requires"
                    )
            received.add((b.module, b.lesson))  # type: ignore[arg-type]
    return found
