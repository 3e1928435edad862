"""The written form of rule base files, as frozen pydantic models: the validating edge.

YAML is validated against these on a cache miss and converted at once into
the plain model (`engine.model`); nothing after loading sees them. The
written form has sugar the model does not: `{var: x, at_least: 3}` names
its operator as a key, and variable declarations name their kind in `type`.
What the words mean is in `engine.language`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from engine import language, model
from engine.language import KINDS, Op, Value

if TYPE_CHECKING:  # schema generation is rare: keep its modules off the start-up path
    from pydantic import GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import CoreSchema

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
RULE_ID_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"
SEED_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"

Name = Annotated[str, Field(pattern=NAME_PATTERN, description="lower_snake_case name")]
RuleId = Annotated[str, Field(pattern=RULE_ID_PATTERN, description="expert.rule_name")]
SeedId = Annotated[str, Field(pattern=SEED_ID_PATTERN, description="file name of a seed, without .yaml")]
Scalar = StrictBool | StrictInt | StrictFloat | StrictStr
Probability = Annotated[StrictInt | StrictFloat, Field(ge=0, le=1)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _pick_operator(data: Any, subject: str) -> Any:
    """Turn `{subject: x, at_least: y}` into `{subject: x, op: at_least, value: y}`."""
    if not isinstance(data, dict) or "op" in data:
        return data
    found = [key for key in data if key in Op._value2member_map_]
    if len(found) != 1:
        names = ", ".join(op.value for op in Op)
        if not found:
            raise ValueError(f"needs one operator next to '{subject}': one of {names}")
        raise ValueError(f"has several operators ({', '.join(found)}), expected exactly one")
    op = found[0]
    rest = {key: value for key, value in data.items() if key != op}
    return {**rest, "op": op, "value": data[op]}


class _Compared(Frozen):
    """`{SUBJECT: NAME, <op>: VALUE}`: a variable test or a stance, written with its operator as a key."""

    subject: ClassVar[str]
    example: ClassVar[str]
    op: Op
    value: Scalar | tuple[Scalar, ...]

    @model_validator(mode="before")
    @classmethod
    def _operator(cls, data: Any) -> Any:
        return _pick_operator(data, cls.subject)

    @model_validator(mode="after")
    def _value_shape(self) -> _Compared:
        if self.op.takes_list and not isinstance(self.value, tuple):
            raise ValueError(f"'{self.op.value}' takes a list of values")
        if not self.op.takes_list and isinstance(self.value, tuple):
            raise ValueError(f"'{self.op.value}' takes one value, not a list")
        if self.op.takes_list and not self.value:
            raise ValueError(f"'{self.op.value}' needs at least one value")
        return self

    @property
    def values(self) -> tuple[Any, ...]:
        return self.value if isinstance(self.value, tuple) else (self.value,)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """The schema of the written form, `{SUBJECT: NAME, <op>: VALUE}`, not of `op`/`value`."""
        scalar = {"type": ["string", "number", "boolean"]}
        return {
            "type": "object",
            "description": cls.example,
            "properties": {
                cls.subject: {"type": "string", "pattern": NAME_PATTERN},
                **{op.value: ({"type": "array", "items": scalar, "minItems": 1} if op.takes_list else scalar) for op in Op},
            },
            "required": [cls.subject],
            "additionalProperties": False,
            "minProperties": 2,
            "maxProperties": 2,
        }


class VarTest(_Compared):
    """A test on one scenario variable: `{var: kremlin_investment, at_least: high}`."""

    subject: ClassVar[str] = "var"
    example: ClassVar[str] = "A test on a scenario variable, e.g. {var: kremlin_investment, at_least: high}"
    var: Name


class FactTest(Frozen):
    """A derived fact holds: `{fact: force_insufficient}`."""

    fact: Name


class AllOf(Frozen):
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(Frozen):
    any: tuple[Condition, ...] = Field(min_length=1)


class NotOf(Frozen):
    not_: Condition = Field(alias="not")


_CONDITION_KEYS = {"var": "var", "fact": "fact", "all": "all", "any": "any", "not": "not", "not_": "not"}


def _condition_kind(data: Any) -> str | None:
    if isinstance(data, BaseModel):
        return {VarTest: "var", FactTest: "fact", AllOf: "all", AnyOf: "any", NotOf: "not"}.get(type(data))
    if isinstance(data, dict):
        kinds = [_CONDITION_KEYS[key] for key in data if key in _CONDITION_KEYS]
        if len(kinds) == 1:
            return kinds[0]
    return None


Condition = Annotated[
    Annotated[VarTest, Tag("var")]
    | Annotated[FactTest, Tag("fact")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="expected a condition: a mapping with exactly one of 'var', 'fact', 'all', 'any', 'not'",
    ),
]


class StanceConclusion(_Compared):
    """The rule's stance on a question: `{question: russia_presence, is_not: withdraw}`."""

    subject: ClassVar[str] = "question"
    example: ClassVar[str] = "A stance on a question, e.g. {question: russia_presence, is_not: withdraw}"
    question: Name


