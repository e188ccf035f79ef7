"""The Babel side of the interface languages: read the ``.po`` catalogues (``client/locale``),
compile each in memory to the gettext ``.mo`` form, and derive what the ES modules need (their
messages, the text direction, the plural mapping).

It runs in a short child process when the server starts (``compiled_apart`` in
``server/web/i18n.py``, which never imports this module): reading a catalogue makes Babel load the
CLDR data of its language (about 8 MB that Python's allocator keeps once it has held it), which the
serving process has no use for afterwards. What comes back is only bytes and small dicts. The tests
use the functions here directly.

Plural forms: the catalogue's gettext ``Plural-Forms`` orders a message's forms, and each CLDR plural
category (what the browser's ``Intl.PluralRules`` answers) is mapped here to the index of its form,
checked on the numbers 0..1000, so both sides agree on every count.
"""

from __future__ import annotations

import base64
import gettext as gettext_module
import io
import json
import sys
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ..client_paths import LOCALE_DIR
from ..languages import DEFAULT, LANGUAGES

DOMAIN = "messages"


def plural_categories(code: str, plural_expr: str) -> dict[str, int]:
    """CLDR category -> index of the gettext plural form, for language ``code``. Raises
    ValueError when the catalogue's Plural-Forms and Babel's CLDR rules disagree on some count."""
    rule = Locale.parse(code).plural_form
    index_of = gettext_module.c2py(plural_expr)
    mapping: dict[str, int] = {}
    for n in range(1001):
        category, index = rule(n), index_of(n)
        if mapping.setdefault(category, index) != index:
            raise ValueError(f"{code}: plural category {category!r} is form {mapping[category]} and {index} (n={n})")
    if len(set(mapping.values())) != len(mapping):
        raise ValueError(f"{code}: plural categories {sorted(mapping)} share forms {mapping} (Plural-Forms wrong?)")
    last = max(mapping.values())  # a category no whole number reaches (Polish "other": fractions)
    for category in rule.tags | {"other"}:
        mapping.setdefault(category, last)
    return mapping


def client_catalogue(code: str, catalog: Catalog | None) -> dict[str, Any]:
    """The messages the ES modules use (located in a .js file), translated, and the plural mapping."""
    messages: dict[str, str | list[str]] = {}
    plural = {"one": 0, "other": 1}
    if catalog is not None:
        plural = plural_categories(code, catalog.plural_expr)
        for message in catalog:
            if not message.id or message.fuzzy or not any(path.endswith(".js") for path, _ in message.locations):
                continue
            if isinstance(message.id, (tuple, list)):
                forms = [str(s) for s in message.string or ()]
                if forms and all(forms):
                    messages[str(message.id[0])] = forms
            elif message.string:
                messages[str(message.id)] = str(message.string)
    rtl = Locale.parse(code).text_direction == "rtl"
    return {"lang": code, "dir": "rtl" if rtl else "ltr", "plural": plural, "messages": messages}


def read_catalog_file(path: Path, code: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=code, domain=DOMAIN)


def read_catalog(code: str, locale_dir: Path = LOCALE_DIR) -> Catalog | None:
    """A language's catalogue (None for English, the source, which has none)."""
    path = locale_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    return read_catalog_file(path, code) if path.exists() else None


def compile_all(locale_dir: Path = LOCALE_DIR) -> dict[str, dict[str, Any]]:
    """Every interface language: ``mo`` (the compiled catalogue, base64; "" for English, whose
    messages are the source) and ``client`` (:func:`client_catalogue`)."""
    compiled: dict[str, dict[str, Any]] = {}
    for code in LANGUAGES:
        catalog = read_catalog(code, locale_dir)
        mo = b""
        if catalog is None:
            if code != DEFAULT:
                raise FileNotFoundError(f"no catalogue for language {code!r} in {locale_dir}")
        else:
            out = io.BytesIO()
            write_mo(out, catalog)  # fuzzy entries are left out, as `pybabel compile` does
            mo = out.getvalue()
        compiled[code] = {"mo": base64.b64encode(mo).decode(), "client": client_catalogue(code, catalog)}
    return compiled


def main(locale_dir: str) -> None:
    sys.stdout.write(json.dumps(compile_all(Path(locale_dir)), ensure_ascii=False))
