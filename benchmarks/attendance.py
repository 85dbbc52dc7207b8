"""Attendance benchmark: CPU time to read a year of records and report on them.

Run: python benchmarks/attendance.py [--repeat N] [--patients N] [--weeks N]

Every figure is CPU time (``time.process_time``): the median and the minimum of
``--repeat`` runs (at least 5). Two clinics, both on the shipped substance-use example (a
16-week cycle, three evenings a week, groups before and after the sessions):

- ``stays``: ``--patients`` patients each with ``--weeks`` weeks of records (the example
  with its stay set to that many weeks: 200 x 52 by default, the issue's size);
- ``year``: ``--patients`` patients admitted through a year, each staying the example's
  16 weeks, with records up to the end of the year.

Records are mostly one per session, with one in ten sessions also holding a record for a
group's sitting or a block, and random absences. For each clinic: composing the
curriculum, reading the CSV (parsing, schema check, records), the report
(``attendance()``), and each export; then ratios measured side by side in the same run:
the report over reading its records, and reading plus reporting over composing the
curriculum the records are about. The issue's target is under 2 s for 200 patients x 52
weeks (read + report).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from iopkit.curriculum import (
    AttendanceReport,
    Curriculum,
    Program,
    attendance,
    attendance_csv,
    attendance_html,
    attendance_json,
    attendance_markdown,
    compose,
    load_attendance,
    load_program,
)
from iopkit.curriculum._journey import Walker

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
#: The issue's target for reading and reporting 200 patients x 52 weeks, in CPU seconds.
TARGET = 2.0
T = TypeVar("T")


def program(stay: int) -> Program:
    """The substance-use example with its patients staying ``stay`` weeks."""
    text = (EXAMPLES / "substance-use-iop.yaml").read_text(encoding="utf-8")
    text = text.replace("stay: {weeks: 16}", f"stay: {{weeks: {stay}}}")
    return load_program(text.encode("utf-8"), roots=[EXAMPLES])


def records(found: Curriculum, patients: int, spread: int, end: dt.date, seed: int = 15) -> str:
    """CSV records for ``patients`` admitted in the first ``spread`` weeks, up to ``end``."""
    rng = random.Random(seed)
    walker = Walker(found)
    stay = found.program.patient_stay.max
    weeks = len(found.weeks)
    points = [
        (point, run)
        for run in range(spread // weeks + 1)
        for point in walker.points
        if point.week - 1 + run * weeks < spread
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["patient", "admitted", "date", "group", "block", "status", "minutes"])
    for number in range(patients):
        point, run = rng.choice(points)
        journey = walker.journey(point, stay, run)
        pid = f"P{number + 1:04d}"
        admitted = journey.admitted_date
        assert admitted is not None  # the example has dates
        for _, visit in journey.visits():
            assert visit.date is not None
            if visit.date > end:
                break
            row = [pid, admitted.isoformat(), visit.date.isoformat()]
            roll = rng.random()
            if roll < 0.08:
                writer.writerow([*row, "", "", "absent", ""])
            elif roll < 0.1:
                writer.writerow([*row, "", "", "excused", ""])
            elif roll < 0.15:
                writer.writerow([*row, "", "", "late", rng.choice([5, 15, 30])])
            else:
                writer.writerow([*row, "", "", "present", ""])
            if rng.random() < 0.1:
                item = rng.choice(visit.blocks)
                mine = [i for i in visit.blocks if i.group == item.group]
                writer.writerow([*row, item.group or "", mine.index(item) + 1, "left-early", 1])
    return out.getvalue()


def timed(label: str, repeat: int, work: Callable[[], T]) -> tuple[T, float]:
    """Run ``work`` ``repeat`` times; print the median and minimum CPU time and return
    the last result with the median."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        result = work()
        times.append(time.process_time() - start)
    median = statistics.median(times)
    print(f"  {label:34} median {median:7.3f} s   min {min(times):7.3f} s")
    return result, median


def clinic(name: str, program: Program, text: str, repeat: int) -> None:
    """Time composing, reading, reporting and exporting one clinic's records."""
    rows = text.count("\n") - 1
    patients = len({line.split(",", 1)[0] for line in text.splitlines()[1:]})
    print(f"{name}: {patients} patients, {rows} records, {len(text) / 1024 / 1024:.1f} MiB of CSV")
    found, compose_time = timed("compose (menus cached by shape)", repeat, lambda: compose(program))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.csv"
        path.write_text(text, encoding="utf-8")
        loaded, read_time = timed("read the CSV", repeat, lambda: load_attendance(path))
        report, report_time = timed("attendance()", repeat, lambda: attendance(found, loaded))
        _, whole_time = timed(
            "read + attendance()  (the target)",
            repeat,
            lambda: attendance(found, load_attendance(path)),
        )
        exports: tuple[tuple[str, Callable[[AttendanceReport], str]], ...] = (
            ("markdown", attendance_markdown),
            ("html", attendance_html),
            ("csv", attendance_csv),
            ("json", attendance_json),
        )
        for label, export in exports:
            timed(f"export {label}", repeat, lambda e=export: e(report))  # type: ignore[misc]
    print(f"  ratio attendance() / read the CSV       {report_time / read_time:6.2f}")
    print(f"  ratio read + attendance() / compose     {whole_time / compose_time:6.2f}")
    verdict = "within" if whole_time < TARGET else "OVER"
    print(f"  read + attendance() {whole_time:.3f} s: {verdict} the {TARGET:g} s target")


def main() -> None:
    """Time the two clinics."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=52)
    args = parser.parse_args()
    repeat = max(5, args.repeat)

    long_stays = program(args.weeks)
    start = long_stays.start
    assert start is not None
    # every patient admitted in the first cycle, and followed for their whole stay
    end = start + dt.timedelta(weeks=16 + args.weeks)
    text = records(compose(long_stays), args.patients, 16, end)
    clinic("stays", long_stays, text, repeat)

    year = program(16)
    end = start + dt.timedelta(weeks=args.weeks, days=-1)
    clinic("year", year, records(compose(year), args.patients, args.weeks, end), repeat)


if __name__ == "__main__":
    main()
