"""How curricula, weeks, sessions, reports and explanations look in a notebook
(``_repr_html_``) and in a terminal (``Curriculum.summary()``): HTML fragments read back by
``html.parser``, checked for structure, escaping, scoped style, clock times and titles."""

import datetime as dt
import functools
import re
import time
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iopkit import Block
from iopkit._display import (
    SHOWN_RUNS,
    SHOWN_VIOLATIONS,
    SHOWN_WEEKS,
    scoped_css,
    session_html,
    week_html,
)
from iopkit.curriculum import (
    Curriculum,
    Report,
    Track,
    Violation,
    Week,
    cancel_session,
    compose,
    load_program,
    validate,
)
from iopkit.errors import InfeasibleError, Reason, Repair

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "adult-iop.yaml"
HOSTILE = '<script>alert("x")</script> & </div><style>*{}</style> "quoted" \'single\''
#: Tags a notebook fragment never holds: page structure, scripts, and anything that
#: loads or links to something outside the fragment.
FORBIDDEN = {
    "html", "head", "body", "script", "noscript", "link", "meta", "base", "iframe", "frame",
    "object", "embed", "img", "image", "picture", "source", "audio", "video", "form", "input",
    "button", "a", "use", "foreignobject",
}  # fmt: skip
VOID = {"br", "hr", "wbr", "col", "area", "track"}
DECIMAL_HOURS = re.compile(r"\d+[.,]\d+\s*(h|hours?)\b")


class Fragment(HTMLParser):
    """The tags, ids, references, texts and style of an HTML fragment; ``problems`` lists
    what makes it ill-formed."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.texts: list[str] = []
        self.raw: list[str] = []
        self.styles: list[str] = []
        self.roots = 0
        self.feed(html)
        self.close()
        if self.stack:
            self.problems.append(f"unclosed: {self.stack}")

    def handle_starttag(self, tag, attrs_):
        self.handle_startendtag(tag, attrs_)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs_):
        if not self.stack:
            self.roots += 1
        self.tags.append((tag, dict(attrs_)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            self.styles.append(data)
        else:
            self.raw.append(data)
            if data.strip():
                self.texts.append(data.strip())

    @property
    def text(self) -> str:
        """The texts one after the other, each run of white space as one space."""
        return re.sub(r"\s+", " ", "".join(self.raw))

    def ids(self) -> list[str]:
        return [a["id"] for _, a in self.tags if a.get("id")]  # type: ignore[misc]

    def references(self) -> list[str]:
        refs = []
        for _, a in self.tags:
            for key in ("aria-labelledby", "aria-describedby"):
                refs += (a.get(key) or "").split()
        return refs

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)


def check(html: str) -> Fragment:
    """The fragment, after checking what every fragment must be: one scoped ``div``,
    well-formed, with no page tags, scripts, event handlers or outside references, a style
    whose every rule is scoped, and ids that are unique and resolve."""
    fragment = Fragment(html)
    assert not fragment.problems, fragment.problems
    assert fragment.roots == 1
    assert fragment.tags[0] == ("div", {"class": "iopkit"})
    for tag, attributes in fragment.tags:
        assert tag not in FORBIDDEN, tag
        for name, value in attributes.items():
            assert not name.startswith("on"), name
            assert name not in {"href", "src", "xlink:href", "srcdoc", "action", "srcset"}, name
            assert "javascript:" not in (value or "").lower()
    assert fragment.count("style") == 1
    style = "".join(fragment.styles)
    assert "@import" not in style
    assert "url(" not in style
    for selectors in re.findall(r"([^{}]+)\{[^{}]*\}", style):
        for selector in selectors.split(","):
            assert selector.strip().startswith(".iopkit"), selector
    ids = fragment.ids()
    assert len(ids) == len(set(ids))
    assert set(fragment.references()) <= set(ids)
    assert not DECIMAL_HOURS.search(fragment.text)
    return fragment


@functools.cache
def example() -> Curriculum:
    return compose(load_program(EXAMPLE))


@functools.cache
def long_curriculum(weeks: int = 52) -> Curriculum:
    """The example's eight weeks repeated over a year, dates shifted to match."""
    base = example()
    program = attrs.evolve(base.program, weeks=weeks)
    result, number = [], 0
    for index in range(weeks):
        source = base.weeks[index % len(base.weeks)]
        shift = dt.timedelta(weeks=index - source.number + 1)
        sessions = []
        for session in source.sessions:
            number += 1
            sessions.append(
                attrs.evolve(
                    session,
                    number=number,
                    date=session.date + shift,
                    replaces=session.replaces + shift if session.replaces else None,
                )
            )
        result.append(Week(number=index + 1, sessions=sessions))
    return Curriculum(program=program, weeks=result)


