"""Markdown: a facilitator's schedule, week by week and session by session."""

from __future__ import annotations

from iopkit.curriculum._curriculum import Curriculum
from iopkit.export._common import DISCLAIMER, clock


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(curriculum: Curriculum) -> str:
    """A facilitator's schedule in Markdown: clock times, activities, lessons, objectives."""
    program = curriculum.program
    lines = [f"# {program.name}", ""]
    sessions = sum(len(w.sessions) for w in curriculum.weeks)
    lines.append(
        f"{len(curriculum.weeks)} weeks, {sessions} sessions on "
        f"{', '.join(d.value for d in program.days)}, starting at {program.start_time}."
    )
    lines += ["", f"> {DISCLAIMER}", ""]
    for week in curriculum.weeks:
        lines += [f"## Week {week.number}", ""]
        lines.append(f"{len(week.sessions)} sessions, {week.service_minutes / 60:g} service hours.")
        lines.append("")
        if not week.sessions:
            lines += ["No sessions this week.", ""]
        for session in week.sessions:
            when = session.date.isoformat() if session.date else "no date"
            end = clock(curriculum, session.minutes)
            lines.append(
                f"### Session {session.number}: {session.day.value.title()} {when}, "
                f"{clock(curriculum, 0)} to {end}"
            )
            lines.append("")
            lines.append(f"{session.minutes} minutes, {session.service_minutes} of them service.")
            lines.append("")
            lines.append("| Time | Minutes | Activity | Lesson | Objectives |")
            lines.append("| --- | ---: | --- | --- | --- |")
            for block in session.blocks:
                lesson = ""
                if block.module is not None:
                    lesson = f"{block.module}, lesson {block.lesson} ({block.track})"
                lines.append(
                    f"| {clock(curriculum, block.start)} | {block.minutes} | {_cell(block.title)} | "
                    f"{_cell(lesson)} | {_cell('; '.join(block.objectives))} |"
                )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