class FactConclusion(Frozen):
    """The rule derives a fact that other rules can use: `{fact: force_insufficient}`."""

    fact: Name


def _conclusion_kind(data: Any) -> str | None:
    if isinstance(data, BaseModel):
        return "question" if isinstance(data, StanceConclusion) else "fact"
    if isinstance(data, dict):
        if "question" in data and "fact" not in data:
            return "question"
        if "fact" in data and "question" not in data:
            return "fact"
    return None


Conclusion = Annotated[
    Annotated[StanceConclusion, Tag("question")] | Annotated[FactConclusion, Tag("fact")],
    Discriminator(
        _conclusion_kind,
        custom_error_type="conclusion",
        custom_error_message="expected a conclusion: {question: NAME, <op>: OUTCOME} or {fact: NAME}",
    ),
]


class Source(Frozen):
    """Where a rule comes from: a seed and the verbatim words in it."""

    seed: SeedId = Field(description="id of a seed in seeds/")
    quote: str = Field(min_length=1, description="the claim, verbatim from the seed")
    context: tuple[str, ...] = Field(default=(), description="further verbatim quotes: the expert's reasons")


class Rule(Frozen):
    """One claim of one expert, as a condition and a conclusion."""

    id: RuleId
    expert: Name
    source: Source | None = Field(default=None, description="required for every expert but the analyst")
    hedge: str | None = Field(
        default=None,
        description="the hedge words exactly as in the quote ('may', 'unlikely'); null when stated as fact",
    )
    rates: StanceConclusion | None = Field(
        default=None,
        description="the event the hedge rates, where it differs from the conclusion ('unlikely to pull out' rates withdraw)",
    )
    assumption: str | None = Field(default=None, description="for analyst rules: the assumption this rule makes, in plain words")
    note: str | None = Field(default=None, description="how the analyst read the quote into this rule")
    when: Condition | None = Field(default=None, description="omitted: the claim holds unconditionally")
    then: Conclusion


class RuleFile(Frozen):
    rules: tuple[Rule, ...] = Field(min_length=1)


_DECLARED: dict[str, Any] = {
    "levels": {
        "type": "array",
        "items": {"type": "string", "pattern": NAME_PATTERN},
        "minItems": 2,
        "description": "ordered from lowest to highest",
    },
    "unit": {"type": "string", "description": "what is counted or measured"},
    "min": {"type": "number"},
    "max": {"type": "number"},
    "integer": {"type": "boolean", "default": True, "description": "whole numbers only"},
}


class VariableDecl(Frozen):
    """A scenario variable: `type` names its kind (engine.language.KINDS); the other keys depend on it."""

    type: Literal[tuple(KINDS)]  # type: ignore[valid-type]
    meaning: str
    levels: tuple[Name, ...] | None = Field(default=None, description="level: the levels, ordered from lowest to highest")
    unit: str | None = Field(default=None, description="number: what is counted or measured")
    min: StrictInt | StrictFloat | None = Field(default=None, description="number: the lowest value")
    max: StrictInt | StrictFloat | None = Field(default=None, description="number: the highest value")
    integer: StrictBool | None = Field(default=None, description="number: whole numbers only (default true)")
    default: StrictBool | StrictInt | StrictFloat | StrictStr | None = Field(
        default=None, description="the value a scenario or batch row that leaves the variable out gets"
    )

    @model_validator(mode="after")
    def _kind(self) -> VariableDecl:
        self.kind()
        return self

    @field_validator("default")
    @classmethod
    def _default(cls, value: Value | None, info: ValidationInfo) -> Value | None:
        """A default is checked as any input of the variable's kind, and located at `default:` (a wrong kind is found elsewhere)."""
        fields = {name: info.data.get(name) for name in ("levels", "unit", "min", "max", "integer")}
        if value is None or "type" not in info.data:
            return value
        try:
            kind = language.declare(info.data["type"], fields)
        except ValueError:
            return value
        problem = kind.problem(value, "default")
        if problem is not None:
            raise ValueError(f"{problem[0]}{f' ({problem[1]})' if problem[1] else ''}")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """One alternative per kind of variable, each with the keys that kind takes."""
        alternatives = []
        for name, kind in KINDS.items():
            properties = {"type": {"const": name}, "meaning": {"type": "string"}}
            properties.update({key: _DECLARED[key] for key in kind.fields})
            properties["default"] = {"description": "the value a scenario or batch row that leaves the variable out gets"}
            required = ["type", "meaning", *kind.required]
            alternatives.append({"type": "object", "properties": properties, "required": required, "additionalProperties": False})
        return {"description": cls.__doc__, "oneOf": alternatives}

    def kind(self) -> language.Kind:
        return language.declare(self.type, {name: getattr(self, name) for name in ("levels", "unit", "min", "max", "integer")})


