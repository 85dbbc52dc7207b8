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
    "myst_parser",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
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


def _cli_page() -> str:
    import click

    from iopkit._cli import main

    lines = ["# Command line", "", "Generated from the `iopkit` click application.", ""]
    context = click.Context(main, info_name="iopkit")
    lines += ["```text", main.get_help(context), "```", ""]
    for name in sorted(main.commands):
        command = main.commands[name]
        sub = click.Context(command, info_name=f"iopkit {name}", parent=context)
        lines += [f"## `iopkit {name}`", "", "```text", command.get_help(sub), "```", ""]
    return "\n".join(lines)


def _schema_rows(schema: dict, defs: dict, prefix: str = "", depth: int = 0) -> list[str]:
    rows = []
    required = set(schema.get("required", []))
    for key, sub in schema.get("properties", {}).items():
        if "$ref" in sub and sub["$ref"].startswith("#/$defs/"):
            target = defs[sub["$ref"].split("/")[-1]]
            merged = {**target, **{k: v for k, v in sub.items() if k != "$ref"}}
        else:
            merged = sub
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
    for name in ("catalog", "program", "curriculum", "profile"):
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
        for def_name in ("activity", "module", "requirement", "track", "session", "block"):
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


def _vocabulary_page() -> str:
    from iopkit import ActivityKind, Format, builtin_catalog

    catalog = builtin_catalog()
    lines = [
        "# Vocabulary",
        "",
        "Generated from the code and the built-in catalog.",
        "",
        "## Activity kinds",
        "",
    ]
    lines += [f"- `{k.value}`" for k in ActivityKind]
    lines += ["", "## Formats", ""] + [f"- `{f.value}`" for f in Format]
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
