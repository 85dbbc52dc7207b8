"""What every rule is: one limit, and everything about it in one class.

A rule type owns four things, so that a new limit is one class and its tests:

- :meth:`Rule.check` reports where a finished curriculum breaks the limit (the validator);
- :meth:`Rule.contribute` states the limit in the composer's vocabulary (the search);
- :meth:`Rule.reason` words the limit for a clinician, with its numbers (explanations);
- :meth:`Rule.relax` says whether and how the limit can be dropped (explanations): it
  returns the composer's inputs without the limit, or ``None`` for the frame every
  curriculum lives in (lessons in order, no activity twice in a session).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from iopkit._activity import Activity
from iopkit._catalog import Catalog
from iopkit._module import SkillModule
from iopkit._types import Weekday
from iopkit.curriculum._curriculum import Curriculum
from iopkit.curriculum._journey import Journey, Walker
from iopkit.curriculum._profile import Profile
from iopkit.curriculum._program import Program, SessionShape, Track

if TYPE_CHECKING:
    from iopkit.curriculum._composer._model import ModelBuilder


@attrs.frozen(kw_only=True)
class Violation:
    """One way a curriculum breaks a rule, and where.

    Attributes:
        rule: The id of the broken rule, such as ``"weekly_minutes"``.
        message: What is wrong, as a sentence with the numbers.
        week: The 1-based week, when the violation is in one week.
        session: The session's number, when in one session.
        block: The 1-based index of the block in the session (or in its group), when in
            one block.
        group: The group of the session the block or sitting belongs to, if any.
        admitted: For a limit checked per patient, the week the patient was admitted in.
    """

    rule: str
    message: str
    week: int | None = None
    session: int | None = None
    block: int | None = None
    group: str | None = None
    admitted: int | None = None

    def where(self) -> str:
        """The location in words, for example ``"week 2, session 5, block 3"``."""
        parts = []
        if self.week is not None:
            parts.append(f"week {self.week}")
        if self.session is not None:
            parts.append(f"session {self.session}")
        if self.group is not None:
            parts.append(f"group {self.group}")
        if self.block is not None:
            parts.append(f"block {self.block}")
        return ", ".join(parts) or "curriculum"

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where()}: {self.message}"


@attrs.frozen
class Lesson:
    """One step of a track's sequence: a module's lesson."""

    module: str
    number: int
    activity: str


def _profiles(value: Iterable[Profile]) -> tuple[Profile, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Inputs:
    """What the composer works from: a program, its catalog and its profiles, resolved.

    Relaxing a limit returns new inputs, so a relaxed program is an ordinary program that
    any checker (the composer, the validator, an independent model in the tests) reads.

    Attributes:
        program: The program.
        catalog: The content it draws on.
        profiles: The compliance profiles it must also meet.
    """

    program: Program
    catalog: Catalog
    profiles: tuple[Profile, ...] = attrs.field(default=(), converter=_profiles)

    def with_program(self, **changes: Any) -> Inputs:
        """The inputs with some of the program's fields changed."""
        return attrs.evolve(self, program=attrs.evolve(self.program, **changes))

    def with_session(self, **changes: Any) -> Inputs:
        """The inputs with some of the session shape's fields changed."""
        shape: SessionShape = attrs.evolve(self.program.session, **changes)
        return self.with_program(session=shape)

    def with_track(self, index: int, **changes: Any) -> Inputs:
        """The inputs with one track changed."""
        tracks = list(self.program.tracks)
        tracks[index] = attrs.evolve(tracks[index], **changes)
        return self.with_program(tracks=tuple(tracks))

    def with_activity(self, activity_id: str, **changes: Any) -> Inputs:
        """The inputs with one activity (or lesson) of the catalog changed."""
        catalog = self.catalog

        def edit(activity: Activity) -> Activity:
            return attrs.evolve(activity, **changes) if activity.id == activity_id else activity

        def edit_module(module: SkillModule) -> SkillModule:
            if not any(les.id == activity_id for les in module.lessons):
                return module
            lessons: tuple[Activity, ...] = tuple(edit(les) for les in module.lessons)
            return attrs.evolve(module, lessons=lessons)

        activities = tuple(edit(a) for a in catalog.activities)
        modules = tuple(edit_module(m) for m in catalog.modules)
        return attrs.evolve(
            self, catalog=attrs.evolve(catalog, activities=activities, modules=modules)
        )

    def with_module(self, module_id: str, **changes: Any) -> Inputs:
        """The inputs with one module of the catalog changed."""
        catalog = self.catalog
        modules = tuple(
            attrs.evolve(m, **changes) if m.id == module_id else m for m in catalog.modules
        )
        return attrs.evolve(self, catalog=attrs.evolve(catalog, modules=modules))

    def with_profile(self, profile_id: str, **changes: Any) -> Inputs:
        """The inputs with one profile changed."""
        profiles = tuple(
            attrs.evolve(p, **changes) if p.id == profile_id else p for p in self.profiles
        )
        return attrs.evolve(self, profiles=profiles)


