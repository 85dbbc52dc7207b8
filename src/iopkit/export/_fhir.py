"""HL7 FHIR R5: the curriculum as a PlanDefinition that a server can ``$apply`` per patient.

Timing is relative, never absolute, so that one definition serves every patient: day 0
is the program's first day (or a patient's admission). Week 1 starts on day 0; every
later week starts 7 days after the week before it (``relatedAction`` ``after-start`` with
``offsetDuration``); a session starts its week's day ``d`` (``after-start`` of its week,
``d`` days) at the clock time in ``timingTiming.repeat.timeOfDay`` and lasts
``repeat.duration`` minutes; it follows the session before it, across week boundaries
too (``after-end``). Blocks follow one another (``after-end``) and last
``timingDuration``.

Groups: a session's groups are actions of their own inside the session's, each with its
clock time (``timingTiming.repeat.timeOfDay`` and ``duration``), its room
(``location``), its blocks, and who attends it as an ``applicability`` condition: a
FHIRPath expression on two values the applying engine supplies, ``%patientWeek`` (the
week of the patient's stay the session falls in; 1 is the week of admission) and
``%stay`` (the patient's stay in weeks). When a group meets beside the main blocks, the
main blocks are an action of their own too (``session-N-main``), for the patients in no
such group.

Open enrolment: a program that admits patients at several points has an ``admission``
action first, with one option per admission point (``selectionBehavior`` ``exactly-one``).
Each names the session it admits at (``relatedAction`` ``concurrent-with-start``) and
bounds the patient's plan from that session on (``timingTiming.repeat.boundsDuration``,
or ``boundsRange`` for a stay of several lengths, in days: to the end of the patient's
last week). Applied to a patient admitted on a date, the plan is every session from the
admission up to those bounds; in a cycle, each week recurs every cycle
(``repeat.period`` in weeks), so later runs fall later. ``%patientWeek`` is then the
week of the session counted from the week of admission.

Codes: an activity's CPT or HCPCS Level II billing code (from the catalog) goes in
``ActivityDefinition.code`` with the systems HL7 terminology names; the activity's
kind is a code of iopkit's own code system :data:`KIND_SYSTEM`; its modality is text.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any

from iopkit import __version__
from iopkit._checks import READ_CURRICULUM, expect
from iopkit._session import Block, Session, SessionGroup
from iopkit._types import ActivityKind, Format, Place
from iopkit.curriculum._curriculum import Curriculum, Week
from iopkit.curriculum._journey import admission_points
from iopkit.curriculum._program import PatientWeeks, describe_phase
from iopkit.export._common import (
    DISCLAIMER,
    EVERY_OTHER,
    PLACES,
    Names,
    clock,
    closures,
    group_title,
    objectives,
    one_line,
    service,
    short_id,
    sittings,
    span,
    week_closures,
    when,
)
from iopkit.export._markdown import text as md

UCUM = "http://unitsofmeasure.org"
#: CPT (American Medical Association), as HL7 terminology names it.
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
#: HCPCS Level II (CMS), as HL7 terminology names it.
HCPCS_SYSTEM = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
#: iopkit's code system for activity kinds (its codes are :class:`~iopkit.ActivityKind`).
KIND_SYSTEM = "urn:iopkit:activity-kind"
#: The canonical base used when the caller gives none: a URN that names, not locates.
DEFAULT_BASE = "urn:iopkit"
PARTICIPANT_SYSTEM = "http://hl7.org/fhir/action-participant-type"

_CPT = re.compile(r"\d{4}[0-9FTU]")
_HCPCS = re.compile(r"[A-V]\d{4}")


def fhir_id(text: str, prefix: str = "") -> str:
    """A FHIR id (letters, digits, ``-`` and ``.``; at most 64 characters) made from
    ``text``: long names are cut and end with a hash of the whole, the same every run."""
    return prefix + short_id(text, 64 - len(prefix))


def canonical(base: str, resource_type: str, resource_id: str) -> str:
    """The canonical URL of a resource: ``<base>/<type>/<id>`` (``<base>:<type>:<id>``
    for a URN base)."""
    if base.startswith("urn:"):
        return f"{base}:{resource_type}:{resource_id}"
    return f"{base.rstrip('/')}/{resource_type}/{resource_id}"


def _minutes(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "min", "system": UCUM, "code": "min"}


def _days(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "d", "system": UCUM, "code": "d"}


#: The language of the conditions that say who attends a group.
FHIRPATH = "text/fhirpath"


def _less(value: str, minus: int) -> str:
    return value if minus == 0 else f"({value} - {minus})"


def phase_expression(spans: tuple[PatientWeeks, ...] | None) -> str:
    """A phase as a FHIRPath expression on ``%patientWeek`` and ``%stay``: ``true`` for
    every week, else a disjunction of spans such as ``%patientWeek >= 1 and
    %patientWeek <= 4``, ``%patientWeek = %stay`` or ``%patientWeek >= (%stay - 1)``."""
    if spans is None:
        return "true"
    parts = []
    for span_ in spans:
        if span_.from_end:
            low = "1" if span_.to is None else _less("%stay", span_.to - 1)
            high: str | None = _less("%stay", span_.from_ - 1)
        else:
            low, high = str(span_.from_), None if span_.to is None else str(span_.to)
        if low == high:
            parts.append(f"%patientWeek = {low}")
            continue
        terms = [f"%patientWeek >= {low}"] + ([f"%patientWeek <= {high}"] if high else [])
        parts.append(" and ".join(terms))
    if len(parts) == 1:
        return parts[0]
    return " or ".join(f"({part})" for part in parts)


def _condition(expression: str, description: str) -> list[dict[str, Any]]:
    return [
        {
            "kind": "applicability",
            "expression": {
                "description": description,
                "language": FHIRPATH,
                "expression": expression,
            },
        }
    ]


def _machine_name(text: str) -> str:
    """A computable name (``^[A-Z][A-Za-z0-9_]{0,254}$``)."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Program"
    return (name if name[0].isalpha() else f"P{name}")[:255]


