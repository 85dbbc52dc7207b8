"""Every rule reports nothing on a valid curriculum and catches targeted mutations at the
right place."""

import copy
import datetime as dt
import functools
from pathlib import Path

import attrs
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from iopkit.curriculum import Curriculum, InfeasibleError, compose, load_program, validate
from iopkit.errors import ProgramError

from . import strategies as s
from .helpers import block, replace_session, session_at

EXAMPLE = Path(__file__).parent.parent / "examples" / "adult-iop.yaml"


@functools.cache
def composed() -> Curriculum:
    return compose(load_program(EXAMPLE))


def numbers():
    return st.integers(1, sum(len(w.sessions) for w in composed().weeks))


def rules_hit(report, rule, **where):
    return [
        v
        for v in report.violations
        if v.rule == rule and all(getattr(v, k) == x for k, x in where.items())
    ]


class TestValid:
    def test_composed_is_valid(self):
        """The composed example meets every rule of the program and its profile."""
        report = validate(composed())
        assert report.ok, report.text()
        assert "asam-2.1-adult:weekly_minutes" in report.rules
        assert report.text().startswith("valid")


class TestMutations:
    @given(numbers(), st.integers(1, 60))
    def test_lengthen_session(self, number, extra):
        """A session made longer than its maximum is reported by session.minutes there."""
        week, session = session_at(composed(), number)
        over = 210 - session.minutes + extra
        blocks = (
            *session.blocks[:-1],
            block("wrap-up", session.blocks[-1].minutes + over, kind="wrap-up"),
        )
        report = validate(replace_session(composed(), number, blocks=blocks))
        assert rules_hit(report, "session.minutes", week=week.number, session=number)

    @given(numbers())
    def test_drop_break(self, number):
        """Removing every break from a session is reported by session.breaks there."""
        _, session = session_at(composed(), number)
        blocks = tuple(b for b in session.blocks if not b.is_break)
        report = validate(replace_session(composed(), number, blocks=blocks))
        assert rules_hit(report, "session.breaks", session=number)

    @given(numbers())
    def test_move_onto_closure(self, number):
        """A session moved onto a closure date is reported by the calendar rule."""
        closure = dt.date(2027, 1, 18)
        moved = replace_session(composed(), number, date=closure, day="mon", replaces=None)
        report = validate(moved)
        hits = rules_hit(report, "calendar", session=number)
        assert any("closure" in v.message or "date" in v.message for v in hits)

    @given(st.data())
    def test_remove_lesson(self, data):
        """Removing a core lesson is reported (order or full delivery)."""
        lessons = [
            (s.number, i)
            for _, s in composed().sessions()
            for i, b in enumerate(s.blocks)
            if b.track == "Core skills"
        ]
        number, index = data.draw(st.sampled_from(lessons))
        _, session = session_at(composed(), number)
        blocks = session.blocks[:index] + session.blocks[index + 1 :]
        report = validate(replace_session(composed(), number, blocks=blocks))
        assert rules_hit(report, "lesson-order") or rules_hit(report, "tracks[0].core")

    @given(st.data())
    def test_swap_lessons(self, data):
        """Swapping two lessons of a track is reported by lesson-order at the first one."""
        lessons = [
            (s.number, i)
            for _, s in composed().sessions()
            for i, b in enumerate(s.blocks)
            if b.track == "Core skills"
        ]
        first = data.draw(st.integers(0, len(lessons) - 2))
        second = data.draw(st.integers(first + 1, len(lessons) - 1))
        (n1, i1), (n2, i2) = lessons[first], lessons[second]
        c = composed()
        b1 = session_at(c, n1)[1].blocks[i1]
        b2 = session_at(c, n2)[1].blocks[i2]
        if (b1.module, b1.lesson) == (b2.module, b2.lesson):
            return
        s1 = session_at(c, n1)[1]
        swapped = replace_session(
            c,
            n1,
            blocks=s1.blocks[:i1] + (attrs.evolve(b2, minutes=b1.minutes),) + s1.blocks[i1 + 1 :],
        )
        s2 = session_at(swapped, n2)[1]
        swapped = replace_session(
            swapped,
            n2,
            blocks=s2.blocks[:i2] + (attrs.evolve(b1, minutes=b2.minutes),) + s2.blocks[i2 + 1 :],
        )
        report = validate(swapped)
        assert rules_hit(report, "lesson-order", session=n1)

    @given(st.integers(1, 8))
    def test_exceed_weekly_max(self, week_number):
        """A week above the weekly maximum is reported by weekly_minutes for that week."""
        c = composed()
        program = attrs.evolve(
            c.program, weekly_minutes=attrs.evolve(c.program.weekly_minutes, max=560)
        )
        week = c.weeks[week_number - 1]
        over = max(0, 561 - week.service_minutes)
        session = week.sessions[0]
        blocks = (
            *session.blocks[:-1],
            block("wrap-up", session.blocks[-1].minutes + over, kind="wrap-up"),
        )
        report = validate(replace_session(c, session.number, blocks=blocks), program)
        assert rules_hit(report, "weekly_minutes", week=week_number)

    @given(numbers())
    def test_remove_mindfulness(self, number):
        """A session without its mindfulness practice breaks the per-session requirement."""
        _, session = session_at(composed(), number)
        blocks = tuple(b for b in session.blocks if b.activity != "mindfulness-practice")
        report = validate(replace_session(composed(), number, blocks=blocks))
        assert rules_hit(report, "require[0]", session=number)

    @given(numbers())
    def test_repeat_activity(self, number):
        """An activity repeated within a session is reported by session.no-repeat."""
        _, session = session_at(composed(), number)
        pg = next(b for b in session.blocks if b.activity == "process-group")
        blocks = (*session.blocks[:-1], pg, session.blocks[-1])
        report = validate(replace_session(composed(), number, blocks=blocks))
        assert rules_hit(report, "session.no-repeat", session=number)

    def test_opening(self):
        """A session that does not open with check-in is reported at block 1."""
        _, session = session_at(composed(), 1)
        report = validate(replace_session(composed(), 1, blocks=session.blocks[1:]))
        assert rules_hit(report, "session.opening-closing", session=1, block=1)

    def test_prerequisite(self):
        """Cognitive restructuring starting before CBT foundations completes is reported."""
        c = composed()
        program = attrs.evolve(
            c.program,
            tracks=(
                attrs.evolve(
                    c.program.tracks[0],
                    modules=(
                        "cognitive-restructuring",
                        "cbt-foundations",
                        "stress-and-breathing",
                        "sleep-management",
                    ),
                ),
                c.program.tracks[1],
            ),
        )
        report = validate(c, program)
        assert rules_hit(report, "lesson-order")

    def test_violation_text(self):
        """Violations read as a located sentence."""
        _, session = session_at(composed(), 1)
        report = validate(replace_session(composed(), 1, blocks=session.blocks[1:]))
        assert "[session.opening-closing] week 1, session 1, block 1:" in report.text()