def with_hostile_texts(curriculum: Curriculum, text: str) -> Curriculum:
    """The curriculum with ``text`` as its program's name and clinic and as the title of
    its first block."""
    program = attrs.evolve(curriculum.program, name=text, clinic=text)
    week = curriculum.weeks[0]
    session = week.sessions[0]
    blocks = (attrs.evolve(session.blocks[0], title=text), *session.blocks[1:])
    session = attrs.evolve(session, blocks=blocks)
    week = attrs.evolve(week, sessions=(session, *week.sessions[1:]))
    return attrs.evolve(curriculum, program=program, weeks=(week, *curriculum.weeks[1:]))


class TestCurriculum:
    def test_the_week_grid_shows_clock_times_and_weekly_service(self):
        """A curriculum shows each session with its day and clock times, and each week with
        its service time, in hours and minutes."""
        fragment = check(example()._repr_html_())
        assert "Session 1, Mon 2027-01-04, 09:00\u201312:25" in fragment.text
        assert "9 h 05 min of service" in fragment.texts
        assert fragment.count("table") == 1
        assert "Service time a week: 9 h 05 min, 9 h 05 min, 9 h 10 min" in fragment.text

    def test_titles_not_ids(self):
        """Activities, lessons and modalities are shown by title: no module id appears."""
        fragment = check(example()._repr_html_())
        assert "CBT foundations, lesson 1 of 3" in fragment.text
        assert "Cognitive Behavioral Therapy" in fragment.text
        for module_id in ("cbt-foundations", "stress-and-breathing", "dbt-mindfulness"):
            assert module_id not in fragment.text

    def test_closures_and_make_up_sessions_are_shown(self):
        """The closed Monday and the Wednesday that makes it up are both named."""
        text = check(example()._repr_html_()).text
        assert "Mon 2027-01-18 closed: its session moved to Wed 2027-01-20" in text
        assert "Wed 2027-01-20 (make-up for Mon 2027-01-18, closed)" in text

    def test_it_says_it_is_a_planning_aid(self):
        """The curriculum's display says iopkit is not clinical or billing advice."""
        assert "not clinical or billing advice" in check(example()._repr_html_()).text

    def test_two_displays_on_one_page_share_no_id(self):
        """Each fragment's ids are its own, so a notebook showing the curriculum twice has
        no id twice and every label points into its own fragment."""
        first = check(example()._repr_html_())
        second = check(example()._repr_html_())
        assert first.ids()
        assert not set(first.ids()) & set(second.ids())

    def test_a_long_curriculum_is_fast_and_shows_its_first_weeks(self):
        """A 52-week curriculum displays in well under a second, showing the first weeks
        and saying how many are left out."""
        curriculum = long_curriculum()
        started = time.perf_counter()
        html = curriculum._repr_html_()
        elapsed = time.perf_counter() - started
        assert elapsed < 1.0, elapsed
        fragment = check(html)
        assert f"Week {SHOWN_WEEKS}" in fragment.texts
        assert f"Week {SHOWN_WEEKS + 1}" not in fragment.texts
        assert f"{52 - SHOWN_WEEKS} more weeks" in fragment.text
        assert len(html) < 60_000

    def test_a_short_curriculum_leaves_nothing_out(self):
        """A curriculum of no more than the shown weeks says nothing is left out."""
        assert "more week" not in check(example()._repr_html_()).text

    def test_texts_are_escaped(self):
        """Markup in a program's name, its clinic or a block's title is shown as text."""
        curriculum = with_hostile_texts(example(), HOSTILE)
        for html in (
            curriculum._repr_html_(),
            curriculum.weeks[0]._repr_html_(),
            curriculum.weeks[0].sessions[0]._repr_html_(),
        ):
            fragment = check(html)
            assert HOSTILE in fragment.texts or any(HOSTILE in t for t in fragment.texts)
            assert fragment.count("script") == 0

    @given(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
            min_size=1,
            max_size=40,
        ).filter(lambda t: t.strip())
    )
    def test_any_name_is_shown_as_text(self, text):
        """For any one-line text as the program's name and a block's title, the fragment
        stays well-formed and scoped, and shows the text as it is."""
        curriculum = with_hostile_texts(example(), text)
        shown = unicodedata.normalize("NFC", text).strip()
        fragment = check(curriculum._repr_html_())
        assert shown in fragment.texts
        session = check(curriculum.weeks[0].sessions[0]._repr_html_())
        assert any(t.startswith(shown) for t in session.texts)