class FactDecl(Frozen):
    """A fact that rules derive and other rules use."""

    meaning: str


class Question(Frozen):
    text: str
    outcomes: tuple[Name, ...] = Field(min_length=2, description="ordered from lowest to highest")


class Vocabulary(Frozen):
    variables: dict[Name, VariableDecl] = Field(min_length=1)
    facts: dict[Name, FactDecl] = Field(default_factory=dict)
    questions: dict[Name, Question] = Field(min_length=1)


class Expert(Frozen):
    name: str
    affiliation: str
    kind: model.ExpertKind = model.ExpertKind.EXPERT
    weight: StrictInt | StrictFloat = Field(
        default=1, ge=0, description="weight in the pooled forecast (default 1; 0 leaves the speaker out)"
    )
    confirmed: StrictBool = Field(default=True, description="false: the seed reports this speaker's claims without confirming them")
    confirmation: Source | None = Field(
        default=None, description="the seed's words on whether it confirms the claims, verbatim; required when 'confirmed' is false"
    )
    note: str | None = Field(default=None, description="how the analyst reads the speaker or the confirmation")


class ExpertsFile(Frozen):
    experts: dict[Name, Expert] = Field(min_length=1)


class SeedMeta(Frozen):
    id: SeedId
    label: str
    publisher: str
    date: str
    reports: str
    origin: str | None = None
    text: str = Field(description="file name of the text, beside this metadata")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Invariant(Frozen):
    """A promise about stances that must hold in every scenario where `when` holds.

    `require` bounds the outcomes: `{question: russia_presence, is_not: increase}`
    means the claims in scope raise no possibility of `increase` and, if they
    give numbers, favour not increasing. With `expert`, the scope is that
    expert's claims; without, every expert's. A question with no claim meets
    every bound.
    """

    name: Name
    reason: str
    expert: Name | None = None
    when: Condition | None = None
    require: StanceConclusion


class Accepted(Frozen):
    """A finding the analyst knows about and accepts, with the reason."""

    name: Name
    kind: Literal["self-conflict", "dead-rule", "shadowed-rule"]
    reason: str
    expert: Name | None = Field(default=None, description="for a self-conflict")
    question: Name | None = Field(default=None, description="for a self-conflict")
    lexicon: Name | None = Field(default=None, description="for a self-conflict: accepted under this lexicon only (default: any)")
    rule: RuleId | None = Field(default=None, description="for dead-rule and shadowed-rule")


class ChecksFile(Frozen):
    invariants: tuple[Invariant, ...] = ()
    accepted: tuple[Accepted, ...] = ()


class Term(Frozen):
    """Words and what they say of the event they rate: a probability range, or `unassessed: true`."""

    words: tuple[str, ...] = Field(min_length=1, description="the words, as a quote has them (case, spacing and quote marks are forgiven)")
    range: tuple[Probability, Probability] | None = Field(default=None, description="[low, high], each from 0 to 1")
    unassessed: bool = Field(default=False, description="the words state a possibility, with no likelihood")
    note: str | None = Field(default=None, description="why the words are read so")

    @field_validator("range")
    @classmethod
    def _upright(cls, written: tuple[float, float] | None) -> tuple[float, float] | None:
        if written is not None and written[0] > written[1]:
            raise ValueError(f"the range's low {written[0]} is above its high {written[1]}")
        return written

    @model_validator(mode="after")
    def _one_meaning(self) -> Term:
        if (self.range is None) == (not self.unassessed):
            raise ValueError("give either 'range: [low, high]' or 'unassessed: true'")
        return self


class Reading(Term):
    """The analyst's reading of words the cited scale does not list: it must say why (`note`)."""

    note: str = Field(min_length=1, description="why the analyst reads the words so")
    replaces: bool = Field(default=False, description="with 'extends:', the reading takes the standard's place for these words")


class LexiconFile(Frozen):
    """A lexicon: the cited scale's terms, and the analyst's readings of other words.

    With `extends:` the terms are a built-in lexicon's and the file lists only its
    readings (title and source default to the standard's); without it, `title`,
    `source` and `terms` are required (`engine.load.lexicons` locates what is missing).
    """

    extends: Name | None = Field(default=None, description="a built-in lexicon (icd203, kent) whose terms this file's readings add to")
    title: str | None = None
    source: str | None = Field(default=None, min_length=1, description="where the scale comes from, cited")
    default: bool = Field(default=False, description="the lexicon forecasts use unless --lexicon picks another")
    terms: tuple[Term, ...] = ()
    readings: tuple[Reading, ...] = ()
