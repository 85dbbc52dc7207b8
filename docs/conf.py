"""Sphinx configuration for iopkit's documentation.

Reference pages for the command line, the file formats, the compliance profiles and the
vocabulary are generated at build time from the click app, ``schemas/`` and the shipped
data, so they cannot drift. Intersphinx reads small inventories written here: the build
needs no network, and links still point to the published Python, attrs and cattrs docs.
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import iopkit

project = "iopkit"
author = "iopkit developers"
copyright = "2026, iopkit developers"
release = iopkit.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "myst_nb",
]
source_suffix = {".md": "myst-nb", ".rst": "restructuredtext", ".ipynb": "myst-nb"}
# the notebook tutorial runs in every build (in a temporary folder: it writes exports)
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_in_temp = True
nb_execution_timeout = 300
exclude_patterns = ["_build", "_generated/*.tmp"]
html_theme = "furo"
html_title = f"iopkit {release}"
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": False}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
nitpicky = True
nitpick_ignore_regex = [
    # private modules and helper types the public API mentions in signatures
    (r"py:.*", r"iopkit\.(.*\.)?_.*"),
    (r"py:.*", r"(typing|collections\.abc|types)\..*"),
    (r"py:.*", r"(_T|_Item|Origin|Section|SchemaName|T|Any)"),
    (r"py:class", r"(attr|attrs)\..*"),
    (r"py:class", r"(pathlib\.)?Path|os\.PathLike.*|NoneType|Ellipsis"),
    (r"py:class", r"(datetime\.)?date|Iterable.*|Sequence.*|Mapping.*|Iterator.*|Callable.*"),
    (r"py:.*", r"(iopkit\.)?(Rule|Context|Lesson|Selector|Profile.*|Count|Per|Population|Weeks)"),
    # type aliases and helpers of private modules, named in public signatures
    (r"py:class", r"(Source|Limit|ModelBuilder)"),
    # Rule's docstrings: ":attr:`id`" and ":attr:`description`" name attributes that
    # autodoc does not document, and napoleon reads the summary of the ``where`` property
    # ("Where the limit is stated: ...") as a return type. Remove these two lines once the
    # docstrings in curriculum/_rules/_base.py are reworded.
    (r"py:attr", r"(id|description)"),
    (r"py:class", r"Where the limit is stated"),
]

# -- intersphinx without network ------------------------------------------------------------

_INVENTORIES = {
    "python": (
        "https://docs.python.org/3",
        [
            ("datetime.date", "py:class", "library/datetime.html#datetime.date"),
            ("TimeoutError", "py:exception", "library/exceptions.html#TimeoutError"),
            ("ValueError", "py:exception", "library/exceptions.html#ValueError"),
            ("KeyError", "py:exception", "library/exceptions.html#KeyError"),
            ("Exception", "py:exception", "library/exceptions.html#Exception"),
            ("str", "py:class", "library/stdtypes.html#str"),
            ("int", "py:class", "library/functions.html#int"),
            ("float", "py:class", "library/functions.html#float"),
            ("bool", "py:class", "library/functions.html#bool"),
            ("bytes", "py:class", "library/stdtypes.html#bytes"),
            ("tuple", "py:class", "library/stdtypes.html#tuple"),
            ("list", "py:class", "library/stdtypes.html#list"),
            ("dict", "py:class", "library/stdtypes.html#dict"),
            ("object", "py:class", "library/functions.html#object"),
            ("None", "py:data", "library/constants.html#None"),
            ("dt.date", "py:class", "library/datetime.html#datetime.date"),
            ("datetime.date.weekday", "py:method", "library/datetime.html#datetime.date.weekday"),
            ("enum.StrEnum", "py:class", "library/enum.html#enum.StrEnum"),
            ("abc.ABC", "py:class", "library/abc.html#abc.ABC"),
            ("datetime.datetime", "py:class", "library/datetime.html#datetime.datetime"),
        ],
    ),
    "jsonschema": (
        "https://python-jsonschema.readthedocs.io/en/stable",
        [
            ("jsonschema", "py:module", "#module-jsonschema"),
        ],
    ),
    "referencing": (
        "https://referencing.readthedocs.io/en/stable",
        [
            ("referencing", "py:module", "api/#module-referencing"),
            ("referencing._core.Registry", "py:class", "api/#referencing.Registry"),
            ("referencing.Registry", "py:class", "api/#referencing.Registry"),
        ],
    ),
    "attrs": (
        "https://www.attrs.org/en/stable",
        [
            ("attrs.evolve", "py:function", "api.html#attrs.evolve"),
            ("attrs.frozen", "py:function", "api.html#attrs.frozen"),
        ],
    ),
    "cattrs": (
        "https://catt.rs/en/stable",
        [
            ("cattrs.Converter", "py:class", "cattrs.html#cattrs.Converter"),
            ("cattrs.transform_error", "py:function", "cattrs.html#cattrs.transform_error"),
        ],
    ),
}


def _write_inventories() -> dict[str, tuple[str, str]]:
    folder = HERE / "_build" / "inventories"
    folder.mkdir(parents=True, exist_ok=True)
    mapping = {}
    for name, (url, entries) in _INVENTORIES.items():
        header = (
            "# Sphinx inventory version 2\n"
            f"# Project: {name}\n# Version: \n"
            "# The remainder of this file is compressed using zlib.\n"
        ).encode()
        body = "".join(f"{n} {role} 1 {uri} -\n" for n, role, uri in entries).encode()
        path = folder / f"{name}.inv"
        path.write_bytes(header + zlib.compress(body))
        mapping[name] = (url, str(path))
    return mapping


intersphinx_mapping = _write_inventories()
intersphinx_timeout = 1

# -- generated reference pages ----------------------------------------------------------------

GENERATED = HERE / "reference" / "_generated"


def _write(name: str, text: str) -> None:
    GENERATED.mkdir(parents=True, exist_ok=True)
    path = GENERATED / name
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


#: What each value of an argument or option with a fixed list of values means. The CLI
#: page lists every value; a value without a meaning here stops the build, so a new export
#: format or schema cannot appear undocumented.
CHOICE_MEANINGS = {
    ("export", "fmt"): {
        "md": "Markdown: every week and session with clock times, activities, lessons and "
        "their objectives, closures and make-up sessions.",
        "html": "A printable HTML schedule (A4 or Letter): a curriculum map, a week-by-week "
        "grid coloured by modality, then each session in detail.",
        "ics": "iCalendar (RFC 5545): one event per session, for Google Calendar, Outlook or "
        "a CalDAV server. Needs a program with a start date.",
        "csv": "CSV (RFC 4180, UTF-8): a header row, then one row per activity of every "
        "session, for spreadsheets.",
        "fhir": "HL7 FHIR R5: a PlanDefinition (JSON) with relative timing, for a FHIR "
        "server to apply to a patient.",
        "json": "The curriculum file itself, as `compose` writes it (`iopkit: curriculum/1`).",
    },
    ("schema", "name"): {
        "catalog": "Catalog files (`iopkit: catalog/1`): modalities, activities, modules.",
        "program": "Program files (`iopkit: program/1`): the limits a curriculum must meet.",
        "curriculum": "Curriculum files (`iopkit: curriculum/1`), as `compose` writes them.",
        "profile": "Compliance profile files (`iopkit: profile/1`).",
        "journey": "Journey files (`iopkit: journey/1`): what one patient attends, as "
        "`journey` writes them.",
        "attendance": "Attendance records (`iopkit: attendance/1`): what patients attended, "
        "per session, sitting or block, with pseudonymous patient ids.",
    },
    ("journey", "fmt"): {
        "json": "The journey as JSON (`iopkit: journey/1`): each week of the stay, each "
        "session, and the blocks the patient attends with clock times and their group.",
        "md": "Markdown: the patient's schedule, week by week, with clock times, lessons and "
        "where each sitting meets.",
        "html": "A printable HTML schedule for the patient (A4 or Letter), in the look of the "
        "curriculum's.",
        "ics": "iCalendar (RFC 5545): one dated event per sitting the patient attends, with its "
        "room. Needs a program with a start date.",
        "fhir": "HL7 FHIR R5: a CarePlan (JSON) whose activities are the patient's dated "
        "sessions, instantiating the program's PlanDefinition.",
    },
    ("attendance", "fmt"): {
        "md": "Markdown: the summary, the patients below a floor this week, group sizes, then "
        "each patient's weeks with every limit's arithmetic, lessons missed and runs of "
        "absences.",
        "html": "One printable HTML page for a program director (no script): the summary, the "
        "patients below a floor, group sizes, a heat map of weekly compliance (patients by "
        "weeks of their stay) and each patient's weeks.",
        "csv": "CSV (RFC 4180, UTF-8): one row per patient-week, with each profile's verdict "
        "and its arithmetic; with `--rate`, one row per sitting of each session.",
        "json": "Everything, as JSON (`format: attendance-report/1`): every patient, week, "
        "check, missed lesson, run of absences and sitting of the census.",
    },
    ("attendance", "unrecorded"): {
        "absent": "A session without any record counts as missed (records list every session).",
        "present": "A session without any record counts as attended in full (records list "
        "only the exceptions).",
    },
}

#: What each positional argument is (click arguments carry no help text of their own).
ARGUMENT_MEANINGS = {
    ("compose", "program"): "A program file (YAML or JSON, `iopkit: program/1`). When it "
    "is omitted, the shipped example `adult-iop` is composed.",
    ("validate", "curriculum"): "A curriculum file (JSON, `iopkit: curriculum/1`), as "
    "`compose` writes it. It carries its program, so no program file is needed.",
    ("export", "curriculum"): "A curriculum file (JSON, `iopkit: curriculum/1`), as "
    "`compose` writes it.",
    ("example", "name"): "The example to write; by default `adult-iop`.",
    ("schema", "name"): "The file format whose JSON Schema (draft 2020-12) to print.",
    ("journey", "curriculum"): "A curriculum file (JSON, `iopkit: curriculum/1`), as "
    "`compose` writes it, of a program that admits patients (or a closed cohort).",
    ("attendance", "curriculum"): "A curriculum file (JSON, `iopkit: curriculum/1`), as "
    "`compose` writes it, of a program with a start date: the plan the records are about.",
    ("attendance", "records"): "Attendance records: a CSV file (a header row, then one row "
    "per record) or a JSON file (`iopkit: attendance/1`), with pseudonymous patient ids. "
    "Omit it and give `--rate` for a planned census.",
}

#: What each exit code means; every member of the command line's ``Exit`` enum is listed.
EXIT_MEANINGS = {
    "OK": "Success.",
    "FAILED": "The program is infeasible (`compose` prints why, and repairs), or the "
    "curriculum is not valid (`validate` lists every violation).",
    "INPUT": "Bad input or usage: a file that cannot be read, is malformed or breaks its "
    "schema; an unknown profile or option; an export that is impossible (such as a "
    "calendar without a start date). Every problem is printed with its file, line and place.",
    "LIMIT": "A limit was reached: the time budget (`--budget`), the memory ceiling "
    "(`--memory`), or a result larger than the 16 MiB iopkit reads back. Nothing partial "
    "is written.",
    "INTERNAL": "An internal error: a bug in iopkit. One line says what happened, never a "
    "traceback; please report it.",
    "INTERRUPTED": "Interrupted (Ctrl-C).",
}


def _meaning(table: dict, key: object, what: str) -> str:
    if key not in table:
        msg = f"docs/conf.py: no meaning written for {what}; add one"
        raise RuntimeError(msg)
    return str(table[key])


def _clean_help(text: str) -> str:
    """A click help text as one paragraph (its own line breaks are for the terminal)."""
    return " ".join(text.split())


def _param_entry(command: str, param: object, ctx: object) -> list[str]:
    """A definition-list entry for one argument or option of a command."""
    import click

    if not isinstance(param, click.Parameter) or not isinstance(ctx, click.Context):
        msg = f"not a click parameter: {param!r}"
        raise TypeError(msg)
    facts: list[str] = []
    if isinstance(param, click.Option):
        record = param.get_help_record(ctx)
        name = record[0] if record else "/".join(param.opts)
        text = _clean_help(param.help or "")
        if param.required:
            facts.append("required")
        if param.multiple and "repeatable" not in text:
            facts.append("repeatable")
        default = param.default
        shown = param.show_default and default is not None and not callable(default)
        if shown and "UNSET" not in repr(default):
            facts.append(f"default: `{default}`")
    else:
        try:
            name = param.make_metavar(ctx)  # click 8.2 and newer
        except TypeError:  # pragma: no cover - click 8.1
            name = param.make_metavar()  # type: ignore[call-arg]
        text = _meaning(ARGUMENT_MEANINGS, (command, param.name), f"argument {command} {name}")
        facts.append("required" if param.required else "optional")
    if isinstance(param.type, click.IntRange):
        facts.append(f"a whole number from {param.type.min} to {param.type.max}")
    lines = [f"`{name}`", f": {text}" + (f" ({'; '.join(facts)})" if facts else "")]
    if isinstance(param.type, click.Choice):
        meanings = CHOICE_MEANINGS.get((command, str(param.name)), {})
        lines += ["", "  One of:", ""]
        lines += [
            f"  - `{choice}`: {_meaning(meanings, choice, f'{command} {name} = {choice}')}"
            for choice in param.type.choices
        ]
    if command == "example" and param.name == "name":
        from iopkit._cli import _example_names

        shipped = ", ".join(f"`{n}`" for n in _example_names())
        lines += ["", f"  The shipped examples: {shipped}."]
    return [*lines, ""]


def _cli_page() -> str:
    import click

    from iopkit._cli import Exit, main

    context = click.Context(main, info_name="iopkit", **main.context_settings)
    lines = [
        "# Command line",
        "",
        "Generated from the `iopkit` click application, so it always matches "
        "`iopkit COMMAND --help`.",
        "",
        "```text",
        main.get_usage(context).removeprefix("Usage: "),
        "```",
        "",
        *[
            _clean_help(paragraph) + "\n"
            for paragraph in (main.help or "").split("\n\n")
            if paragraph.strip() and not paragraph.strip().startswith("Exit codes")
        ],
        "Options of `iopkit` itself: `--version` prints the version; `-h`, `--help` "
        "prints the list of commands.",
        "",
        "## Exit codes",
        "",
        "Every command ends with one of these codes (scripts and CI can rely on them):",
        "",
        "| code | meaning |",
        "| --- | --- |",
    ]
    lines += [
        f"| {int(member)} | {_meaning(EXIT_MEANINGS, member.name, f'exit code {member.name}')} |"
        for member in Exit
    ]
    lines += [
        "",
        "Messages go to standard error, one line per problem, and never hold control "
        "characters from an input. `-o FILE` writes a file atomically: readers see the old "
        "file or the new one, never a part, and a failed command leaves no file behind.",
        "",
    ]
    for name in sorted(main.commands):
        command = main.commands[name]
        sub = click.Context(command, info_name=name, parent=context, **command.context_settings)
        usage = command.get_usage(sub).removeprefix("Usage: ")
        doc = (command.help or "").strip().split("\n\n")
        lines += [f"## `iopkit {name}`", "", "```text", usage, "```", ""]
        lines += [_clean_help(paragraph) + "\n" for paragraph in doc if paragraph.strip()]
        arguments = [p for p in command.get_params(sub) if isinstance(p, click.Argument)]
        options = [p for p in command.get_params(sub) if isinstance(p, click.Option)]
        if arguments:
            lines += ["### Arguments", ""]
            for param in arguments:
                lines += _param_entry(name, param, sub)
        lines += ["### Options", ""]
        for param in options:
            lines += _param_entry(name, param, sub)
    return "\n".join(lines).rstrip("\n") + "\n"


def _schema_rows(schema: dict, defs: dict, prefix: str = "", depth: int = 0) -> list[str]:
    rows = []
    required = set(schema.get("required", []))
    for key, sub in schema.get("properties", {}).items():
        merged = sub
        while "$ref" in merged and merged["$ref"].startswith("#/$defs/"):
            target = defs
            for part in merged["$ref"].removeprefix("#/$defs/").split("/"):
                target = target[part]
            merged = {**target, **{k: v for k, v in merged.items() if k != "$ref"}}
        kind = merged.get("type") or (
            "one of: " + ", ".join(map(str, merged["enum"])) if "enum" in merged else ""
        )
        if not kind and "anyOf" in merged:
            kind = " or ".join(
                str(o.get("type", o.get("$ref", "value")).split("/")[-1]) for o in merged["anyOf"]
            )
        if not kind and "oneOf" in merged:
            kind = " or ".join(str(o.get("type", "value")) for o in merged["oneOf"])
        if "const" in merged:
            kind = f"`{merged['const']}`"
        text = str(merged.get("description", "")).replace("|", "\\|").replace("\n", " ")
        name = f"{prefix}{key}"
        rows.append(f"| `{name}` | {kind} | {'yes' if key in required else ''} | {text} |")
        if depth < 2 and merged.get("type") == "object" and "properties" in merged:
            rows += _schema_rows(merged, defs, f"{name}.", depth + 1)
    return rows


def _formats_page() -> str:
    lines = [
        "# File formats",
        "",
        "Generated from the JSON Schemas (draft 2020-12) in `schemas/`, which iopkit also ships "
        "in the package and validates every file against. Print one with `iopkit schema NAME`.",
        "",
    ]
    for name in ("catalog", "program", "curriculum", "profile", "journey", "attendance"):
        schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        defs = schema.get("$defs", {})
        lines += [
            f"## {schema['title']}",
            "",
            schema.get("description", ""),
            "",
            f"Schema id: `{schema['$id']}`",
            "",
            "| key | type | required | meaning |",
            "| --- | --- | --- | --- |",
        ]
        lines += _schema_rows(schema, defs)
        for def_name in (
            "activity",
            "module",
            "requirement",
            "track",
            "session",
            "order",
            "selector",
            "group",
            "block",
        ):
            if def_name in defs and "properties" in defs[def_name]:
                lines += [
                    "",
                    f"### `{def_name}`",
                    "",
                    str(defs[def_name].get("description", "")),
                    "",
                    "| key | type | required | meaning |",
                    "| --- | --- | --- | --- |",
                ]
                lines += _schema_rows(defs[def_name], defs)
        lines.append("")
    return "\n".join(lines)


def _profiles_page() -> str:
    from iopkit.curriculum import profiles

    lines = [
        "# Compliance profiles",
        "",
        "Generated from the profile files shipped in the package. Profiles are planning "
        "aids that encode public sources; they are not billing advice.",
        "",
    ]
    for profile in profiles():
        lines += [
            f"## `{profile.id}`",
            "",
            f"**{profile.title}**",
            "",
            f"- Source: {profile.source}",
            f"- Checked: {profile.checked.isoformat()}",
        ]
        if profile.population:
            lines.append(f"- Population: {profile.population.value}")
        lines += ["- Rules:"] + [f"  - `{rule.id}`: {_describe(rule)}" for rule in profile.rules()]
        if profile.notes:
            lines += ["", profile.notes]
        lines.append("")
    return "\n".join(lines)


def _describe(rule: object) -> str:
    from iopkit import Range, builtin_catalog
    from iopkit.curriculum import Program, SessionShape
    from iopkit.curriculum._rules import Context

    shape = SessionShape(minutes=Range(min=60, max=60))
    program = Program(name="P", weeks=1, days=["mon"], session=shape)
    return rule.reason(Context(program=program, catalog=builtin_catalog()))  # type: ignore[attr-defined]


#: What each activity kind means, in iopkit's own words; every member of ``ActivityKind``
#: needs one.
KIND_MEANINGS = {
    "check-in": "opens a session: each member says briefly how they are doing.",
    "wrap-up": "closes a session: what members take away and will practise before the next.",
    "break": "a pause. Not a service: its minutes count towards the session's length, "
    "never towards service minutes.",
    "mindfulness": "a short guided practice of attention to the present moment.",
    "psychoeducation": "teaching about conditions, treatment and recovery.",
    "skills-training": "teaching a new skill; most lessons of skill modules are of this kind.",
    "skills-practice": "practising skills already taught, in exercises during the session.",
    "role-play": "rehearsing a situation, with feedback from the group.",
    "process-group": "group psychotherapy about members' current difficulties.",
    "individual-check-in": "a short one-to-one contact with a clinician about progress and safety.",
    "individual-therapy": "a full one-to-one psychotherapy session with a licensed therapist.",
    "family-therapy": "a session with the patient's family or other supports.",
    "medication-management": "a prescriber's review of medication.",
    "peer-support": "time for members to support one another and build contacts.",
    "expressive-therapy": "art, music, movement or other experiential therapy.",
    "assessment": "measures of symptoms or progress, or another assessment.",
}

#: What each format means; every member of ``Format`` needs one.
FORMAT_MEANINGS = {
    "group": "several patients together, led by one or more clinicians.",
    "individual": "one patient with one clinician.",
    "family": "the patient with family members or other supports.",
}


def _vocabulary_page() -> str:
    from iopkit import ActivityKind, Format, builtin_catalog

    catalog = builtin_catalog()
    lines = [
        "# Vocabulary",
        "",
        "Generated from the code and the built-in catalog. What the words mean, and how "
        "kinds, formats, modalities and activities differ, is in {doc}`../../explanation/terms`.",
        "",
        "## Activity kinds",
        "",
        "What an activity does in a session. A requirement such as "
        "`{kind: psychoeducation, per: week, min: 2}` counts activities of a kind.",
        "",
    ]
    lines += [
        f"- `{k.value}`: {_meaning(KIND_MEANINGS, k.value, f'activity kind {k.value}')}"
        for k in ActivityKind
    ]
    lines += [
        "",
        "## Formats",
        "",
        "Who takes part in an activity.",
        "",
    ]
    lines += [
        f"- `{f.value}`: {_meaning(FORMAT_MEANINGS, f.value, f'format {f.value}')}" for f in Format
    ]
    lines += [
        "",
        "## Built-in modalities",
        "",
        "| id | name | description |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{m.id}` | {m.name} | {m.description} |" for m in catalog.modalities]
    lines += [
        "",
        "## Built-in activities",
        "",
        "| id | title | kind | format | minutes |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{a.id}` | {a.title} | {a.kind.value} | {a.format.value} | {a.minutes.describe()} |"
        for a in catalog.activities
    ]
    lines += [
        "",
        "## Built-in modules",
        "",
        "| id | title | lessons | requires |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{m.id}` | {m.title} | {len(m.lessons)} | {', '.join(m.requires)} |"
        for m in catalog.modules
    ]
    return "\n".join(lines) + "\n"


_write("cli.md", _cli_page())
_write("formats.md", _formats_page())
_write("profiles.md", _profiles_page())
_write("vocabulary.md", _vocabulary_page())