class TestWeekAndSession:
    def test_a_week_alone_shows_its_sessions_with_times_from_their_start(self):
        """A week shown alone lists each session's blocks with times counted from the
        session's start, says why, and gives the week's service time."""
        week = example().weeks[2]
        fragment = check(week._repr_html_())
        assert "Week 3" in fragment.texts
        assert "3 sessions, 9 h 10 min of service (breaks excluded; 10 h 10 min in all)." in (
            fragment.texts
        )
        assert fragment.count("table") == 3
        assert "0:00\u20130:15" in fragment.texts
        assert "start time" in fragment.text
        assert "09:00" not in fragment.text

    def test_a_week_with_its_curriculum_shows_clock_times_and_module_titles(self):
        """Given its curriculum, a week is shown as the export's week page: clock times,
        lessons by module title, the week's closure and its objectives."""
        fragment = check(week_html(example().weeks[2], example()))
        assert "09:00\u201309:15" in fragment.texts
        assert any("Stress and anxiety skills, lesson 2 of 3" in t for t in fragment.texts)
        assert "Objectives this week" in fragment.texts
        assert "Closed:" in fragment.texts

    def test_a_session_alone_names_its_day_lessons_breaks_and_service(self):
        """A make-up session shown alone names its date and the closed date it replaces,
        its length and service time, its lessons and its breaks."""
        session = example().weeks[2].sessions[1]
        fragment = check(session._repr_html_())
        text = fragment.text
        assert "Session 8: Wed 2027-01-20 (make-up for Mon 2027-01-18, closed)" in text
        assert "(3 h 25 min, 3 h 05 min of service)" in text
        assert "\u00b7 lesson 2" in fragment.text
        assert fragment.texts.count("not a service") == 2
        assert fragment.count("tr") == len(session.blocks) + 1

    def test_an_empty_week_says_so(self):
        """A week whose sessions were all cancelled says it has none."""
        fragment = check(week_html(Week(number=4, sessions=())))
        assert "No sessions this week." in fragment.texts

    def test_a_session_has_a_single_fragment_of_its_own(self):
        """The session fragment is one table with a row per block and no page furniture."""
        fragment = check(session_html(example().weeks[0].sessions[0]))
        assert fragment.count("table") == 1
        assert fragment.count("h1") == fragment.count("h2") == 0