class TestRegistry:
    def test_every_rule_type_has_every_part(self):
        """Every registered rule type implements its check, its contribution to the
        composer's model, its wording and its relaxation, and is made from a program or
        a profile."""
        import inspect

        from iopkit.curriculum._rules import RULE_TYPES, Rule

        assert len(RULE_TYPES) == len(set(RULE_TYPES))
        for rule_type in RULE_TYPES:
            assert issubclass(rule_type, Rule), rule_type
            assert not inspect.isabstract(rule_type), rule_type
            for part in ("check", "contribute", "reason", "relax"):
                method = getattr(rule_type, part)
                assert method is not getattr(Rule, part), (rule_type, part)
                assert method.__doc__, (rule_type, part)
            assert hasattr(rule_type, "from_program") or hasattr(rule_type, "from_profile")
            assert rule_type.description, rule_type

    def test_every_rule_of_the_example_contributes(self):
        """Every rule the example makes states something in the composer's vocabulary (a
        rule that contributed nothing would be checked but never composed for)."""
        from iopkit.curriculum._composer._model import ModelBuilder
        from iopkit.curriculum._resolve import resolve
        from iopkit.curriculum._rules import Context, all_rules

        inputs = resolve(load_program(EXAMPLE))
        context = Context(program=inputs.program, catalog=inputs.catalog)
        for rule in all_rules(inputs.program, inputs.profiles):
            builder = ModelBuilder(context)
            before = {k: copy.copy(v) for k, v in vars(builder).items()}
            rule.contribute(builder)
            assert vars(builder) != before, rule.id

    def test_relaxing_never_removes_curricula(self):
        """Relaxing any rule of the example keeps the composed curriculum valid: a relaxed
        program only admits more curricula."""
        from iopkit.curriculum._resolve import resolve
        from iopkit.curriculum._rules import all_rules

        inputs = resolve(composed().program)
        for rule in all_rules(inputs.program, inputs.profiles):
            relaxed = rule.relax(inputs)
            if relaxed is None:
                continue
            report = validate(
                composed(), relaxed.program, relaxed.profiles, catalog=relaxed.catalog
            )
            assert report.ok, (rule.id, report.text())