def _billing(code: str) -> dict[str, str] | None:
    if _CPT.fullmatch(code):
        return {"system": CPT_SYSTEM, "code": code}
    if _HCPCS.fullmatch(code):
        return {"system": HCPCS_SYSTEM, "code": code}
    return None


def _kind(block: Block) -> dict[str, Any]:
    return {"coding": [{"system": KIND_SYSTEM, "code": block.kind.value}], "text": block.kind.value}


_ROLES = {
    Format.GROUP: ("group facilitator", None),
    Format.INDIVIDUAL: ("therapist", None),
    Format.FAMILY: ("therapist", "family member"),
}


def _participants(block: Block) -> list[dict[str, Any]]:
    clinician, relative = _ROLES[block.format]
    found = [
        {"type": "practitioner", "role": {"text": clinician}},
        {"type": "patient", "role": {"text": "participant"}},
    ]
    if relative:
        found.append({"type": "relatedperson", "role": {"text": relative}})
    return found


class _Plan:
    """What one export shares: ids, canonical URLs and titles."""

    def __init__(self, curriculum: Curriculum, base: str, version: str | None) -> None:
        self.curriculum = curriculum
        self.names = Names(curriculum)
        self.base = base
        self.id = fhir_id(curriculum.program.name)
        self.version = version or _content_version(curriculum)
        self.url = canonical(base, "PlanDefinition", self.id)

    def activity_id(self, activity: str) -> str:
        return fhir_id(activity, "act-")

    def activity_url(self, activity: str) -> str:
        return canonical(self.base, "ActivityDefinition", self.activity_id(activity))


