"""HL7 FHIR R5 PlanDefinition: the curriculum as a protocol EHRs can import."""

from __future__ import annotations

import json
import re
from typing import Any

from iopkit._session import Block
from iopkit.curriculum._curriculum import Curriculum
from iopkit.export._common import DISCLAIMER, slug

UCUM = "http://unitsofmeasure.org"
KIND_SYSTEM = "urn:iopkit:activity-kind"
MODALITY_SYSTEM = "urn:iopkit:modality"


def _minutes(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "min", "system": UCUM, "code": "min"}


def _machine_name(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Program"
    return name if name[0].isalpha() else f"P{name}"


def _activity_definitions(curriculum: Curriculum) -> list[dict[str, Any]]:
    seen: dict[str, Block] = {}
    lengths: dict[str, set[int]] = {}
    for _, _, _, block in curriculum.blocks():
        seen.setdefault(block.activity, block)
        lengths.setdefault(block.activity, set()).add(block.minutes)
    result = []
    for activity_id in sorted(seen):
        block = seen[activity_id]
        used = sorted(lengths[activity_id])
        resource: dict[str, Any] = {
            "resourceType": "ActivityDefinition",
            "id": f"act-{activity_id}",
            "status": "draft",
            "name": _machine_name(activity_id),
            "title": block.title,
            "code": {
                "coding": [{"system": KIND_SYSTEM, "code": block.kind.value}],
                "text": block.kind.value,
            },
            "usage": f"Format: {block.format.value}.",
        }
        if block.modality:
            resource["topic"] = [
                {
                    "coding": [{"system": MODALITY_SYSTEM, "code": block.modality}],
                    "text": block.modality,
                }
            ]
        if block.objectives:
            resource["purpose"] = " ".join(block.objectives)
        if len(used) == 1:
            resource["timingDuration"] = _minutes(used[0])
        else:
            resource["timingRange"] = {"low": _minutes(used[0]), "high": _minutes(used[-1])}
        result.append(resource)
    return result


def _after(link: str | None) -> list[dict[str, str]]:
    return [{"targetId": link, "relationship": "after-end"}] if link else []


def to_fhir(curriculum: Curriculum) -> dict[str, Any]:
    """The curriculum as an HL7 FHIR R5 ``PlanDefinition`` resource (a JSON-ready dict).

    The program is the definition; nested actions hold weeks, sessions and blocks, each
    after the one before (``relatedAction``); sessions carry their date, clock time and
    length in ``timingTiming``; blocks point to contained ``ActivityDefinition`` s.
    """
    program = curriculum.program
    weeks = []
    previous_week: str | None = None
    for week in curriculum.weeks:
        sessions = []
        previous_session: str | None = None
        for session in week.sessions:
            link = f"s{session.number}"
            blocks = []
            previous_block: str | None = None
            for index, block in enumerate(session.blocks, start=1):
                block_link = f"{link}-b{index}"
                action: dict[str, Any] = {
                    "linkId": block_link,
                    "title": block.title,
                    "code": {"coding": [{"system": KIND_SYSTEM, "code": block.kind.value}]},
                    "definitionCanonical": f"#act-{block.activity}",
                    "timingDuration": _minutes(block.minutes),
                }
                if block.module is not None:
                    action["description"] = (
                        f"Lesson {block.lesson} of module {block.module} (track {block.track})."
                    )
                related = _after(previous_block)
                if related:
                    action["relatedAction"] = related
                blocks.append(action)
                previous_block = block_link
            repeat: dict[str, Any] = {
                "duration": session.minutes,
                "durationUnit": "min",
                "dayOfWeek": [session.day.value],
                "timeOfDay": [f"{program.start_time}:00"],
            }
            timing: dict[str, Any] = {"repeat": repeat}
            if session.date is not None:
                timing["event"] = [session.date.isoformat()]
            session_action: dict[str, Any] = {
                "linkId": link,
                "title": f"Session {session.number}",
                "description": f"{session.minutes} minutes, {session.service_minutes} of them service.",
                "timingTiming": timing,
                "groupingBehavior": "logical-group",
                "selectionBehavior": "all",
                "action": blocks,
            }
            related = _after(previous_session)
            if related:
                session_action["relatedAction"] = related
            sessions.append(session_action)
            previous_session = link
        week_link = f"w{week.number}"
        week_action: dict[str, Any] = {
            "linkId": week_link,
            "title": f"Week {week.number}",
            "groupingBehavior": "logical-group",
            "selectionBehavior": "all",
        }
        if sessions:
            week_action["action"] = sessions
        related = _after(previous_week)
        if related:
            week_action["relatedAction"] = related
        weeks.append(week_action)
        previous_week = week_link
    resource: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": slug(program.name)[:64],
        "status": "draft",
        "name": _machine_name(program.name),
        "title": program.name,
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                    "code": "clinical-protocol",
                }
            ]
        },
        "description": (
            f"{len(curriculum.weeks)}-week intensive outpatient curriculum composed with iopkit. "
            f"{DISCLAIMER}"
        ),
        "contained": _activity_definitions(curriculum),
        "action": weeks,
    }
    if program.start is not None:
        resource["date"] = program.start.isoformat()
    return resource


def to_fhir_json(curriculum: Curriculum) -> str:
    """:func:`to_fhir` as indented JSON text."""
    return json.dumps(to_fhir(curriculum), indent=2, ensure_ascii=False) + "\n"
