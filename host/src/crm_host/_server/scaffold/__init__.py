"""``crm-host new-plugin NAME``: a working plugin serving one resource with the kit.

The plugin has what a real one has: a proto with the resource's standard
methods and the code generated from it, a SQLAlchemy model with its first
Alembic migration, the resource's declaration (fields, access rules, soft
delete), settings, and tests over the wire with crm_host.testing's fixtures.

The files are the templates in ``template/``, with ``$``-placeholders
(:class:`string.Template`) in their text and ``NAME``, ``PACKAGE`` and
``TABLE`` in their paths. The resource is named after the plugin:
``tasks`` serves ``Task`` (plural ``Tasks``), unless ``resource`` names it.
"""

from __future__ import annotations

import keyword
import re
import string
from datetime import UTC, datetime
from pathlib import Path

from crm_host import __version__
from crm_host._server import codegen

# Short enough for every generated line to fit the house's 100 columns.
NAME = re.compile(r"^[a-z][a-z0-9_]{1,19}$")
RESOURCE = re.compile(r"^[A-Z][A-Za-z0-9]{1,19}$")
# Plugin commands run as `crm-host <plugin> ...`: a plugin must not shadow
# these; and crm_host is the host's own package.
RESERVED = frozenset({"serve", "migrate", "config", "plugins", "codegen", "new_plugin", "host"})
TEMPLATE = Path(__file__).parent / "template"
SUFFIX = ".tmpl"


class ScaffoldError(Exception):
    """The plugin cannot be created; ``str()`` says why."""


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def snake(name: str) -> str:
    """``"PhoneNumber"`` as ``"phone_number"``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def singular_of(plural: str) -> str:
    """English's regular plurals undone: ``Tasks`` -> ``Task``, ``Companies`` -> ``Company``."""
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    if plural.endswith(("sses", "xes", "zes", "ches", "shes")):
        return plural[:-2]
    if plural.endswith("s") and not plural.endswith(("ss", "us", "is")):
        return plural[:-1]
    return plural


def plural_of(singular: str) -> str:
    if re.search(r"[^aeiou]y$", singular):
        return singular[:-1] + "ies"
    if singular.endswith(("s", "x", "z", "ch", "sh")):
        return singular + "es"
    return singular + "s"


def substitutions(name: str, resource: str | None = None) -> dict[str, str]:
    """What the templates' placeholders stand for, for the plugin ``name``."""
    collection = camel(name)
    singular = resource or singular_of(collection)
    plural = collection if collection != singular else plural_of(singular)
    field = snake(singular)
    return {
        "name": name,
        "name_upper": name.upper(),
        "dist": f"crm-{name.replace('_', '-')}",
        "package": f"crm_{name}",
        "service": f"{collection}Service",
        "singular": singular,
        "plural": plural,
        "field": field,
        "collection": snake(plural),
        "noun": field.replace("_", " "),
        "nouns": snake(plural).replace("_", " "),
        "resource": f"{name}.{field}",
        "kind_upper": field.upper(),
        "table": name,
        "row": f"{singular}Row",
        "settings_class": f"{collection}Settings",
        "admin_role": f"{name}.admin",
        "host_version": __version__,
        "date": datetime.now(UTC).date().isoformat(),
    }


def _check(name: str, resource: str | None) -> None:
    if keyword.iskeyword(name) or name in RESERVED:
        raise ScaffoldError(f"plugin name {name!r} is taken by Python or by crm-host")
    if not NAME.match(name):
        raise ScaffoldError(
            f"plugin name {name!r} must be 2 to 20 lower-case letters, digits or _, "
            "starting with a letter"
        )
    if resource is not None and not RESOURCE.match(resource):
        raise ScaffoldError(
            f"resource name {resource!r} must be 2 to 20 letters or digits in CamelCase, "
            "starting with an upper-case letter"
        )


def create_plugin(name: str, directory: Path, resource: str | None = None) -> Path:
    """Write the plugin ``name`` into ``directory/name`` and generate its code."""
    _check(name, resource)
    root = directory / name
    if root.exists():
        raise ScaffoldError(f"{root} already exists")
    values = substitutions(name, resource)
    parts = {"NAME": name, "PACKAGE": values["package"], "TABLE": values["table"]}
    for template in sorted(TEMPLATE.rglob(f"*{SUFFIX}")):
        relative = template.relative_to(TEMPLATE).with_suffix("")
        path = root.joinpath(*(_replace_parts(part, parts) for part in relative.parts))
        path.parent.mkdir(parents=True, exist_ok=True)
        text = string.Template(template.read_text(encoding="utf-8")).substitute(values)
        path.write_text(text, encoding="utf-8")
    for target in codegen.load_targets(root / "pyproject.toml"):
        codegen.generate(target, target.out)
    return root


def _replace_parts(part: str, parts: dict[str, str]) -> str:
    for placeholder, value in parts.items():
        part = part.replace(placeholder, value)
    return part