@attrs.frozen(kw_only=True)
class Context:
    """What rules need besides the curriculum: the program and its catalog."""

    program: Program
    catalog: Catalog
    _walkers: dict[int, tuple[Curriculum, Walker]] = attrs.field(
        init=False, factory=dict, eq=False, repr=False
    )

    def _walker(self, curriculum: Curriculum) -> Walker:
        """Every patient's journey through the curriculum, built once per check."""
        found = self._walkers.get(id(curriculum))
        if found is None or found[0] is not curriculum:
            found = self._walkers[id(curriculum)] = (curriculum, Walker(curriculum))
        return found[1]

    def journeys(self, curriculum: Curriculum) -> tuple[Journey, ...]:
        """Every journey: each admission point with each stay length."""
        return self._walker(curriculum).journeys

    def planned_journeys(self, curriculum: Curriculum) -> tuple[Journey, ...]:
        """The journeys groups are planned for: every journey, except that when patients
        are admitted at module starts (which depend on where lessons fall) a patient may
        start in any week."""
        return self._walker(curriculum).planned

    def sequence(self, track: Track) -> tuple[Lesson, ...]:
        """The track's lessons in teaching order (one pass)."""
        return tuple(
            Lesson(module_id, number, lesson.id)
            for module_id in track.modules
            for number, lesson in enumerate(self.catalog.module(module_id).lessons, start=1)
        )

    def cycles(self, track: Track) -> bool:
        """Whether the track's sequence starts again when it ends."""
        return track.repeat or (
            track.core
            and (self.program.rolling_admission is not None or self.program.admission is not None)
        )

    def track_active(self, track: Track, week: int, day: Weekday) -> bool:
        """Whether the track may place a lesson in this week on this day."""
        first, last = self.program.track_window(track)
        return first <= week <= last and (track.days is None or day in track.days)


class Rule(abc.ABC):
    """A limit a curriculum must meet.

    Every rule has a stable :attr:`id` (``"session.minutes"``, ``"require[2]"``,
    ``"cms-iop:weekly_minutes"``), a one-line :attr:`description`, and the four parts
    described in the module's docstring. Rules are frozen attrs classes.
    """

    #: A stable id, such as ``"session.minutes"`` or ``"require[2]"``.
    id: str
    #: One line saying what the rule demands.
    description: ClassVar[str] = ""

    @abc.abstractmethod
    def check(self, curriculum: Curriculum, context: Context) -> Iterator[Violation]:
        """Every violation of this rule in the curriculum."""

    @abc.abstractmethod
    def contribute(self, model: ModelBuilder) -> None:
        """State the limit in the composer's vocabulary."""

    @abc.abstractmethod
    def reason(self, context: Context) -> str:
        """The limit in a clinician's words, with its numbers, as a reason is shown."""

    @abc.abstractmethod
    def relax(self, inputs: Inputs) -> Inputs | None:
        """The inputs without this limit, or ``None`` when it belongs to the frame."""

    @property
    def where(self) -> str:
        """Where the limit is stated: a JSON pointer into the program file, or
        ``profile:<id>``."""
        return ""

    def facts(self, inputs: Inputs) -> Iterator[Fact]:
        """The facts of this rule an explanation may name: by default the rule itself,
        when it can be relaxed. Rules of the frame (the calendar, the catalog's lengths and
        prerequisites) name finer facts: one closure, one lesson's length, one
        prerequisite."""
        if self.relax(inputs) is not None:
            context = Context(program=inputs.program, catalog=inputs.catalog)
            yield Fact(
                id=self.id,
                message=self.reason(context),
                where=self.where,
                relax=self._relaxed,
                repairs=self.repairs,
            )

    def _relaxed(self, inputs: Inputs) -> Inputs:
        relaxed = self.relax(inputs)
        return relaxed if relaxed is not None else inputs

    def repairs(self, inputs: Inputs) -> Iterator[Ladder]:
        """Changes to this limit that may make an infeasible program feasible, as ladders
        of ever larger steps (none by default)."""
        return iter(())


