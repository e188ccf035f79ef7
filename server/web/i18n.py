"""Interface languages: the message catalogues (gettext ``.po`` files under ``client/locale``, kept
with Babel) for the server's templates and, the same catalogues, for the ES modules.

The ``.po`` files are the only source: they are compiled when the app starts, by Babel in a short
child process (``server/web/catalogues.py``, which says why), so a fresh clone needs no build step
and no compiled file is committed; this process holds only the compiled catalogues (stdlib
``gettext``). A page's template is rendered in one language (``lang`` in its context; Jinja's i18n
extension calls ``gettext``/``ngettext`` below, which read it). The messages the modules use (those
the catalogue locates in a ``.js`` file) are served per language as a static file with a hashed
name, ``/static/i18n/<lang>.<hash>.json`` (kept a year, like the modules), which the page names in
``<html data-catalogue>`` and ``client/static/i18n.js`` loads (docs/architecture.md, "Interface
languages").
"""

from __future__ import annotations

import base64
import gettext as gettext_module
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from ..apart import run_apart
from ..client_paths import LOCALE_DIR
from ..domain.commands import check_table_count
from ..languages import DEFAULT, LANGUAGES
from .assets import ASSETS

COOKIE = "wholeroom-lang"  # the language a phone chose (set by client/static/i18n.js)


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


def compiled_apart(locale_dir: Path = LOCALE_DIR) -> dict[str, dict[str, Any]]:
    """``server.web.catalogues.compile_all`` in a child process (that module says why); its
    error, if any, raised here."""
    done = run_apart("server.web.catalogues", "main", str(locale_dir))
    if done.returncode != 0:
        raise RuntimeError(f"reading the message catalogues in {locale_dir} failed:\n{done.stderr.strip()}")
    result: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return result


def load(locale_dir: Path = LOCALE_DIR) -> dict[str, Language]:
    """Every interface language, its catalogue compiled (English: the messages as written)."""
    languages: dict[str, Language] = {}
    for code, compiled in compiled_apart(locale_dir).items():
        mo = base64.b64decode(compiled["mo"])
        translations = gettext_module.GNUTranslations(io.BytesIO(mo)) if mo else gettext_module.NullTranslations()
        client = compiled["client"]
        languages[code] = Language(code, LANGUAGES[code], client["dir"] == "rtl", translations, client)
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
    (the message is the one client/static/model.js names a table by when it has no name); a count
    out of range is refused as the event itself would be (``bad_tables``)."""
    check_table_count(count)
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
    """A phone's language: the one it chose (cookie), else the browser's best we have (a tag with a
    region, "es-MX", is its language, "es"), else English."""
    if chosen in LANGUAGES:
        return chosen
    for tag in parse_accept_language(accept_language):
        tag = tag.lower().replace("_", "-")
        for candidate in (tag, tag.split("-")[0]):
            if candidate in LANGUAGES:
                return candidate
    return DEFAULT


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