def _content_version(curriculum: Curriculum) -> str:
    """12 hexadecimal digits of a hash of the curriculum's JSON file: the same curriculum
    always has the same version, and any change gives another."""
    from iopkit._files._load import curriculum_json
    from iopkit.errors import IopkitError

    try:
        content = curriculum_json(curriculum)
    except IopkitError:  # no catalog to carry: the objects themselves
        content = repr(curriculum)
    return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _activity_definitions(plan: _Plan) -> list[dict[str, Any]]:
    """One ActivityDefinition per activity the curriculum uses (breaks excluded)."""
    first: dict[str, Block] = {}
    lengths: dict[str, set[int]] = {}
    for _, _, _, block in plan.curriculum.blocks():
        if block.is_break:
            continue
        first.setdefault(block.activity, block)
        lengths.setdefault(block.activity, set()).add(block.service_minutes)
    result = []
    for activity in sorted(first):
        block = first[activity]
        used = sorted(lengths[activity])
        title = one_line(block.title)
        code = _kind(block)
        billed = plan.names.billing_code(block)
        coding = _billing(billed) if billed else None
        if coding:
            code["coding"].insert(0, coding)
        code["text"] = title
        usage = [f"Format: {block.format.value}."]
        if billed and not coding:
            usage.append(f"Billing code {md(billed)} (system not recognised).")
        lesson = plan.names.lesson(block)
        if lesson:
            usage.append(f"{md(lesson)}.")
        resource: dict[str, Any] = {
            "resourceType": "ActivityDefinition",
            "id": plan.activity_id(activity),
            "url": plan.activity_url(activity),
            "version": plan.version,
            "name": _machine_name(activity),
            "title": title,
            "status": "draft",
            "kind": "ServiceRequest",
            "intent": "proposal",
            "code": code,
            "participant": _participants(block),
            "usage": " ".join(usage),
        }
        if block.modality:
            resource["topic"] = [{"text": plan.names.modality(block.modality)}]
        goals = objectives(block)
        if goals:
            resource["purpose"] = " ".join(md(g) for g in goals)
        if len(used) == 1:
            resource["timingDuration"] = _minutes(used[0])
        else:
            resource["timingRange"] = {"low": _minutes(used[0]), "high": _minutes(used[-1])}
        result.append(resource)
    return result


def _block_action(
    plan: _Plan, session_link: str, index: int, block: Block, definitions: dict[str, str]
) -> dict[str, Any]:
    link = f"{session_link}-block-{index}"
    action: dict[str, Any] = {
        "linkId": link,
        "title": one_line(block.title),
        "code": _kind(block),
        "timingDuration": _minutes(block.minutes),
    }
    lesson = plan.names.lesson(block)
    notes = []
    if lesson:
        track = f" ({md(block.track)} track)" if block.track else ""
        notes.append(f"{md(lesson)}{track}.")
    if block.pause is not None:
        notes.append(
            f"Holds the session's break inside it: {md(one_line(block.pause.title))}, "
            f"{block.pause.minutes} minutes, from minute {block.pause.at} of the block "
            f"({block.service_minutes} minutes of service)."
        )
    if notes:
        action["description"] = " ".join(notes)
    if block.activity in definitions:
        action["definitionCanonical"] = definitions[block.activity]
    if index > 1:
        action["relatedAction"] = [
            {"targetId": f"{session_link}-block-{index - 1}", "relationship": "after-end"}
        ]
    return action


def _session_action(
    plan: _Plan,
    week: Week,
    session: Session,
    previous: str | None,
    definitions: dict[str, str],
) -> dict[str, Any]:
    """One session: its day in the week, clock time and length, then its blocks."""
    curriculum = plan.curriculum
    link = f"session-{session.number}"
    program = curriculum.program
    first_day = program.start.weekday() if program.start else 0
    day = (session.day.position - first_day) % 7
    related: list[dict[str, Any]] = [
        {
            "targetId": f"week-{week.number}",
            "relationship": "after-start",
            "offsetDuration": _days(day),
        }
    ]
    if previous is not None:
        related.append({"targetId": previous, "relationship": "after-end"})
    return {
        "linkId": link,
        "title": f"Session {session.number}",
        "description": md(
            f"{when(session)}, {span(curriculum, 0, session.minutes)}: "
            f"{service(session.service_minutes)}."
        ),
        "timingTiming": {
            "repeat": {
                "count": 1,
                "duration": session.minutes,
                "durationUnit": "min",
                "dayOfWeek": [session.day.value],
                "timeOfDay": [f"{program.start_time}:00"],
            }
        },
        "relatedAction": related,
        "groupingBehavior": "logical-group",
        "selectionBehavior": "all",
        "requiredBehavior": "must",
        "action": _session_children(plan, session, definitions),
    }


def _blocks(
    plan: _Plan, link: str, blocks: tuple[Block, ...], definitions: dict[str, str]
) -> list[dict[str, Any]]:
    return [
        _block_action(plan, link, index, block, definitions)
        for index, block in enumerate(blocks, start=1)
    ]