class TestBlocks:
    @given(numbers(), st.integers(1, 10))
    def test_stretched_lesson(self, number, extra):
        """A lesson stretched past its catalog length is reported by the blocks rule."""
        c = composed()
        _, session = session_at(c, number)
        lessons = [i for i, b in enumerate(session.blocks) if b.module is not None]
        if not lessons:
            return
        i = lessons[0]
        stretched = attrs.evolve(session.blocks[i], minutes=session.blocks[i].minutes + extra)
        blocks = session.blocks[:i] + (stretched,) + session.blocks[i + 1 :]
        report = validate(replace_session(c, number, blocks=blocks))
        assert rules_hit(report, "blocks", session=number, block=i + 1)

    @given(numbers(), st.integers(1, 14))
    def test_cut_opening(self, number, less):
        """An opening check-in cut below its catalog length is reported by the blocks rule."""
        c = composed()
        _, session = session_at(c, number)
        first = session.blocks[0]
        blocks = (attrs.evolve(first, minutes=first.minutes - less), *session.blocks[1:])
        report = validate(replace_session(c, number, blocks=blocks))
        assert rules_hit(report, "blocks", session=number, block=1)

    @given(numbers(), st.sampled_from(["kind", "modality", "title", "format"]))
    def test_relabelled_block(self, number, label):
        """A block that keeps its activity id but claims another kind, modality, title or
        format is reported, so its labels cannot hide a violation."""
        c = composed()
        _, session = session_at(c, number)
        i = next(i for i, b in enumerate(session.blocks) if b.activity == "process-group")
        value = {
            "kind": "individual-therapy",
            "modality": "dbt",
            "title": "Something else",
            "format": "individual",
        }[label]
        changed = attrs.evolve(session.blocks[i], **{label: value})
        blocks = session.blocks[:i] + (changed,) + session.blocks[i + 1 :]
        report = validate(replace_session(c, number, blocks=blocks))
        assert rules_hit(report, "blocks", session=number, block=i + 1)

    def test_unknown_module(self):
        """A block naming a module the catalog lacks is reported, not a crash."""
        c = composed()
        _, session = session_at(c, 1)
        i = next(i for i, b in enumerate(session.blocks) if b.module is not None)
        changed = attrs.evolve(session.blocks[i], module="no-such-module")
        blocks = session.blocks[:i] + (changed,) + session.blocks[i + 1 :]
        report = validate(replace_session(c, 1, blocks=blocks))
        assert rules_hit(report, "blocks", session=1, block=i + 1)

    def test_off_grid(self):
        """A block that starts or lasts off the time grid is reported by session.grid."""
        c = composed()
        _, session = session_at(c, 2)
        first = session.blocks[0]
        blocks = (
            block(
                "check-in",
                first.minutes + 1,
                kind="check-in",
                title=first.title,
                modality=first.modality,
            ),
            *session.blocks[1:],
        )
        report = validate(replace_session(c, 2, blocks=blocks))
        assert rules_hit(report, "session.grid", session=2)