@attrs.frozen(kw_only=True)
class Change:
    """One change to the inputs, as a repair proposes it.

    Attributes:
        message: The change in words, such as ``"raise session.minutes.max from 170 to
            180"``.
        size: How much it changes, in minutes or sessions (smaller is nearer).
        apply: The change itself.
    """

    message: str
    size: int
    apply: Callable[[Inputs], Inputs] = attrs.field(eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Ladder:
    """Changes of one setting, each larger than the one before: once a step makes the
    program feasible, every later step does too, so the first one that works is found by
    halving.

    Attributes:
        steps: The changes, nearest first.
    """

    steps: tuple[Change, ...]


@attrs.frozen(kw_only=True)
class Fact:
    """Something an explanation may name: a limit of the program or a profile, a closure,
    a lesson's length or a prerequisite in the catalog.

    Attributes:
        id: A stable id, such as ``"session.minutes"`` or ``"closures[0]"``.
        message: The fact in a clinician's words.
        where: Where it is stated (a JSON pointer, ``profile:<id>`` or ``catalog:<id>``).
        relax: The inputs without this fact (only ever weaker: every curriculum that met
            the inputs still meets the relaxed ones).
        repairs: Ladders of changes that may make the program feasible.
    """

    id: str
    message: str
    where: str = ""
    relax: Callable[[Inputs], Inputs] = attrs.field(eq=False, repr=False)
    repairs: Callable[[Inputs], Iterator[Ladder]] = attrs.field(
        eq=False, repr=False, default=lambda _inputs: iter(())
    )


def title(context: Context, activity_id: str) -> str:
    """An activity's title in quotes, or its id when the catalog lacks it."""
    try:
        return f"'{context.catalog.activity(activity_id).title}'"
    except KeyError:
        return f"'{activity_id}'"


class PerPatient:
    """Violations found patient by patient, reported once per place: the first patient
    found names it, and the others with the same violation there are counted."""

    def __init__(self) -> None:
        self._first: dict[tuple[object, ...], Violation] = {}
        self._who: dict[tuple[object, ...], set[int]] = {}

    def add(self, key: tuple[object, ...], journey: Journey, violation: Violation) -> None:
        """Record a violation found in one patient's journey; ``key`` is its place."""
        if key not in self._first:
            self._first[key] = violation
            self._who[key] = set()
        self._who[key].add(journey.admitted_session)

    def __iter__(self) -> Iterator[Violation]:
        for key, first in self._first.items():
            others = len(self._who[key]) - 1
            if others:
                first = attrs.evolve(  # noqa: PLW2901 - the same violation, counted
                    first,
                    message=f"{first.message} (so do patients admitted at "
                    f"{others} other {'point' if others == 1 else 'points'})",
                )
            yield first


def patient_words(journey: Journey, week: int | None = None) -> str:
    """Who and when, for a message: ``"a patient admitted in week 3, in their week 2,"``;
    empty for a closed cohort, whose patients' weeks are the curriculum's."""
    if journey.closed:
        return ""
    when = f" in their week {week}" if week is not None else ""
    return f"{journey.who()}{when}: "