def _session_children(
    plan: _Plan, session: Session, definitions: dict[str, str]
) -> list[dict[str, Any]]:
    """A session's blocks; with groups, its sittings in time order: groups before it, its
    main blocks (an action of their own when a group meets beside them), groups beside
    it, groups after it."""
    link = f"session-{session.number}"
    if not session.groups:
        return _blocks(plan, link, session.blocks, definitions)
    beside = [g for g in session.groups if g.place is Place.BESIDE]
    main = f"{link}-main" if beside else f"{link}-block-1"
    last = f"{link}-main" if beside else f"{link}-block-{len(session.blocks)}"
    children: list[dict[str, Any]] = []
    for sitting in sittings(session):
        group = sitting.group
        if group is None and not beside:
            children += _blocks(plan, link, session.blocks, definitions)
        elif group is None:
            phases = [_phase(plan, g) for g in beside]
            known = [p for p in phases if p is not None]
            action: dict[str, Any] = {
                "linkId": main,
                "title": "Main session",
                "description": md(
                    f"{span(plan.curriculum, 0, session.minutes)}, {EVERY_OTHER} (those "
                    f"in no group beside the session)."
                ),
                "timingTiming": _clock(plan, 0, session.minutes),
            }
            if known:
                either = " or ".join(f"({e})" for e, _ in known)
                action["condition"] = _condition(
                    f"({either}).not()", "Patients in no group beside the session"
                )
            action["groupingBehavior"] = "logical-group"
            action["selectionBehavior"] = "all"
            action["action"] = _blocks(plan, link, session.blocks, definitions)
            children.append(action)
        else:
            target = {
                Place.BEFORE: (main, "before-start"),
                Place.BESIDE: (main, "concurrent-with-start"),
                Place.AFTER: (last, "after-end"),
            }[group.place]
            children.append(_group_action(plan, session, group, target, definitions))
    return children


def _clock(plan: _Plan, start: int, minutes: int) -> dict[str, Any]:
    """Timing at a clock time of the session's day, lasting ``minutes``."""
    return {
        "repeat": {
            "count": 1,
            "duration": minutes,
            "durationUnit": "min",
            "timeOfDay": [f"{clock(plan.curriculum, start)}:00"],
        }
    }


def _phase(plan: _Plan, group: SessionGroup) -> tuple[str, str] | None:
    """Who attends a group: its phase as a FHIRPath expression and in words (``None``
    when the program does not define the group)."""
    definition = plan.curriculum.program.group(group.name)
    if definition is None:
        return None
    spans = definition.patient_weeks
    return phase_expression(spans), describe_phase(spans)


def _group_action(
    plan: _Plan,
    session: Session,
    group: SessionGroup,
    target: tuple[str, str],
    definitions: dict[str, str],
) -> dict[str, Any]:
    """One group's sitting in a session: its clock time and length, room, who attends it
    (as a condition), and its blocks."""
    link = f"session-{session.number}-{group.name}"
    end = group.start + group.minutes
    words = [f"{span(plan.curriculum, group.start, end)}, {PLACES[group.place]}"]
    if group.room:
        words.append(f"in {one_line(group.room)}")
    phase = _phase(plan, group)
    if phase is not None:
        words.append(f"for {phase[1]}")
    action: dict[str, Any] = {
        "linkId": link,
        "title": group_title(group),
        "description": md(", ".join(words) + f": {service(group.service_minutes)}."),
        "timingTiming": _clock(plan, group.start, group.minutes),
        "relatedAction": [{"targetId": target[0], "relationship": target[1]}],
    }
    if phase is not None:
        action["condition"] = _condition(phase[0], f"Patients in {phase[1]}")
    if group.room:
        action["location"] = {"concept": {"text": one_line(group.room)}}
    action["groupingBehavior"] = "logical-group"
    action["selectionBehavior"] = "all"
    action["action"] = _blocks(plan, link, group.blocks, definitions)
    return action


def _week_action(
    plan: _Plan, week: Week, previous_session: str | None, definitions: dict[str, str]
) -> dict[str, Any]:
    notes = [f"{service(week.service_minutes)} (breaks excluded)."]
    notes += [f"{c.describe()}." for c in week_closures(plan.curriculum, week)]
    action: dict[str, Any] = {
        "linkId": f"week-{week.number}",
        "title": f"Week {week.number}",
        "description": md(" ".join(notes)),
        "timingTiming": {"repeat": {"boundsDuration": _days(7)}},
        "groupingBehavior": "logical-group",
        "selectionBehavior": "all",
    }
    if plan.curriculum.program.cycle:  # the week recurs once a cycle, for 7 days
        action["timingTiming"] = {
            "repeat": {
                "duration": 7,
                "durationUnit": "d",
                "period": len(plan.curriculum.weeks),
                "periodUnit": "wk",
            }
        }
    if week.number > 1:
        action["relatedAction"] = [
            {
                "targetId": f"week-{week.number - 1}",
                "relationship": "after-start",
                "offsetDuration": _days(7),
            }
        ]
    sessions = []
    for session in week.sessions:
        sessions.append(_session_action(plan, week, session, previous_session, definitions))
        previous_session = sessions[-1]["linkId"]
    if sessions:
        action["action"] = sessions
    return action


