"""Hostile inputs made at test time, and a way to run the command line as a separate
process with a time limit while measuring its peak memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import attrs

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "adult-iop.yaml"
#: Every hostile case must end within this many seconds...
SECONDS = 10.0
#: ... and within this many megabytes of peak resident memory.
MEGABYTES = 500

_HEAD = """iopkit: program/1
name: Hostile
weeks: {weeks}
days: [mon, tue, thu]
session:
  minutes: {{min: {low}, max: {high}}}
  opening: [check-in]
  closing: [wrap-up]
"""
_MODULES = [
    "cbt-foundations",
    "stress-and-breathing",
    "cognitive-restructuring",
    "sleep-management",
    "relapse-prevention",
    "psychoeducation-conditions",
    "dbt-mindfulness",
    "dbt-distress-tolerance",
    "dbt-emotion-regulation",
    "dbt-interpersonal-effectiveness",
]
_ACTIVITIES = [
    "mindfulness-practice",
    "process-group",
    "psychoeducation-group",
    "role-play",
    "stress-management",
    "breathing-exercises",
    "cognitive-restructuring-practice",
    "sleep-management-review",
    "peer-support-circle",
    "individual-check-in",
    "individual-therapy",
    "family-session",
    "medication-review",
    "expressive-arts",
    "goal-setting",
    "progress-measures",
]


def thirty_tracks() -> dict[str, str]:
    """A 1.6 KB program with 30 plain tracks (once: a MemoryError at 2 GB)."""
    tracks = "".join(
        f"  - {{name: T{i}, modules: [{_MODULES[i % len(_MODULES)]}]}}\n" for i in range(30)
    )
    return {"program.yaml": _HEAD.format(weeks=12, low=180, high=210) + "tracks:\n" + tracks}


def thresholds() -> dict[str, str]:
    """Six interchangeable flexible activities and 47 ``min_minutes`` thresholds (once:
    180 s at 1.9 GB)."""
    catalog = "iopkit: catalog/1\nactivities:\n" + "".join(
        f"  - {{id: flex-{i}, title: Flex {i}, kind: skills-practice, "
        "minutes: {min: 5, max: 240}}\n"
        for i in range(6)
    )
    fill = ", ".join(f"flex-{i}" for i in range(6))
    program = _HEAD.format(weeks=8, low=180, high=240) + f"  fill: [{fill}]\n"
    program += "catalogs: [builtin, flex-catalog.yaml]\nrequire:\n"
    program += "".join(
        f"  - {{kind: skills-practice, min_minutes: {5 + 5 * i}, per: week, min: 1}}\n"
        for i in range(47)
    )
    return {"program.yaml": program, "flex-catalog.yaml": catalog}


def candidates() -> dict[str, str]:
    """An infeasible program whose explanation has 1,000 candidate facts (once: 223 s)."""
    program = _HEAD.format(weeks=8, low=180, high=210)
    program += "  breaks: {after: 90, minutes: 10}\nrequire:\n"
    program += "  - {activity: role-play, per: session, min: 2}\n"
    program += "  - {kind: role-play, per: week, max: 5}\n"
    program += "".join(
        f"  - {{activity: {_ACTIVITIES[i % len(_ACTIVITIES)]}, per: week, min: 0, max: {50 + i}}}\n"
        for i in range(998)
    )
    return {"program.yaml": program}


def long_program() -> dict[str, str]:
    """The example program stretched to 520 weeks (building and checking the result)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("weeks: 8\n", "weeks: 520\n").replace(
        "{from: 2, to: 8}", "{from: 2, to: 520}"
    )
    return {"program.yaml": text}


def huge_result() -> dict[str, str]:
    """A 250-byte program whose curriculum would be larger than iopkit reads back."""
    return {
        "program.yaml": "iopkit: program/1\nname: Huge result\nweeks: 520\n"
        "days: [mon, tue, wed, thu, fri, sat, sun]\n"
        "session:\n  minutes: {min: 600, max: 700}\n  opening: [check-in]\n"
        "  closing: [wrap-up]\nweekly_minutes: {min: 1}\n"
    }


def alias_tracks() -> str:
    """About 7 KB of YAML whose aliases repeat a 200-module list in 100 tracks."""
    modules = ", ".join(_MODULES[i % len(_MODULES)] for i in range(200))
    text = _HEAD.format(weeks=8, low=180, high=210)
    text += "tracks:\n"
    text += f"  - {{name: T0, modules: &m [{modules}]}}\n"
    text += "".join(f"  - {{name: T{i}, modules: *m}}\n" for i in range(1, 100))
    return text


def mixed_closures(size: int = 110_000) -> str:
    """A program (JSON) whose ``closures`` list holds ``size`` bytes of values of mixed
    types, none equal (once: 115 s in ``uniqueItems``)."""
    import json

    items: list[object] = []
    length = 0
    i = 0
    while length < size:
        i += 1
        item = [[i], {"a": i}, i, f"s{i}", [str(i)], {"b": [i]}][i % 6]
        items.append(item)
        length += len(json.dumps(item)) + 2
    program = {
        "iopkit": "program/1",
        "name": "Closures",
        "weeks": 8,
        "days": ["mon"],
        "session": {"minutes": {"min": 60}},
        "closures": items,
    }
    return json.dumps(program)


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write the files into ``folder``; the path of ``program.yaml``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder / "program.yaml"


@attrs.frozen
class Ran:
    """A finished run of the command line."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    megabytes: float
    killed: bool


def _high_water_kb(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM, in kB), or 0 if unknown."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return 0


def run_cli(
    *args: object,
    timeout: float = SECONDS,
    cwd: Path | None = None,
    stdin: int | None = None,
    stdout: Path | None = None,
) -> Ran:
    """Run ``python -m iopkit ARGS`` in a process of its own; kill it after ``timeout``.

    Its output goes to files (so a full pipe never blocks it) and its peak resident memory
    comes from ``wait4``. ``stdout`` names the file for standard output (default: a
    temporary one, read back).
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="iopkit-run-") as scratch:
        out_path = stdout or Path(scratch) / "stdout"
        err_path = Path(scratch) / "stderr"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            start = time.monotonic()
            proc = subprocess.Popen(
                [sys.executable, "-m", "iopkit", *map(str, args)],
                stdin=subprocess.DEVNULL if stdin is None else stdin,
                stdout=out,
                stderr=err,
                cwd=cwd,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            killed = False
            peak_kb = 0
            while True:
                peak_kb = max(peak_kb, _high_water_kb(proc.pid))
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - start > timeout:
                    os.kill(proc.pid, signal.SIGKILL)
                    killed = True
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.02)
            seconds = time.monotonic() - start
            code = os.waitstatus_to_exitcode(status)
            proc.returncode = code  # reaped here: Popen must not wait for it again
        return Ran(
            code=code,
            stdout=out_path.read_text(encoding="utf-8", errors="replace"),
            stderr=err_path.read_text(encoding="utf-8", errors="replace"),
            seconds=seconds,
            # wait4's figure starts from the parent's own peak (Linux carries the forking
            # process's high-water mark across exec), so a test process that grew large
            # would blame the child: the child's own VmHWM, sampled while it runs, is the
            # figure wanted; wait4's is the fallback where /proc is missing.
            megabytes=(peak_kb or usage.ru_maxrss) / 1024,
            killed=killed,
        )
