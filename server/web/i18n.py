"""Interface languages: the message catalogues (gettext ``.po`` files under ``client/locale``, kept
with Babel) for the server's templates and, the same catalogues, for the ES modules.

The ``.po`` files are the only source: they are read and compiled in memory when the app starts
(Babel's ``read_po``/``write_mo``), so a fresh clone needs no build step and no compiled file is
committed. A page's template is rendered in one language (``lang`` in its context; Jinja's i18n
extension calls ``gettext``/``ngettext`` below, which read it). The messages the modules use (those
the catalogue locates in a ``.js`` file) are served per language as a static file with a hashed
name, ``/static/i18n/<lang>.<hash>.json`` (kept a year, like the modules), which the page names in
``<html data-catalogue>`` and ``client/static/i18n.js`` loads (docs/architecture.md, "Interface
languages").

Plural forms come from Babel: the catalogue's gettext ``Plural-Forms`` orders a message's forms,
and each CLDR plural category (what the browser's ``Intl.PluralRules`` answers) is mapped here to
the index of its form, checked on the numbers 0..1000, so both sides agree on every count.
"""

from __future__ import annotations

import gettext as gettext_module
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context

from ..client_paths import LOCALE_DIR
from ..languages import DEFAULT, LANGUAGES
from .assets import ASSETS

COOKIE = "wholeroom-lang"  # the language a phone chose (set by client/static/i18n.js)
DOMAIN = "messages"


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    name: str
    rtl: bool
    translations: gettext_module.NullTranslations
    client: dict[str, Any] = field(default_factory=dict)  # what the ES modules get (client_catalogue)

    @property
    def dir(self) -> str:
        return "rtl" if self.rtl else "ltr"


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


def load(locale_dir: Path = LOCALE_DIR) -> dict[str, Language]:
    """Every interface language, its catalogue compiled in memory (English: the messages as written)."""
    languages: dict[str, Language] = {}
    for code, name in LANGUAGES.items():
        catalog = read_catalog(code, locale_dir)
        translations: gettext_module.NullTranslations
        if catalog is None:
            if code != DEFAULT:
                raise FileNotFoundError(f"no catalogue for language {code!r} in {locale_dir}")
            translations = gettext_module.NullTranslations()
        else:
            mo = io.BytesIO()
            write_mo(mo, catalog)  # fuzzy entries are left out, as `pybabel compile` does
            mo.seek(0)
            translations = Translations(mo, domain=DOMAIN)
        rtl = Locale.parse(code).text_direction == "rtl"
        languages[code] = Language(code, name, rtl, translations, client_catalogue(code, catalog))
    return languages


LOADED = load()
for _code, _language in LOADED.items():  # the modules' catalogues, as cached static files
    if _code != DEFAULT:
        ASSETS.generate(f"i18n/{_code}.json", json.dumps(_language.client, ensure_ascii=False).encode())


def catalogue_url(code: str) -> str:
    """The hashed URL of a language's catalogue for the modules ("" for English: the messages as written)."""
    chosen = language(code).code
    return "" if chosen == DEFAULT else ASSETS.url(f"i18n/{chosen}.json")


def language(code: str | None) -> Language:
    return LOADED.get(code or "", LOADED[DEFAULT])


def numbered_tables(count: int, code: str) -> list[str]:
    """The names of ``count`` numbered tables in language ``code``: "Table 1", "Mesa 1", "الطاولة 1"...
    (the message is the one client/static/model.js names a table by when it has no name)."""
    word = language(code).translations.gettext("Table {id}")
    return [word.replace("{id}", str(i)) for i in range(1, count + 1)]


def parse_accept_language(header: str) -> list[str]:
    """Language tags of an Accept-Language header, best first (``q=0`` ones left out)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(chosen: str | None, accept_language: str) -> str:
    """A phone's language: the one it chose (cookie), else the browser's best we have, else English."""
    if chosen in LANGUAGES:
        return chosen
    best = Locale.negotiate(parse_accept_language(accept_language), list(LANGUAGES), sep="-")
    return best.language if best is not None and best.language in LANGUAGES else DEFAULT


@pass_context
def _gettext(context: Context, message: str) -> str:
    return language(context.get("lang")).translations.gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return language(context.get("lang")).translations.ngettext(singular, plural, n)


def install(env: Any) -> None:
    """Jinja's i18n extension on ``env``, translating into each render's ``lang``."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks: whitespace collapsed, as extracted
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    env.globals["languages"] = LANGUAGES
    env.globals["catalogue_url"] = catalogue_url


def page_language(code: str) -> Mapping[str, str]:
    """What a template needs of its language: ``lang`` and ``dir`` (on <html>)."""
    chosen = language(code)
    return {"lang": chosen.code, "dir": chosen.dir}