class TestSummary:
    def test_name_weeks_sessions_service_and_tracks(self):
        """The summary gives the name, weeks, sessions and days, the weekly service time in
        hours and minutes, and each track's lessons by module title, in a few lines."""
        lines = example().summary().splitlines()
        assert lines[0] == (
            "Adult Mental Health IOP: 8 weeks, 24 sessions on Mon, Tue, Thu, "
            "from Mon 2027-01-04, starting at 09:00"
        )
        assert lines[1].startswith("Service time a week: 9 h 05 min, 9 h 05 min, 9 h 10 min")
        assert "Core skills: 13 lessons" in lines
        assert "  CBT foundations, lessons 1 to 3 of 3 (weeks 1 to 2)" in lines
        assert "DBT skills: 5 lessons" in lines
        assert "  DBT distress tolerance, lessons 1 to 2 of 3 (weeks 7 to 8)" in lines
        assert len(lines) <= 12

    def test_no_ids_and_no_decimal_hours(self):
        """The summary names modules by title and never writes hours as decimals."""
        text = example().summary()
        assert "cbt-foundations" not in text
        assert not DECIMAL_HOURS.search(text)

    def test_a_track_without_lessons_says_so(self):
        """A track that placed no lesson is listed as having none."""
        curriculum = example()
        program = attrs.evolve(
            curriculum.program,
            tracks=(
                *curriculum.program.tracks,
                Track(name="Relapse prevention", modules=["relapse-prevention"], core=False),
            ),
        )
        summary = attrs.evolve(curriculum, program=program).summary()
        assert summary.splitlines()[-1] == "Relapse prevention: no lessons"

    def test_a_long_curriculum_stays_short(self):
        """A year-long curriculum's summary gives the range of weekly service and counts
        the modules it does not list."""
        lines = long_curriculum().summary().splitlines()
        assert lines[1] == "Service time a week: from 9 h to 9 h 10 min"
        assert any(re.fullmatch(r"  and \d+ more modules after these", line) for line in lines)
        assert len(lines) <= 2 + 2 * (SHOWN_RUNS + 2)

    def test_one_lesson_of_a_module_is_named_as_a_lesson(self):
        """A run of a single lesson reads "Module title, lesson N of M"."""
        edited = cancel_session(example(), dt.date(2027, 2, 25))  # DBT distress tolerance 2
        assert "  DBT distress tolerance, lesson 1 of 3 (week 7)" in edited.summary().splitlines()


class TestReport:
    def test_a_valid_report_says_so(self):
        """A report without violations says the curriculum is valid and how many rules were
        checked."""
        fragment = check(validate(example())._repr_html_())
        assert fragment.texts == ["Valid: 21 rules checked, no violation."]

    def test_violations_are_a_table_of_rule_where_and_what(self):
        """Each violation is a row: its rule, where it is, and what is wrong."""
        report = validate(cancel_session(example(), dt.date(2027, 1, 4)))
        fragment = check(report._repr_html_())
        assert fragment.count("tr") == len(report.violations) + 1
        assert [t for t, _ in fragment.tags if t == "th"] == ["th"] * 3
        assert f"{len(report.violations)} violations" in fragment.texts
        text = fragment.text
        for violation in report.violations:
            assert violation.rule in text
            assert violation.message in text
        assert "week 1, session 1, block 5" in fragment.texts

    def test_a_long_report_is_cut_and_counted(self):
        """A report of more violations than are shown lists the first ones and counts the
        rest."""
        many = [
            Violation(rule="weekly_minutes", message=f"problem {i}", week=1) for i in range(250)
        ]
        fragment = check(Report(violations=many, rules=["weekly_minutes"])._repr_html_())
        assert fragment.count("tr") == SHOWN_VIOLATIONS + 1
        assert f"{250 - SHOWN_VIOLATIONS} more violations" in fragment.text

    def test_report_texts_are_escaped(self):
        """Markup in a rule id or a message is shown as text."""
        report = Report(violations=[Violation(rule=HOSTILE, message=HOSTILE, week=2, session=4)])
        fragment = check(report._repr_html_())
        assert fragment.texts.count(HOSTILE) == 2
        assert "week 2, session 4" in fragment.texts


