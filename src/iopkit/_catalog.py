"""The content catalog: modalities, activities and skill modules, looked up by id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, TypeVar

import attrs

from iopkit._activity import Activity
from iopkit._checks import build, items, located
from iopkit._modality import TherapyModality
from iopkit._module import SkillModule
from iopkit.errors import CatalogError, Problem

_T = TypeVar("_T")
_Item = TypeVar("_Item", TherapyModality, Activity, SkillModule)
_SINGULAR = {"modalities": "modality", "activities": "activity", "modules": "module"}

Section = Literal["modalities", "activities", "modules"]

#: Where an item came from: its file (or None) and the JSON pointer to it.
Origin = tuple[str | None, str]


def _origins(value: Mapping[str, Iterable[Origin]]) -> dict[str, tuple[Origin, ...]]:
    return {section: tuple(items) for section, items in value.items()}


def _modality(value: TherapyModality | Mapping[str, Any]) -> TherapyModality:
    return build(TherapyModality, value, "a TherapyModality or a mapping of its keys")


def _activity(value: Activity | Mapping[str, Any]) -> Activity:
    return build(Activity, value, "an Activity or a mapping of its keys")


def _module(value: SkillModule | Mapping[str, Any]) -> SkillModule:
    return build(SkillModule, value, "a SkillModule or a mapping of its keys")


def _modalities(
    value: Iterable[TherapyModality | Mapping[str, Any]] | TherapyModality,
) -> tuple[TherapyModality, ...]:
    return items(value, _modality, "modalities", single=TherapyModality)


def _activities(
    value: Iterable[Activity | Mapping[str, Any]] | Activity,
) -> tuple[Activity, ...]:
    return items(value, _activity, "activities", single=Activity)


def _modules(
    value: Iterable[SkillModule | Mapping[str, Any]] | SkillModule,
) -> tuple[SkillModule, ...]:
    return items(value, _module, "modules", single=SkillModule)


_NOWHERE: Origin = (None, "")


def _merge_origins(parts: tuple[Catalog, ...]) -> dict[str, tuple[Origin, ...]]:
    """Origins of the combined sections, parallel to the combined items."""
    return {
        section: tuple(o for c in parts for o in c.section_origins(section))
        for section in ("modalities", "activities", "modules")
    }


@located
@attrs.frozen(kw_only=True)
class Catalog:
    """Modalities, activities and modules, checked as a whole on construction.

    A catalog is consistent: ids are unique (lesson ids share the activity namespace),
    every reference names something in the catalog, and module prerequisites have no
    cycle. Otherwise :class:`~iopkit.errors.CatalogError` lists every problem, naming the
    ids and the files involved. Combine catalogs with :meth:`merge` or ``|``. Items may be
    given as mappings with a catalog file's keys.

    Attributes:
        modalities: The therapy modalities.
        activities: Stand-alone activities (lessons live in their modules).
        modules: The skill modules.
        origins: Where items were read from: for each section name, one
            ``(file, JSON pointer)`` per item, in order; not part of equality.
    """

    modalities: tuple[TherapyModality, ...] = attrs.field(default=(), converter=_modalities)
    activities: tuple[Activity, ...] = attrs.field(default=(), converter=_activities)
    modules: tuple[SkillModule, ...] = attrs.field(default=(), converter=_modules)
    origins: Mapping[str, tuple[Origin, ...]] = attrs.field(
        factory=dict, eq=False, repr=False, converter=_origins
    )
    _where: dict[tuple[str, str], Origin] = attrs.field(init=False, eq=False, repr=False)
    _modality_index: dict[str, TherapyModality] = attrs.field(init=False, eq=False, repr=False)
    _activity_index: dict[str, Activity] = attrs.field(init=False, eq=False, repr=False)
    _module_index: dict[str, SkillModule] = attrs.field(init=False, eq=False, repr=False)
    _lesson_index: dict[str, tuple[str, int]] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_where", {})
        problems: list[Problem] = []
        modalities = self._index("modalities", self.modalities, TherapyModality, problems)
        activities = self._index("activities", self.activities, Activity, problems)
        modules = self._index("modules", self.modules, SkillModule, problems)
        lessons: dict[str, tuple[str, int]] = {}
        all_activities = dict(activities)
        for module in modules.values():
            for number, lesson in enumerate(module.lessons, start=1):
                if lesson.id in all_activities:
                    other = lessons.get(lesson.id)
                    where = f"module {other[0]!r}" if other else "the activities"
                    problems.append(
                        self._problem(
                            "modules",
                            module.id,
                            f"lesson id {lesson.id!r} of module {module.id!r} is already "
                            f"used in {where}{self._from('activities', lesson.id)}",
                        )
                    )
                    continue
                all_activities[lesson.id] = lesson
                lessons[lesson.id] = (module.id, number)
        self._check_references(modalities, modules, lessons, problems)
        if not problems:
            problems += self._cycles(modules)
        if problems:
            raise CatalogError(problems)
        object.__setattr__(self, "_modality_index", modalities)
        object.__setattr__(self, "_activity_index", all_activities)
        object.__setattr__(self, "_module_index", modules)
        object.__setattr__(self, "_lesson_index", lessons)

    # -- construction helpers -------------------------------------------------------------

    def section_origins(self, section: str) -> tuple[Origin, ...]:
        """One ``(file, pointer)`` per item of the section, in order."""
        items = getattr(self, section)
        known = tuple(self.origins.get(section, ()))
        return known[: len(items)] + (_NOWHERE,) * (len(items) - len(known))

    def origin(self, section: str, item_id: str) -> Origin:
        """Where the item with this id was defined: ``(file or None, JSON pointer)``."""
        return self._where.get((section, item_id), _NOWHERE)

    def _problem(self, section: str, item_id: str, message: str, suffix: str = "") -> Problem:
        file, pointer = self.origin(section, item_id)
        return Problem(message=message, file=file, pointer=pointer + suffix)

    def _from(self, section: str, item_id: str) -> str:
        file, _ = self.origin(section, item_id)
        return f" (in {file})" if file else ""

    def _index(
        self, section: str, items: tuple[_Item, ...], cls: type[_Item], problems: list[Problem]
    ) -> dict[str, _Item]:
        index: dict[str, _Item] = {}
        origins = self.section_origins(section)
        for number, (item, known) in enumerate(zip(items, origins, strict=True)):
            if not isinstance(item, cls):
                raise TypeError(f"{section} must hold {cls.__name__} objects (got {item!r})")
            # an item built in Python is located by its place in this catalog
            again = (None, f"/{section}/{number}") if known == _NOWHERE else known
            if item.id in index:
                first = self.origin(section, item.id)
                where = f" (first defined in {first[0]})" if first[0] else ""
                problems.append(
                    Problem(
                        message=f"{_SINGULAR[section]} id {item.id!r} is defined twice{where}",
                        file=again[0],
                        pointer=again[1],
                    )
                )
                continue
            index[item.id] = item
            self._where[(section, item.id)] = again
        return index

    def _check_references(
        self,
        modalities: dict[str, TherapyModality],
        modules: dict[str, SkillModule],
        lessons: dict[str, tuple[str, int]],
        problems: list[Problem],
    ) -> None:
        known = ", ".join(sorted(modalities)) or "none"
        for activity in self.activities:
            if activity.modality is not None and activity.modality not in modalities:
                problems.append(
                    self._problem(
                        "activities",
                        activity.id,
                        f"activity {activity.id!r} refers to unknown modality "
                        f"{activity.modality!r} (known: {known})",
                        "/modality",
                    )
                )
        for module in modules.values():
            if module.modality not in modalities:
                problems.append(
                    self._problem(
                        "modules",
                        module.id,
                        f"module {module.id!r} refers to unknown modality {module.modality!r} "
                        f"(known: {known})",
                        "/modality",
                    )
                )
            for number, lesson in enumerate(module.lessons):
                if (
                    lesson.modality is not None
                    and lesson.modality not in modalities
                    and lessons.get(lesson.id, ("", 0))[0] == module.id
                ):
                    problems.append(
                        self._problem(
                            "modules",
                            module.id,
                            f"lesson {lesson.id!r} of module {module.id!r} refers to unknown "
                            f"modality {lesson.modality!r}",
                            f"/lessons/{number}/modality",
                        )
                    )
            for index, req in enumerate(module.requires):
                if req not in modules:
                    problems.append(
                        self._problem(
                            "modules",
                            module.id,
                            f"module {module.id!r} requires unknown module {req!r}",
                            f"/requires/{index}",
                        )
                    )

    def _cycles(self, modules: dict[str, SkillModule]) -> list[Problem]:
        state: dict[str, int] = {}
        stack: list[str] = []
        found: list[Problem] = []
        seen_cycles: set[frozenset[str]] = set()

        def visit(node: str) -> None:
            state[node] = 1
            stack.append(node)
            for req in modules[node].requires:
                if state.get(req) == 1:
                    cycle = [*stack[stack.index(req) :], req]
                    key = frozenset(cycle)
                    if key not in seen_cycles:
                        seen_cycles.add(key)
                        files = sorted({f for m in cycle if (f := self.origin("modules", m)[0])})
                        in_files = f" (in {', '.join(files)})" if files else ""
                        found.append(
                            self._problem(
                                "modules",
                                req,
                                "modules require each other in a cycle, so none can start: "
                                + " -> ".join(cycle)
                                + in_files,
                                "/requires",
                            )
                        )
                elif req not in state:
                    visit(req)
            stack.pop()
            state[node] = 2

        for module_id in sorted(modules):
            if module_id not in state:
                visit(module_id)
        return found

    # -- lookups ------------------------------------------------------------------------

    def modality(self, modality_id: str) -> TherapyModality:
        """The modality with this id; :class:`KeyError` names close ids when absent."""
        return self._get(self._modality_index, modality_id, "modality")

    def activity(self, activity_id: str) -> Activity:
        """The activity (or lesson) with this id."""
        return self._get(self._activity_index, activity_id, "activity")

    def module(self, module_id: str) -> SkillModule:
        """The skill module with this id."""
        return self._get(self._module_index, module_id, "module")

    def lesson_of(self, activity_id: str) -> tuple[str, int] | None:
        """``(module id, 1-based lesson number)`` when the activity is a lesson."""
        return self._lesson_index.get(activity_id)

    def __contains__(self, item_id: object) -> bool:
        return (
            item_id in self._activity_index
            or item_id in self._module_index
            or item_id in self._modality_index
        )

    def all_activities(self) -> Iterator[Activity]:
        """Every activity, stand-alone ones first, then each module's lessons."""
        yield from self.activities
        for module in self.modules:
            yield from module.lessons

    @staticmethod
    def _get(index: dict[str, _T], key: str, what: str) -> _T:
        try:
            return index[key]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(key, list(index), n=3)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise KeyError(f"no {what} with id {key!r} in the catalog{hint}") from None

    # -- combination --------------------------------------------------------------------

    def merge(self, *others: Catalog) -> Catalog:
        """A new catalog holding this one's content and the others'.

        Raises:
            CatalogError: an id is defined in more than one of them (naming both files),
                or the combination is inconsistent.
        """
        parts = (self, *others)
        return Catalog(
            modalities=[m for c in parts for m in c.modalities],
            activities=[a for c in parts for a in c.activities],
            modules=[m for c in parts for m in c.modules],
            origins=_merge_origins(parts),
        )

    def extend(
        self,
        *,
        modalities: Iterable[TherapyModality] = (),
        activities: Iterable[Activity] = (),
        modules: Iterable[SkillModule] = (),
    ) -> Catalog:
        """A new catalog with more content, checked together with this one's.

        Unlike :meth:`merge`, the new items may refer to ids of this catalog (a clinic's
        module may use the built-in ``cbt`` modality).
        """
        return Catalog(
            modalities=(*self.modalities, *modalities),
            activities=(*self.activities, *activities),
            modules=(*self.modules, *modules),
            origins=self.origins,
        )

    def __or__(self, other: Catalog) -> Catalog:
        return self.merge(other)

    def sections(
        self,
    ) -> Iterator[
        tuple[Section, tuple[TherapyModality, ...] | tuple[Activity, ...] | tuple[SkillModule, ...]]
    ]:
        """``(section name, items)`` for modalities, activities and modules."""
        yield "modalities", self.modalities
        yield "activities", self.activities
        yield "modules", self.modules
