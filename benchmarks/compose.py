"""Composer benchmark: CPU time of each tier beside its floor, and CP-SAT's time.

Run: python benchmarks/compose.py [--repeat N] [--no-oracle] [--oracle-seconds S] [--oracle-all]

Every figure is CPU time (``time.process_time``, or the children's user and system time
for whole processes): the median and the minimum of ``--repeat`` runs (at least 5). Each
composition tier prints, side by side from the same run:

- ``warm``: composing again in the same process (session menus cached by shape);
- ``cold``: composing with the menu cache emptied first;
- ``floor``: building the same curriculum's objects from scratch and dumping its JSON, the
  least any composer returns;
- the ratio of ``warm`` to ``floor``, and CP-SAT's time on the same program where it runs
  (on the 52-week tiers its model needs more than 13 GB, so only with ``--oracle-all``).

Then: ``import iopkit`` and ``iopkit compose -o x.json`` as whole processes, and loading a
520-week curriculum beside building its objects. Infeasible tiers print the time to
explain them, repairs included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import attrs

import iopkit
from iopkit import Activity, Block, Catalog, Range, Session, SkillModule
from iopkit.curriculum import (
    Curriculum,
    InfeasibleError,
    Program,
    RollingAdmission,
    Track,
    Week,
    WeeklyMinutes,
    compose,
    curriculum_json,
    load_curriculum,
    load_program,
    validate,
)

ROOT = Path(__file__).resolve().parent.parent


def synthetic_catalog(modules: int) -> Catalog:
    """The built-in catalog plus ``modules`` generated modules of three lessons each."""
    extra = []
    for m in range(modules):
        lessons = tuple(
            Activity(
                id=f"gen{m}-l{k}",
                title=f"Module {m} lesson {k}",
                kind="skills-training",
                minutes=45 if k < 2 else Range(min=45, max=50),
                modality="cbt",
            )
            for k in range(3)
        )
        requires = (f"gen{m - 1}",) if m % 5 else ()
        extra.append(
            SkillModule(
                id=f"gen{m}",
                title=f"Module {m}",
                modality="cbt",
                lessons=lessons,
                requires=requires,
            )
        )
    return iopkit.builtin_catalog().extend(modules=extra)


def tiers() -> list[tuple[str, Program, Catalog]]:
    """The feasible and infeasible tiers."""
    example = load_program(ROOT / "examples" / "adult-iop.yaml")
    builtin = iopkit.builtin_catalog()
    mid_catalog = synthetic_catalog(20)
    mid = attrs.evolve(
        example,
        weeks=16,
        days=("mon", "tue", "wed", "thu", "fri"),
        closures=(),
        makeup_days=(),
        weekly_minutes=WeeklyMinutes(min=900, max=1140),
        profiles=(),
        tracks=(
            Track(
                name="A", modules=tuple(f"gen{m}" for m in range(10)), per_week=Range(min=2, max=3)
            ),
            Track(
                name="B",
                modules=tuple(f"gen{m}" for m in range(10, 20)),
                per_week=Range(min=2, max=3),
            ),
        ),
    )
    big_catalog = synthetic_catalog(40)
    big = attrs.evolve(
        example,
        weeks=52,
        days=("mon", "tue", "wed", "thu", "fri"),
        closures=(dt.date(2027, 5, 31),),
        makeup_days=("sat",),
        weekly_minutes=WeeklyMinutes(min=900, max=1140),
        profiles=(),
        tracks=tuple(
            Track(
                name=f"T{t}",
                modules=tuple(f"gen{m}" for m in range(10 * t, 10 * t + 10)),
                per_week=Range(min=1, max=2),
                core=t < 2,
                repeat=t >= 2,
            )
            for t in range(4)
        ),
        rolling_admission=RollingAdmission(stay_weeks=26),
    )
    infeasible = attrs.evolve(
        big,
        weekly_minutes=WeeklyMinutes(min=1100, max=1140),
        session=attrs.evolve(big.session, minutes=Range(min=180, max=200)),
    )
    return [
        ("8 weeks x 3 days (README example)", example, builtin),
        ("16 weeks x 5 days, 20 modules", mid, mid_catalog),
        ("52 weeks x 5 days, 40 modules, 4 tracks, rolling", big, big_catalog),
        ("52 weeks, infeasible", infeasible, big_catalog),
        *infeasible_tiers(),
    ]


def infeasible_tiers() -> list[tuple[str, Program, Catalog]]:
    """Realistic infeasible programs, as clinics write them (examples/infeasible/)."""
    folder = ROOT / "examples" / "infeasible"
    found = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        program = load_program(path)
        assert program.catalog is not None
        found.append((f"infeasible: {path.stem}", program, program.catalog))
    return found


def clear_menus() -> None:
    """Empty the shared menu cache (so that the next composition starts cold)."""
    from iopkit.curriculum._composer import _menu

    with _menu._BOOKS_LOCK:  # noqa: SLF001 - a benchmark measures the cache on purpose
        _menu._BOOKS.clear()  # noqa: SLF001


def cpu(
    action: Callable[[], object], repeat: int, before: Callable[[], None] | None = None
) -> list[float]:
    """CPU seconds of ``action``, ``repeat`` times (``before`` runs untimed first)."""
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return times


def ms(times: list[float]) -> str:
    """``median / min`` in milliseconds."""
    return f"{statistics.median(times) * 1000:8.1f} / {min(times) * 1000:7.1f}"


def rebuild(curriculum: Curriculum) -> Curriculum:
    """The same curriculum built again from scratch, object by object."""
    weeks = []
    for week in curriculum.weeks:
        sessions = []
        for session in week.sessions:
            blocks = [
                Block(
                    start=b.start,
                    minutes=b.minutes,
                    activity=b.activity,
                    title=b.title,
                    kind=b.kind,
                    format=b.format,
                    modality=b.modality,
                    module=b.module,
                    lesson=b.lesson,
                    track=b.track,
                    objectives=b.objectives,
                )
                for b in session.blocks
            ]
            sessions.append(
                Session(
                    number=session.number,
                    day=session.day,
                    date=session.date,
                    blocks=blocks,
                    replaces=session.replaces,
                )
            )
        weeks.append(Week(number=week.number, sessions=sessions))
    return Curriculum(program=curriculum.program, weeks=weeks)


def floor(curriculum: Curriculum) -> None:
    """What any composer must at least do: build the objects and dump the JSON."""
    curriculum_json(rebuild(curriculum))


def outcome(program: Program, catalog: Catalog) -> tuple[str, Curriculum | None]:
    try:
        curriculum = compose(program, catalog, budget=600)
    except InfeasibleError as exc:
        caveat = "" if exc.minimal else ", not proven minimal"
        return f"infeasible ({len(exc.reasons)} reasons, {len(exc.repairs)} repairs{caveat})", None
    assert validate(curriculum, catalog=catalog).ok
    return "feasible", curriculum


def _cached_bytecode() -> dict[str, str]:
    """The environment of the measured processes: bytecode compiled once and read from
    its cache, as in an installed package (pip compiles it at install time). Without
    this, a shell with PYTHONDONTWRITEBYTECODE set compiles every module in every
    process, and the figure measures the compiler."""
    import compileall

    import iopkit as package

    compileall.compile_dir(str(Path(package.__file__).parent), quiet=1)
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def children_cpu(
    command: list[str], repeat: int, cwd: str, env: dict[str, str] | None = None
) -> list[float]:
    """CPU seconds (user and system) of a whole process, ``repeat`` times."""
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, check=True, capture_output=True, cwd=cwd, env=env)  # noqa: S603
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return times


def processes(repeat: int) -> None:
    """``import iopkit`` and ``iopkit compose -o x.json`` as whole processes."""
    python = sys.executable
    env = _cached_bytecode()
    with tempfile.TemporaryDirectory() as folder:
        bare = children_cpu([python, "-c", "pass"], repeat, folder, env)
        imported = children_cpu([python, "-c", "import iopkit"], repeat, folder, env)
        curriculum_api = children_cpu(
            [python, "-c", "import iopkit.curriculum, iopkit.export"], repeat, folder, env
        )
        script = Path(python).parent / "iopkit"
        cli = [str(script)] if script.exists() else [python, "-m", "iopkit"]
        cli += ["compose", "-o", "x.json"]
        whole = children_cpu(cli, repeat, folder, env)
    print()
    print(
        f"{'process (CPU, median / min ms; bytecode cached)':52} {'time':>18} "
        f"{'minus bare python':>18}"
    )
    base = statistics.median(bare)
    print(f"{'python -c pass':52} {ms(bare):>18}")
    for name, times in (
        ("import iopkit", imported),
        ("import iopkit.curriculum, iopkit.export", curriculum_api),
        ("iopkit compose -o x.json (whole process)", whole),
    ):
        print(f"{name:52} {ms(times):>18} {(statistics.median(times) - base) * 1000:15.1f} ms")


def loading(repeat: int) -> None:
    """Loading a 520-week curriculum beside building the same objects."""
    example = load_program(ROOT / "examples" / "adult-iop.yaml")
    long = attrs.evolve(example, weeks=520, closures=(), profiles=())
    curriculum = compose(long, budget=600)
    text = curriculum_json(curriculum)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.json"
        path.write_text(text, encoding="utf-8")
        load = cpu(lambda: load_curriculum(path), repeat)
        build = cpu(lambda: rebuild(curriculum), repeat)
        parse = cpu(lambda: json.loads(path.read_text(encoding="utf-8")), repeat)
    print()
    size = len(text.encode()) / 1e6
    print(f"load_curriculum, 520 weeks ({size:.1f} MB)              {ms(load)} ms")
    print(f"  building the same objects                         {ms(build)} ms")
    print(f"  json.loads alone                                  {ms(parse)} ms")
    ratio = statistics.median(load) / statistics.median(build)
    print(f"  load / build: {ratio:.2f} (aim: at most 3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-oracle", action="store_true")
    parser.add_argument("--oracle-seconds", type=float, default=60.0)
    parser.add_argument(
        "--oracle-all",
        action="store_true",
        help="also run CP-SAT on the 52-week tiers (its model needs more than 13 GB there)",
    )
    parser.add_argument("--skip-processes", action="store_true")
    args = parser.parse_args()
    repeat = max(5, args.repeat)
    oracle = None
    if not args.no_oracle:
        sys.path.insert(0, str(ROOT))
        try:
            from tests import oracle as oracle_module

            oracle = oracle_module
        except ImportError:
            print("(ortools not installed: skipping the CP-SAT column)")
    print(f"CPU time, median / min of {repeat} runs, in ms; {os.cpu_count()} cores")
    print(
        f"{'tier':52} {'warm':>18} {'cold':>18} {'floor':>18} {'warm/floor':>10} "
        f"{'CP-SAT':>10}  outcome"
    )
    for name, program, catalog in tiers():
        result, curriculum = outcome(program, catalog)
        warm = cpu(lambda program=program, catalog=catalog: outcome(program, catalog), repeat)
        cold = cpu(
            lambda program=program, catalog=catalog: outcome(program, catalog),
            repeat,
            clear_menus,
        )
        floors = ""
        ratio = ""
        if curriculum is not None:
            base = cpu(lambda curriculum=curriculum: floor(curriculum), repeat)
            floors = ms(base)
            ratio = f"{statistics.median(warm) / statistics.median(base):10.1f}"
        sat = ""
        if oracle is not None and program.weeks > 20 and not args.oracle_all:
            sat = "skipped"
        elif oracle is not None and not name.startswith("infeasible:"):
            start = time.process_time()
            try:
                answer = oracle.feasible(program, catalog, seconds=args.oracle_seconds)
                sat = f"{time.process_time() - start:9.2f}s" + (
                    "" if answer == result.startswith("feasible") else " (disagrees!)"
                )
            except TimeoutError:
                sat = f">{args.oracle_seconds:g}s"
        print(
            f"{name:52} {ms(warm):>18} {ms(cold):>18} {floors:>18} {ratio:>10} {sat:>10}  {result}"
        )
    example = load_program(ROOT / "examples" / "adult-iop.yaml")
    warm = cpu(lambda: compose(example), max(repeat, 20))
    print(
        f"\nthe example: {1 / statistics.median(warm):.0f} compositions per second per core (warm)"
    )
    loading(repeat)
    if not args.skip_processes:
        processes(repeat)


if __name__ == "__main__":
    main()