def explanation(*, minimal: bool = True, repairs: bool = True) -> InfeasibleError:
    reasons = [
        Reason(
            rule="session.minutes",
            message="sessions last 180 to 195 minutes",
            where="/session/minutes",
            file="evening.yaml",
        ),
        Reason(
            rule="cms-iop:weekly_minutes",
            message=f"cms-iop needs 9 h a week {HOSTILE}",
            where="cms-iop",
        ),
    ]
    changes = [
        Repair(rule="session.minutes", message="raise session.minutes.max from 195 to 220", size=25)
    ]
    return InfeasibleError(
        reasons,
        "3 sessions of at most 195 minutes give at most 585 service minutes",
        minimal=minimal,
        repairs=changes if repairs else (),
    )


class TestExplanation:
    def test_summary_reasons_and_repairs(self):
        """An explanation shows its arithmetic, each conflicting limit with its rule and
        where it is stated, and the repairs."""
        fragment = check(explanation()._repr_html_())
        text = fragment.text
        assert "3 sessions of at most 195 minutes give at most 585 service minutes" in text
        assert "sessions last 180 to 195 minutes" in fragment.texts
        assert "evening.yaml at /session/minutes" in fragment.texts
        assert "cms-iop:weekly_minutes" in fragment.texts
        assert "raise session.minutes.max from 195 to 220" in text
        assert "drop any one and the rest can be met" in text
        assert "may contain more than is needed" not in text

    def test_the_caveat_when_not_minimal(self):
        """When minimality was not proven, the explanation says the list may hold more than
        is needed."""
        text = check(explanation(minimal=False, repairs=False)._repr_html_()).text
        assert "may contain more than is needed" in text
        assert "drop any one" not in text
        assert "makes the program feasible" not in text

    def test_explanation_texts_are_escaped(self):
        """Markup in a reason is shown as text."""
        fragment = check(explanation()._repr_html_())
        assert f"cms-iop needs 9 h a week {HOSTILE}" in fragment.texts

    def test_a_real_explanation(self):
        """The composer's own explanation of an infeasible example shows every reason and
        repair it carries."""
        program = load_program(ROOT / "examples" / "infeasible" / "weekly-floor.yaml")
        with pytest.raises(InfeasibleError) as caught:
            compose(program)
        text = check(caught.value._repr_html_()).text
        for reason in caught.value.reasons:
            assert reason.message in text
        for repair in caught.value.repairs:
            assert repair.message in text


class TestScopedStyle:
    def test_page_rules_are_dropped_and_others_scoped(self):
        """``:root`` becomes the scope, ``body``, ``@page`` and ``@media`` rules and
        comments are left out, and every other selector is prefixed."""
        css = (
            "/* the page { } */ :root { color: #111; }\nbody { margin: 0; }\n@page { margin: 1cm; }\n"
            "h1, td.x { font-size: 2rem; }\n@media print { h1 { color: red; } }\n"
        )
        assert (
            scoped_css(css)
            == ".iopkit { color: #111; }\n.iopkit h1, .iopkit td.x { font-size: 2rem; }"
        )

    def test_the_fragment_style_keeps_the_export_look(self):
        """The notebook's style is the export's, scoped: the same rules for the session
        tables and the glance grid."""
        style = "".join(check(example()._repr_html_()).styles)
        assert ".iopkit table.glance th.week" in style
        assert ".iopkit tr.break th, .iopkit tr.break td" in style


def test_blocks_render_with_any_kind():
    """Every kind of activity is named in words in a session shown alone."""
    from iopkit import ActivityKind, Session

    blocks, start = [], 0
    for kind in ActivityKind:
        blocks.append(Block(start=start, minutes=10, activity="x", title="X", kind=kind))
        start += 10
    fragment = check(Session(number=1, day="mon", blocks=blocks)._repr_html_())
    assert "individual check-in, group" in fragment.texts
    assert "role-play, group" in fragment.texts
    assert "Session 1: Mon" in fragment.text
