"""The facilitation script format (see docs/scripts.md). Parsed from YAML, validated by pydantic.

A script is a list of steps; each step has a ``kind`` that decides its extra fields. Durations are
strings such as ``20m``; audiences are ``all``, ``table``, ``group``, ``facilitator`` or
``role:<name>``. Cross-step rules (references to earlier steps, timings) live in ``checks.py``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    WithJsonSchema,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue

from .durations import parse_duration

Duration = Annotated[
    int,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": "string", "pattern": r"^(\d+h)?(\d+m)?(\d+s)?$", "examples": ["90s", "20m", "1h30m"]}),
]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
# role and parameter names appear in placeholders and audiences: no '-' there
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
AUDIENCE_RE = re.compile(r"^(all|table|group|facilitator|role:[a-z][a-z0-9_]*)$")
# a language code: a BCP 47 tag as people write them (en, es, pt-BR, zh-Hant, es-419), lower-case language
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
DEFAULT_LANGUAGE = "en"


def _text(value: Any) -> Any:
    """A text is a string (in the script's default language) or a mapping language code -> string.
    Whether the codes are declared and every language is there is checked across the script (checks.py)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if not value:
            raise ValueError("a text in several languages maps language codes to texts, e.g. {en: Hello, es: Hola}")
        for code, text in value.items():
            if isinstance(code, bool):  # YAML reads a bare no (Norwegian) as false
                raise ValueError(f"{code!r} is not a language code; put codes such as no and yes in quotes")
            if not isinstance(code, str) or not LANGUAGE_RE.match(code):
                raise ValueError(f"{code!r} is not a language code like en, es or pt-BR")
            if not isinstance(text, str):
                raise ValueError(f"the {code} text must be text, not {type(text).__name__}")
        return value
    raise ValueError("expected a text, or a mapping of language codes to texts ({en: ..., es: ...})")


_TEXT_SCHEMA = {
    "anyOf": [
        {"type": "string"},
        {
            "type": "object",
            "propertyNames": {"pattern": LANGUAGE_RE.pattern},
            "additionalProperties": {"type": "string"},
            "minProperties": 1,
            "description": "the text in each of the script's languages",
        },
    ]
}
# a participant-facing text: a string, or the same text in several languages
Text = Annotated[str | dict[str, str], BeforeValidator(_text), WithJsonSchema(_TEXT_SCHEMA)]


def _language(value: Any) -> Any:
    if isinstance(value, bool):  # YAML reads a bare no (Norwegian) as false
        raise ValueError(f"{value!r} is not a language code; put codes such as no and yes in quotes")
    if not isinstance(value, str) or not LANGUAGE_RE.match(value):
        raise ValueError(f"{value!r} is not a language code like en, es or pt-BR")
    return value


Language = Annotated[
    str, BeforeValidator(_language), WithJsonSchema({"type": "string", "pattern": LANGUAGE_RE.pattern})
]


def texts_of(value: str | dict[str, str]) -> list[tuple[str | None, str]]:
    """Each (language, text) of a text; a plain string has no language (None)."""
    return [(None, value)] if isinstance(value, str) else list(value.items())


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Method(_Part):
    name: str
    origin: str
    refs: list[str] = []


class Fit(_Part):
    people: tuple[int, int] = (2, 2000)
    table_size: tuple[int, int] = (2, 12)
    minutes: int | None = Field(default=None, ge=1)


class Param(_Part):
    default: Text = ""
    label: Text = ""


class RoleSpec(_Part):
    per: Literal["table", "group", "room"] = "table"
    count: int = Field(default=1, ge=1, le=10)
    assign: Literal["volunteer", "random", "facilitator", "rotate"] = "volunteer"


class Groups(_Part):
    """Split each table into groups of ``size``, or ``merge`` the previous groups in twos, or group
    ``by`` what people chose: ``self_select`` from a marketplace (``from`` a signup step, one ``slot``)."""

    size: int | None = Field(default=None, ge=1, le=12)
    within: Literal["table"] = "table"
    remainder: Literal["trio", "join", "alone"] = "trio"
    merge: int | None = Field(default=None, ge=2, le=6)
    by: Literal["stakeholder", "mixed", "self_select"] | None = None
    from_: Identifier | None = Field(default=None, alias="from")
    slot: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Groups:
        ways = [w for w in ("size", "merge", "by") if getattr(self, w) is not None]
        if len(ways) != 1:
            raise ValueError("groups takes exactly one of size, merge or by")
        if (self.from_ is not None or self.slot is not None) and self.by != "self_select":
            raise ValueError("from and slot go with by: self_select")
        return self


class Capture(_Part):
    who: str = "each"
    shape: Literal["note", "idea", "summary", "card", "action", "commitment"] = "idea"
    max_items: int | None = Field(default=None, ge=1, le=100)
    visibility: Literal["private", "group", "table", "room", "facilitator"] = "room"
    attribution: Literal["person", "anonymous"] = "person"
    # hold ideas until a moderator lets them through: the facilitator (true), or also whoever holds
    # a table role at the writer's table (role:<name>)
    premoderate: bool | str = False

    @field_validator("who")
    @classmethod
    def _who(cls, value: str) -> str:
        if value not in ("each", "any", "none") and not re.match(r"^role:[a-z][a-z0-9_]*$", value):
            raise ValueError("expected each, any, none or role:<name>")
        return value

    @field_validator("premoderate", mode="before")
    @classmethod
    def _premoderate(cls, value: object) -> object:
        if isinstance(value, bool) or (isinstance(value, str) and re.match(r"^role:[a-z][a-z0-9_]*$", value)):
            return value
        raise ValueError(
            "expected true, false or role:<name> (the table role that lets ideas through besides the facilitator)"
        )

    @model_validator(mode="after")
    def _held_for_others(self) -> Capture:
        if self.premoderate is not False and self.visibility in ("private", "facilitator"):
            raise ValueError(
                f"premoderate holds ideas others would see, but visibility {self.visibility} shows them to nobody else"
            )
        return self


class Turns(_Part):
    mode: Literal["free", "round"] = "free"
    per_person: Duration | None = None


class _Step(_Part):
    id: Identifier
    title: Text = ""
    audience: str = "all"
    duration: Duration | None = None
    advance: Literal["manual", "auto"] = "manual"
    warn_at: Duration | None = None
    text: Text = ""
    question: Text = ""
    optional: bool = False
    groups: Groups | None = None
    pass_role: Name | None = None  # a rotating role moves on to the next person as the step starts
    turns: Turns | None = None
    capture: Capture | None = None

    @field_validator("audience")
    @classmethod
    def _audience(cls, value: str) -> str:
        if not AUDIENCE_RE.match(value):
            raise ValueError("expected all, table, group, facilitator or role:<name>")
        return value

    @property
    def collects(self) -> bool:
        return self.capture is not None and self.capture.who != "none"


class PromptStep(_Step):
    kind: Literal["prompt"]


class IdeasStep(_Step):
    kind: Literal["ideas"]
    capture: Capture | None = Capture()


class DiscussStep(_Step):
    kind: Literal["discuss"]


class BreakStep(_Step):
    kind: Literal["break"]


THEMES_WORD = "themes"


class Options(_Part):
    """Where a vote's options come from: an earlier step's ideas, a fixed list, or (the word
    ``themes``) the room's themes as curated when the vote starts."""

    from_: Identifier | None = Field(default=None, alias="from")
    items: list[Text] | None = None
    filter: Literal["all", "visible", "top"] = "visible"
    themes: bool = Field(default=False, exclude=True)  # written `options: themes`, and dumped so

    @model_validator(mode="before")
    @classmethod
    def _the_word(cls, data: Any) -> Any:
        if isinstance(data, str):
            if data.strip() == THEMES_WORD:
                return {"themes": True}
            raise ValueError(
                f"options is the word themes (the room's themes when the vote starts) or a mapping with "
                f"from: <an earlier step> or items: [a list]; {data!r} is neither"
            )
        if isinstance(data, dict) and "themes" in data:
            raise ValueError("to vote on the room's themes write options: themes (the word, not a mapping)")
        return data

    @model_validator(mode="after")
    def _one_source(self) -> Options:
        if not self.themes and (self.from_ is None) == (self.items is None):
            raise ValueError("options takes exactly one of from (an earlier step) or items (a list), or is: themes")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        return THEMES_WORD if self.themes else handler(self)

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """For editors: the word ``themes``, or the mapping (which has no ``themes`` key)."""
        mapping = handler(core)
        handler.resolve_ref_schema(mapping)["properties"].pop("themes", None)
        return {"anyOf": [{"const": THEMES_WORD, "description": "the room's themes when the vote starts"}, mapping]}


class VoteStep(_Step):
    kind: Literal["vote"]
    method: Literal["dots", "score", "agree_disagree_pass", "rank", "place", "pass_and_score"]
    options: Options
    dots: int | None = Field(default=None, ge=1, le=50)
    max_per_option: int | None = Field(default=None, ge=1, le=50)
    scale: tuple[int, int] = (1, 5)
    axes: tuple[Text, Text] | None = None
    scope: Literal["table", "room"] = "room"
    cards: int | None = Field(default=None, ge=1, le=20)  # pass_and_score: cards each person scores
    anonymous: bool = True
    reveal: Literal["live", "end"] = "end"
    result: dict[str, Any] = {}

    @model_validator(mode="after")
    def _method_fields(self) -> VoteStep:
        if self.method == "dots" and self.dots is None:
            raise ValueError("a dots vote needs dots: how many each person places")
        if self.method == "place" and self.axes is None:
            raise ValueError("a place vote needs axes: [horizontal label, vertical label]")
        if self.scale[0] >= self.scale[1]:
            raise ValueError("scale is [low, high] with low < high")
        return self


class ReactStep(_Step):
    """Everyone answers agree / disagree / pass on ideas from across the room, one at a time."""

    kind: Literal["react"]
    from_: list[Identifier] = Field(default=[], alias="from")


class ClusterInput(_Part):
    from_: list[Identifier] = Field(alias="from", min_length=1)


class ClusterStep(_Step):
    kind: Literal["cluster"]
    input: ClusterInput
    by: Literal["facilitator", "table", "all"] = "facilitator"
    max_clusters: int | None = Field(default=None, ge=1, le=50)


class RotateStep(_Step):
    kind: Literal["rotate"]
    mode: Literal["host_stays", "shuffle", "stakeholder", "mixed", "back_home", "self_select"]
    stay: str | None = None
    avoid_repeat: bool = True


class HarvestStep(_Step):
    kind: Literal["harvest"]
    sources: list[Identifier] = []
    display: Literal["wall", "report"] = "wall"
    buckets: list[Text] = []


class CommitStep(_Step):
    """Commitments: "what will I do next?". ``privacy`` private: only the writer and the staff see
    them; shared: the table and the room see them, like ideas. The capture follows from it."""

    kind: Literal["commit"]
    privacy: Literal["private", "shared"] = "private"
    max_items: int = Field(default=5, ge=1, le=20)

    @model_validator(mode="before")
    @classmethod
    def _capture(cls, data: Any) -> Any:
        if isinstance(data, dict) and "capture" in data:
            raise ValueError("a commit step's capture follows from its privacy (private or shared); leave it out")
        if isinstance(data, dict):
            privacy = data.get("privacy", "private")
            visibility = {"private": "private", "shared": "room"}.get(privacy, "private")
            most = data.get("max_items", 5)
            capture = {"who": "each", "shape": "commitment", "visibility": visibility}
            return {**data, "capture": {**capture, "max_items": most} if isinstance(most, int) else capture}
        return data


class ActionsStep(_Step):
    """Action groups form around the room's themes or Open Space topics (``from``); people join one on
    their phone, a member volunteers to convene it (or the facilitator names one), and members may
    share an email with their group."""

    kind: Literal["actions"]
    from_: Literal["themes", "topics"] = Field(default="topics", alias="from")


class SignupStep(_Step):
    kind: Literal["signup"]
    slots: list[str] = Field(min_length=1)
    spaces: list[str] = Field(min_length=1)
    convene: Literal["anyone", "facilitator"] = "anyone"


Step = Annotated[
    PromptStep
    | IdeasStep
    | DiscussStep
    | BreakStep
    | VoteStep
    | ReactStep
    | ClusterStep
    | RotateStep
    | HarvestStep
    | SignupStep
    | CommitStep
    | ActionsStep,
    Field(discriminator="kind"),
]
STEP_KINDS = (
    "prompt",
    "ideas",
    "discuss",
    "break",
    "vote",
    "react",
    "cluster",
    "rotate",
    "harvest",
    "signup",
    "commit",
    "actions",
)


def _params(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: {"default": v} if isinstance(v, str) else v for k, v in value.items()}
    return value


STEP_ADAPTER: TypeAdapter[Step] = TypeAdapter(Step)


def _title(value: Any) -> Any:
    for _code, text in texts_of(value) if isinstance(value, str | dict) else []:
        if not 1 <= len(text) <= 200:
            raise ValueError("a title has 1 to 200 characters")
    return value


class Script(_Part):
    id: Identifier
    title: Annotated[Text, AfterValidator(_title)]
    version: int = 1
    # the languages its texts are in, the default first: a plain-string text is in the default
    languages: list[Language] = Field(default=[DEFAULT_LANGUAGE], min_length=1, max_length=20)
    method: Method
    purpose: Text = ""
    fit: Fit = Fit()
    params: Annotated[dict[Name, Param], BeforeValidator(_params)] = {}
    roles: dict[Name, RoleSpec] = {}
    steps: list[Step] = Field(min_length=1)