# -- wording -------------------------------------------------------------------------------

#: What a clinician should never read in a reason: a count that disagrees with its noun,
#: an empty lower bound, the library's own word for a part of a session.
_BAD_WORDING = [
    (
        r"(?<![\d.])\b1 (\w+ )?(activities|lessons|sessions|weeks|minutes|hours|days|breaks)\b",
        "a plural after 1",
    ),
    (r"\bat least 0\b", "at least 0"),
    (r"\bblocks?\b", "'blocks'"),
    (r"(?<![\d.])\b([02-9]|\d\d+) (activity|lesson|session|week|minute|hour|day)\b", "a singular"),
    (r"\b(check in|wrap up)\b", "a hyphenated kind split"),
    (r"\bweeks (\d+) to \1\b", "'weeks N to N'"),
    (r"\b1 session\b[^,.;]*\b(give|hold)\b", "a plural verb after 1 session"),
    (r"\badmitted on week\b", "'admitted on week'"),
]


class TestWording:
    @given(s.any_programs())
    def test_reasons_read_as_sentences(self, pc):
        """Property: for any program, every rule's reason (the words an explanation uses)
        has no plural noun after 1, no singular after other counts, no "at least 0" and
        no "blocks"; random programs put 0, 1 and 2 (and more) into every template."""
        import re

        from iopkit.curriculum._resolve import resolve
        from iopkit.curriculum._rules import Context, all_rules

        program, catalog = pc
        try:
            inputs = resolve(program, catalog)
        except ProgramError:
            reject()  # a program iopkit refuses to read (a cycle shorter than a module)
        context = Context(program=inputs.program, catalog=inputs.catalog)
        for rule in all_rules(inputs.program, inputs.profiles):
            text = rule.reason(context)
            for pattern, what in _BAD_WORDING:
                found = re.search(pattern, text)
                assert found is None, f"{what} in {rule.id}: {text!r}"

    @given(s.any_programs())
    def test_repairs_read_as_sentences(self, pc):
        """Property: for any program, every step of every repair a rule proposes (the
        "any one of these changes" lines) reads as a sentence by the same measures as the
        reasons: a repair stepping a count down from 2 says "at least 1 lesson", and one
        stepping it to 0 says "no longer require" rather than "at least 0"."""
        import re

        from iopkit.curriculum._resolve import resolve
        from iopkit.curriculum._rules import all_rules

        program, catalog = pc
        try:
            inputs = resolve(program, catalog)
        except ProgramError:
            reject()  # a program iopkit refuses to read (a cycle shorter than a module)
        for rule in all_rules(inputs.program, inputs.profiles):
            for ladder in rule.repairs(inputs):
                for step in ladder.steps:
                    for pattern, what in _BAD_WORDING:
                        found = re.search(pattern, step.message)
                        assert found is None, f"{what} in {rule.id}: {step.message!r}"

    # each example may compose and explain (up to a second): a fixed, modest number keeps
    # the thorough run within its time
    @settings(max_examples=40)
    @given(s.any_programs())
    def test_explanations_read_as_sentences(self, pc):
        """Property: for any program the composer finds infeasible, the arithmetic it
        prints (the summary) and every reason and repair read as sentences by the same
        measures, and the summary names no limit's value the program does not have (such
        as a relaxed 1440-minute session)."""
        import re

        program, catalog = pc
        try:
            compose(program, catalog, budget=60)
        except InfeasibleError as error:
            lines = [error.summary, *(r.message for r in error.reasons)]
            lines += [r.message for r in error.repairs]
            for text in lines:
                for pattern, what in _BAD_WORDING:
                    found = re.search(pattern, text)
                    assert found is None, f"{what}: {text!r}"
            assert "1440 minutes" not in error.summary or program.session.minutes.max == 1440
        except ProgramError:
            reject()
