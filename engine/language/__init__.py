"""The rule language: values, kinds of variables, operators, conditions, and how each is said.

This package is the one place that says what the language means, a module
a concern: `operators` (what each operator means, on ranks, and how
generated code spells it), `kinds` (the kinds of variables: their values,
ranks, checks and classes; ordered scales), `chances` (the probabilities
of an uncertain input, read exactly), `conditions` (the trees of
conditions and conclusions: walking, evaluation, normal form) and `words`
(how it is all said). Every stage uses it, through the names below: validation (is this a value of that variable?), compilation (conditions
in disjunctive normal form), the matchers and the reference model (does a
test hold?), resolution (which outcomes of a scale does a stance allow?),
the consistency search (which values can the rules tell apart?) and every
renderer (how a value, a condition or a conclusion is written for a person).

The written form, in a rule's `when` and `then`:

    {var: NAME, <op>: VALUE}     a test on a scenario variable
    {fact: NAME}                 a fact derived by another rule holds
    {all: [COND, ...]}           every condition holds
    {any: [COND, ...]}           at least one holds
    {not: COND}                  the condition does not hold
    {question: NAME, <op>: OUTCOME}   a stance (a conclusion)
    {fact: NAME}                      a derived fact (a conclusion)

`<op>` is one of `is`, `is_not`, `in`, `not_in`, `at_least`, `at_most`,
`above`, `below`. Every kind of variable maps its values to ranks (false 0,
true 1; a level its position; a number itself), and every operator compares
ranks; an ordered scale of outcomes is a level variable.
"""

from __future__ import annotations

from engine.language.chances import TOLERANCE, ChanceProblem, probability
from engine.language.conditions import (
    MAX_BRANCHES,
    AllOf,
    AnyOf,
    Conclusion,
    Condition,
    FactClaim,
    FactLiteral,
    FactRef,
    KeyPath,
    Leaf,
    Literal,
    NotOf,
    StanceClaim,
    TooManyBranches,
    VarTest,
    branches,
    describe_conclusion,
    describe_condition,
    describe_literal,
    holds,
    leaves,
)
from engine.language.kinds import KINDS, BooleanKind, Kind, LevelKind, NumberKind, allowed, declare
from engine.language.operators import Op, Value, compare, python_test
from engine.language.words import boolean_hint, echo, number_hint, shorten, show_plain, show_targets, show_value, yaml_scalar

__all__ = [
    "KINDS",
    "MAX_BRANCHES",
    "TOLERANCE",
    "AllOf",
    "AnyOf",
    "BooleanKind",
    "ChanceProblem",
    "Conclusion",
    "Condition",
    "FactClaim",
    "FactLiteral",
    "FactRef",
    "KeyPath",
    "Kind",
    "Leaf",
    "LevelKind",
    "Literal",
    "NotOf",
    "NumberKind",
    "Op",
    "StanceClaim",
    "TooManyBranches",
    "Value",
    "VarTest",
    "allowed",
    "boolean_hint",
    "branches",
    "compare",
    "declare",
    "describe_conclusion",
    "describe_condition",
    "describe_literal",
    "echo",
    "holds",
    "leaves",
    "number_hint",
    "probability",
    "python_test",
    "shorten",
    "show_plain",
    "show_targets",
    "show_value",
    "yaml_scalar",
]
