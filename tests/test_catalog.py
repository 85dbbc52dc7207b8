"""The catalog: consistency checks, lookups, merging, files and the built-in content."""

import json

import jsonschema
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import iopkit
from iopkit import Activity, Catalog, SkillModule, TherapyModality
from iopkit._files._converter import converter
from iopkit.errors import CatalogError, FileFormatError, InputError

from . import strategies as s

CBT = TherapyModality(id="cbt", name="CBT")


def lesson(lesson_id):
    return Activity(id=lesson_id, title=lesson_id, kind="skills-training", minutes=45)


def module(module_id, *requires, lessons=None):
    return SkillModule(
        id=module_id,
        title=module_id,
        modality="cbt",
        lessons=lessons or (lesson(f"{module_id}-1"),),
        requires=requires,
    )


class TestConsistency:
    def test_duplicate_id(self):
        """A duplicate id is an error that names it."""
        with pytest.raises(CatalogError, match="modality id 'cbt' is defined twice"):
            Catalog(modalities=[CBT, CBT])

    def test_unknown_modality(self):
        """A reference to an unknown modality names the id and the known ones."""
        act = Activity(id="a", title="A", kind="check-in", minutes=5, modality="dbt")
        with pytest.raises(CatalogError, match=r"unknown modality 'dbt' \(known: cbt\)"):
            Catalog(modalities=[CBT], activities=[act])

    def test_unknown_requirement(self):
        """A module requiring an unknown module is an error."""
        with pytest.raises(CatalogError, match="requires unknown module 'zz'"):
            Catalog(modalities=[CBT], modules=[module("a", "zz")])

    def test_cycle(self):
        """A prerequisite cycle is an error naming every module in it."""
        with pytest.raises(CatalogError, match="a -> b -> c -> a|b -> c -> a -> b"):
            Catalog(
                modalities=[CBT], modules=[module("a", "b"), module("b", "c"), module("c", "a")]
            )

    def test_lesson_clashes_with_activity(self):
        """Lesson ids share the activity namespace."""
        with pytest.raises(CatalogError, match="lesson id 'x' .* already used"):
            Catalog(
                modalities=[CBT],
                activities=[lesson("x")],
                modules=[module("m", lessons=(lesson("x"),))],
            )

    def test_every_problem_is_reported(self):
        """All problems come at once, not only the first."""
        act = Activity(id="a", title="A", kind="check-in", minutes=5, modality="dbt")
        with pytest.raises(CatalogError) as info:
            Catalog(modalities=[CBT, CBT], activities=[act], modules=[module("m", "zz")])
        assert len(info.value.problems) == 3

    @given(s.catalogs())
    def test_generated_catalogs_are_consistent(self, catalog):
        """Every generated catalog resolves each lesson to its module and number."""
        for mod in catalog.modules:
            for number, les in enumerate(mod.lessons, start=1):
                assert catalog.lesson_of(les.id) == (mod.id, number)
                assert catalog.activity(les.id) == les


class TestLookupAndMerge:
    def test_lookup_suggests(self):
        """An unknown id raises KeyError with close matches."""
        with pytest.raises(KeyError, match="did you mean 'process-group'"):
            iopkit.builtin_catalog().activity("proces-group")

    def test_merge_and_or(self):
        """Merging keeps both catalogs' content; | does the same."""
        a = Catalog(modalities=[CBT])
        b = Catalog(modalities=[CBT], activities=[lesson("x")])
        with pytest.raises(CatalogError, match="defined twice"):
            a | b
        merged = a | Catalog(activities=[lesson("x")])
        assert merged.activity("x") == lesson("x")
        assert merged.modality("cbt") == CBT
        assert "x" in merged
        assert "cbt" in merged

    def test_merge_names_both_files(self, tmp_path):
        """A duplicate across files names both files."""
        first = tmp_path / "one.yaml"
        second = tmp_path / "two.yaml"
        doc = {"iopkit": "catalog/1", "modalities": [{"id": "art", "name": "Art"}]}
        first.write_text(yaml.safe_dump(doc))
        second.write_text(yaml.safe_dump(doc))
        with pytest.raises(CatalogError) as info:
            iopkit.load_catalog(second, base=iopkit.load_catalog(first))
        text = str(info.value)
        assert "one.yaml" in text
        assert "two.yaml" in text