def _admission_action(plan: _Plan) -> dict[str, Any]:
    """Open enrolment: one option per admission point, each bounding a patient's plan
    from the session it admits at to the end of the patient's last week."""
    curriculum = plan.curriculum
    program = curriculum.program
    stay = program.patient_stay
    first_day = program.start.weekday() if program.start else 0
    options = []
    for point in admission_points(curriculum):
        session = curriculum.weeks[point.week - 1].sessions[point.index]
        day = (session.day.position - first_day) % 7
        repeat: dict[str, Any] = (
            {"boundsDuration": _days(7 * stay.min - day)}
            if stay.fixed
            else {
                "boundsRange": {"low": _days(7 * stay.min - day), "high": _days(7 * stay.max - day)}
            }
        )
        options.append(
            {
                "linkId": f"admission-{point.session}",
                "title": f"Admitted in week {point.week}, at session {point.session}",
                "description": md(
                    f"The plan of a patient admitted at session {point.session} "
                    f"({when(session)}): every session from it to the end of the "
                    f"patient's last week, {stay.describe()} counted from week {point.week}."
                ),
                "timingTiming": {"repeat": repeat},
                "relatedAction": [
                    {
                        "targetId": f"session-{point.session}",
                        "relationship": "concurrent-with-start",
                    }
                ],
            }
        )
    admission = program.admission
    when_ = admission.describe() if admission is not None else "admitted once"
    return {
        "linkId": "admission",
        "title": "Admission",
        "description": md(
            f"Patients are {when_} and stay {stay.describe()}. Choose the admission point; "
            "the patient's plan is every session within its bounds, and each group's "
            "condition reads %patientWeek as the week of the session counted from the "
            "week of admission (1), and %stay as the patient's stay in weeks."
        ),
        "groupingBehavior": "logical-group",
        "selectionBehavior": "exactly-one",
        "requiredBehavior": "must",
        "cardinalityBehavior": "single",
        "action": options,
    }


def _description(plan: _Plan) -> str:
    curriculum = plan.curriculum
    program = curriculum.program
    days = ", ".join(d.value.title() for d in program.days)
    parts = [
        f"A {len(curriculum.weeks)}-week intensive outpatient curriculum composed with "
        f"iopkit: sessions on {md(days)} from {program.start_time}"
        + (f" ({md(program.timezone)})" if program.timezone else "")
        + ". Timing is relative to day 0, the program's first day or a patient's admission.",
    ]
    admission = program.admission
    if admission is not None:
        parts.append(
            f"Open enrolment: patients are {admission.describe()} and stay "
            f"{program.patient_stay.describe()}; the 'admission' action bounds each "
            "patient's plan."
            + (
                f" The {len(curriculum.weeks)} weeks repeat as a cycle (week 1 follows the last)."
                if program.cycle
                else ""
            )
        )
    if program.groups:
        parts.append(
            "Groups meet for the patients of their phase: each group's condition is a "
            "FHIRPath expression on %patientWeek (the week of the patient's stay, 1 for "
            "the week of admission) and %stay (the patient's stay in weeks)."
        )
    for label, value in (("Location", program.location), ("Facilitator", program.facilitator)):
        if value:
            parts.append(f"{label}: {md(value)}.")
    found = closures(curriculum)
    if found:
        parts.append("Closures: " + "; ".join(md(c.describe()) for c in found) + ".")
    parts.append(DISCLAIMER)
    return " ".join(parts)


def _plan_definition(plan: _Plan, definitions: dict[str, str]) -> dict[str, Any]:
    program = plan.curriculum.program
    weeks = []
    previous: str | None = None
    for week in plan.curriculum.weeks:
        weeks.append(_week_action(plan, week, previous, definitions))
        if week.sessions:
            previous = f"session-{week.sessions[-1].number}"
    if program.admission is not None:
        weeks.insert(0, _admission_action(plan))
    resource: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": plan.id,
        "url": plan.url,
        "version": plan.version,
        "name": _machine_name(program.name),
        "title": one_line(program.name),
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                    "code": "clinical-protocol",
                }
            ]
        },
        "status": "draft",
        "description": _description(plan),
        "action": weeks,
    }
    if program.clinic:
        resource["publisher"] = one_line(program.clinic)
    if program.start is not None and program.cycle:  # a cycle has no end
        resource["effectivePeriod"] = {"start": program.start.isoformat()}
    elif program.start is not None and plan.curriculum.weeks:
        end = program.start.toordinal() + 7 * len(plan.curriculum.weeks) - 1
        resource["effectivePeriod"] = {
            "start": program.start.isoformat(),
            "end": type(program.start).fromordinal(end).isoformat(),
        }
    return resource


