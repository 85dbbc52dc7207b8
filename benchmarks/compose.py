"""Composer benchmark: median time to compose each tier, and CP-SAT's time on the same.

Run: python benchmarks/compose.py [--repeat N] [--no-oracle] [--oracle-seconds S] [--oracle-all]
Prints one line per tier. CP-SAT (the test oracle, a test dependency) is optional; on the
52-week tiers its model needs more than 13 GB, so it runs there only with --oracle-all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import attrs

import iopkit
from iopkit import Activity, Catalog, Range, SkillModule
from iopkit.curriculum import (
    InfeasibleError,
    Program,
    RollingAdmission,
    Track,
    WeeklyMinutes,
    compose,
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
                name="A",
                modules=tuple(f"gen{m}" for m in range(10)),
                per_week=Range(min=2, max=3),
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
    ]


def measure(program: Program, catalog: Catalog, repeat: int) -> tuple[float, str]:
    times = []
    outcome = ""
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            curriculum = compose(program, catalog, budget=600)
            outcome = "feasible"
        except InfeasibleError as exc:
            outcome = f"infeasible ({len(exc.reasons)} reasons)"
            curriculum = None
        times.append(time.perf_counter() - start)
    if curriculum is not None:
        assert validate(curriculum, catalog=catalog).ok
    return statistics.median(times), outcome


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
    args = parser.parse_args()
    oracle = None
    if not args.no_oracle:
        sys.path.insert(0, str(ROOT))
        try:
            from tests import oracle as oracle_module

            oracle = oracle_module
        except ImportError:
            print("(ortools not installed: skipping the CP-SAT column)")
    print(f"{'tier':52} {'compose (median)':>18} {'CP-SAT':>10}  outcome")
    for name, program, catalog in tiers():
        median, outcome = measure(program, catalog, args.repeat)
        sat = ""
        if oracle is not None and program.weeks > 20 and not args.oracle_all:
            sat = "skipped"
        elif oracle is not None:
            start = time.perf_counter()
            try:
                answer = oracle.feasible(program, catalog, seconds=args.oracle_seconds)
                sat = f"{time.perf_counter() - start:9.2f}s" + (
                    "" if answer == outcome.startswith("feasible") else " (disagrees!)"
                )
            except TimeoutError:
                sat = f">{args.oracle_seconds:g}s"
        print(f"{name:52} {median * 1000:15.1f} ms {sat:>10}  {outcome}")


if __name__ == "__main__":
    main()