class TestBuiltin:
    def test_loads_and_is_valid(self):
        """The built-in catalog loads, matches its schema and has the required content."""
        catalog = iopkit.builtin_catalog()
        jsonschema.Draft202012Validator(iopkit.schema("catalog")).validate(
            converter.unstructure(catalog)
        )
        modality_ids = {m.id for m in catalog.modalities}
        assert {
            "cbt",
            "dbt",
            "group-therapy",
            "individual-therapy",
            "family-therapy",
            "psychoeducation",
            "mindfulness",
            "motivational-interviewing",
            "relapse-prevention",
            "medication-management",
            "expressive-therapy",
            "peer-support",
        } <= modality_ids
        kinds = {a.kind.value for a in catalog.activities}
        assert {
            "check-in",
            "wrap-up",
            "break",
            "mindfulness",
            "role-play",
            "process-group",
            "individual-check-in",
            "individual-therapy",
            "family-therapy",
            "psychoeducation",
            "peer-support",
            "skills-practice",
        } <= kinds
        assert catalog.activity("process-group").flexible

    def test_modules(self):
        """The built-in modules exist, each with 3 or more lessons and objectives."""
        catalog = iopkit.builtin_catalog()
        for module_id in [
            "cbt-foundations",
            "cognitive-restructuring",
            "stress-and-breathing",
            "sleep-management",
            "relapse-prevention",
            "psychoeducation-conditions",
            "dbt-mindfulness",
            "dbt-distress-tolerance",
            "dbt-emotion-regulation",
            "dbt-interpersonal-effectiveness",
        ]:
            found = catalog.module(module_id)
            assert len(found.lessons) >= 3
            assert all(les.objectives and 20 <= les.minutes.min <= 90 for les in found.lessons)

    def test_no_dangling_reference(self):
        """Every reference in the built-in catalog resolves."""
        catalog = iopkit.builtin_catalog()
        for act in catalog.all_activities():
            if act.modality:
                catalog.modality(act.modality)
        for mod in catalog.modules:
            catalog.modality(mod.modality)
            for req in mod.requires:
                catalog.module(req)


