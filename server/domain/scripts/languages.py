"""A script's texts in its languages, as the running room keeps them.

A script written with texts in several languages (``question: {en: ..., es: ...}``) is stored in
its session as plain data where every text is in the default language, as a one-language script
is, so everything that reads a script (run sheet, exports, replay) reads it unchanged; each step
(and the script itself, and each parameter) also carries ``texts``: for every language of the
script, its texts in that language (``{"es": {"question": ..., "axes": [...]}}``). A script in one
language gets no ``texts``. See docs/scripts.md, "Languages".
"""

from __future__ import annotations

from typing import Any

from .format import Script

# the texts of each part, by field; a list holds one text per item (a vote's axes, its options' items)
STEP_TEXTS = ("title", "question", "text")
STEP_TEXT_LISTS = ("axes", "buckets")
SCRIPT_TEXTS = ("title", "purpose")
PARAM_TEXTS = ("default", "label")


def pick(value: Any, language: str, default: str) -> Any:
    """``value`` in ``language`` (falling back on the default language); a plain string is the same in all."""
    if isinstance(value, dict):
        return value.get(language, value.get(default, ""))
    return value


def in_default(script: Script) -> dict[str, Any]:
    """The script as session data: every text in the default language, the others under ``texts``."""
    data = script.model_dump(mode="json", by_alias=True)
    languages: list[str] = data["languages"]
    _split(data, SCRIPT_TEXTS, (), languages)
    for param in data["params"].values():
        _split(param, PARAM_TEXTS, (), languages)
    for step in data["steps"]:
        _split(step, STEP_TEXTS, STEP_TEXT_LISTS, languages)
        options = step.get("options")
        if isinstance(options, dict) and options.get("items") is not None:
            items = options["items"]
            options["items"] = [pick(item, languages[0], languages[0]) for item in items]
            if len(languages) > 1:
                for language in languages:
                    step["texts"][language]["items"] = [pick(item, language, languages[0]) for item in items]
    return data


def _split(part: dict[str, Any], fields: tuple[str, ...], lists: tuple[str, ...], languages: list[str]) -> None:
    default = languages[0]
    texts: dict[str, dict[str, Any]] = {language: {} for language in languages}
    for field in fields:
        value = part.get(field)
        if value is None:
            continue
        part[field] = pick(value, default, default)
        for language in languages:
            texts[language][field] = pick(value, language, default)
    for field in lists:
        values = part.get(field)
        if values is None:
            continue
        part[field] = [pick(v, default, default) for v in values]
        for language in languages:
            texts[language][field] = [pick(v, language, default) for v in values]
    if len(languages) > 1:
        part["texts"] = texts