def kind_code_system() -> dict[str, Any]:
    """The code system of iopkit's activity kinds, as a FHIR R5 ``CodeSystem``."""
    return {
        "resourceType": "CodeSystem",
        "id": "iopkit-activity-kind",
        "url": KIND_SYSTEM,
        "version": __version__,
        "name": "IopkitActivityKind",
        "title": "iopkit activity kinds",
        "status": "draft",
        "description": "What an activity does in an intensive outpatient session. " + DISCLAIMER,
        "caseSensitive": True,
        "content": "complete",
        "concept": [
            {"code": kind.value, "display": kind.value.replace("-", " ").capitalize()}
            for kind in ActivityKind
        ],
    }


def _entry(resource: dict[str, Any], version: str) -> dict[str, Any]:
    name = f"{resource['url']}|{version}"
    return {
        "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}",
        "resource": resource,
        "request": {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"},
    }


def to_fhir(
    curriculum: Curriculum,
    *,
    base: str = DEFAULT_BASE,
    version: str | None = None,
    bundle: bool = False,
) -> dict[str, Any]:
    """The curriculum as an HL7 FHIR R5 ``PlanDefinition`` (a JSON-ready dict).

    The program is the definition, with a canonical ``url`` and a ``version``; nested
    actions hold weeks, sessions and blocks. Timing is relative to day 0 (the program's
    first day or a patient's admission): see this module's documentation. Blocks point
    to an ``ActivityDefinition`` per activity, with its billing code (CPT or HCPCS),
    kind, participants, length and objectives; breaks have none.

    Args:
        curriculum: The curriculum.
        base: The canonical base of the URLs (``https://fhir.example.org/fhir``, say);
            by default the URN ``urn:iopkit``, which names the resources but resolves
            nowhere.
        version: The business version; by default 12 hexadecimal digits of a hash of
            the curriculum, so that any change gives a new version.
        bundle: ``False`` (default): the PlanDefinition with its ActivityDefinitions
            contained in it. ``True``: a ``transaction`` Bundle that PUTs iopkit's
            activity-kind CodeSystem, each ActivityDefinition and the PlanDefinition
            (which refers to them by canonical URL and version), ready for a server.
    """
    expect(curriculum, Curriculum, "to_fhir() takes a Curriculum", READ_CURRICULUM)
    expect(base, str, "base must be a text (a URL)")
    expect(version, (str, type(None)), "version must be a text or None")
    expect(bundle, bool, "bundle must be True or False")
    plan = _Plan(curriculum, base, version)
    activities = _activity_definitions(plan)
    used = sorted({b.activity for _, _, _, b in curriculum.blocks() if not b.is_break})
    if not bundle:
        resource = _plan_definition(plan, {a: f"#{plan.activity_id(a)}" for a in used})
        contained = []
        for activity in activities:
            inner = dict(activity)
            del inner["url"], inner["version"]  # contained resources are not canonical
            contained.append(inner)
        resource["contained"] = contained
        return resource
    refs = {a: f"{plan.activity_url(a)}|{plan.version}" for a in used}
    resources = [kind_code_system(), *activities, _plan_definition(plan, refs)]
    return {
        "resourceType": "Bundle",
        "id": fhir_id(f"{plan.id}-{plan.version}"),
        "type": "transaction",
        "entry": [_entry(r, plan.version) for r in resources],
    }


def to_fhir_json(
    curriculum: Curriculum,
    *,
    base: str = DEFAULT_BASE,
    version: str | None = None,
    bundle: bool = False,
) -> str:
    """:func:`to_fhir` as indented JSON text."""
    expect(curriculum, Curriculum, "to_fhir_json() takes a Curriculum", READ_CURRICULUM)
    resource = to_fhir(curriculum, base=base, version=version, bundle=bundle)
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"