class TestFiles:
    @given(s.catalogs(), st.sampled_from(["c.yaml", "c.json"]))
    def test_round_trip(self, tmp_path_factory, catalog, name):
        """dump then load gives back an equal catalog, in YAML and JSON."""
        path = tmp_path_factory.mktemp("rt") / name
        iopkit.dump_catalog(catalog, path)
        assert iopkit.load_catalog(path) == catalog

    @given(s.catalogs())
    def test_unstructured_matches_schema(self, catalog):
        """Every unstructured catalog is valid against the catalog schema."""
        jsonschema.Draft202012Validator(iopkit.schema("catalog")).validate(
            converter.unstructure(catalog)
        )

    @given(s.modalities | s.activities() | s.skill_modules())
    def test_structure_unstructure(self, item):
        """structure(unstructure(x)) == x for every building block."""
        assert converter.structure(converter.unstructure(item), type(item)) == item

    @given(s.sessions())
    def test_session_round_trip(self, session):
        """Sessions survive unstructure and structure unchanged."""
        assert converter.structure(converter.unstructure(session), type(session)) == session

    def test_unknown_key_did_you_mean(self, tmp_path):
        """An unknown key is reported with a close known key and its line."""
        path = tmp_path / "c.yaml"
        path.write_text(
            "iopkit: catalog/1\nmodalities:\n  - id: art\n    name: Art\n    descripton: x\n"
        )
        with pytest.raises(FileFormatError) as info:
            iopkit.load_catalog(path)
        (problem,) = info.value.problems
        assert problem.pointer == "/modalities/0/descripton"
        assert problem.line == 5
        assert "did you mean 'description'" in problem.message
        assert str(path) in str(info.value)

    def test_every_problem_at_once(self, tmp_path):
        """Several schema errors are reported together with their pointers."""
        path = tmp_path / "c.json"
        path.write_text(
            json.dumps(
                {
                    "iopkit": "catalog/1",
                    "activities": [{"id": "A B", "title": "x", "kind": "nap", "minutes": 0}],
                }
            )
        )
        with pytest.raises(FileFormatError) as info:
            iopkit.load_catalog(path)
        pointers = {p.pointer for p in info.value.problems}
        assert {"/activities/0/id", "/activities/0/kind", "/activities/0/minutes"} <= pointers

    def test_python_tags_are_refused(self, tmp_path):
        """YAML tags that would build Python objects are refused, nothing runs."""
        path = tmp_path / "c.yaml"
        path.write_text(
            "iopkit: catalog/1\nmodalities: !!python/object/apply:os.system ['echo hi']\n"
        )
        with pytest.raises(FileFormatError, match="not allowed|cannot read"):
            iopkit.load_catalog(path)

    def test_wrong_file_kind(self, tmp_path):
        """A program file given as a catalog says what it is."""
        path = tmp_path / "p.yaml"
        path.write_text("iopkit: program/1\n")
        with pytest.raises(FileFormatError, match="this is a program file, not a catalog file"):
            iopkit.load_catalog(path)

    def test_range_min_above_max_in_file(self, tmp_path):
        """A range with min above max is reported at the activity, with its line."""
        path = tmp_path / "c.yaml"
        path.write_text(
            "iopkit: catalog/1\nactivities:\n  - id: a\n    title: A\n    kind: check-in\n"
            "    minutes: {min: 60, max: 30}\n"
        )
        with pytest.raises(FileFormatError) as info:
            iopkit.load_catalog(path)
        (problem,) = info.value.problems
        assert problem.pointer.startswith("/activities/0")
        assert "above its maximum" in problem.message
        assert problem.line is not None


class TestMutations:
    @given(st.data())
    def test_mutated_document_gives_documented_error(self, tmp_path_factory, data):
        """A valid catalog document mutated at random loads or raises InputError, nothing else.

        Unknown keys are always refused, at the pointer of the key.
        """
        catalog = data.draw(s.catalogs())
        doc, how, path = data.draw(s.mutated(converter.unstructure(catalog)))
        file = tmp_path_factory.mktemp("m") / "c.json"
        file.write_text(json.dumps(doc))
        try:
            iopkit.load_catalog(file)
        except InputError as exc:
            assert exc.problems
            assert all(p.file == str(file) for p in exc.problems)
            if how == "unknown-key":
                assert any(p.pointer == "/" + "/".join(map(str, path)) for p in exc.problems)
        else:
            assert how != "unknown-key"


class TestExtend:
    def test_extend_refers_to_base(self):
        """extend adds items that may refer to the base catalog's ids."""
        base = iopkit.builtin_catalog()
        module = SkillModule(
            id="clinic-mod",
            title="Ours",
            modality="cbt",
            lessons=(lesson("clinic-l1"),),
            requires=("cbt-foundations",),
        )
        bigger = base.extend(modules=[module])
        assert bigger.module("clinic-mod") == module
        assert len(bigger.modules) == len(base.modules) + 1

    def test_extend_checks(self):
        """extend refuses a duplicate of a base id."""
        base = iopkit.builtin_catalog()
        with pytest.raises(CatalogError, match="defined twice"):
            base.extend(activities=[Activity(id="check-in", title="x", kind="check-in", minutes=5)])


class TestBuiltinText:
    def test_objectives_are_sentences(self):
        """Every objective of the built-in catalog is one sentence: it begins with a
        capital letter, ends with a full stop, and holds no other full stop (so no list
        was cut at its commas)."""
        import iopkit

        for activity in iopkit.builtin_catalog().all_activities():
            for objective in activity.objectives:
                assert objective[:1].isupper(), (activity.id, objective)
                assert objective.endswith("."), (activity.id, objective)
                assert objective.count(". ") == 0, (activity.id, objective)
