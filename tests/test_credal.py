"""Credal bounds, exactly: the worked example, conflicts, and the simplex against brute force."""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.resolve.credal import Claim, bounds, range_feasible, ranges_of, vacuous
from engine.resolve.simplex import Polytope
from engine.resolve.verdict import clashing

SCALE = ("withdraw", "curtail", "maintain", "increase")
F = Fraction


def test_weiss_unlikely_to_withdraw() -> None:
    """PROBABILITY.md §3: P(withdraw) 20-45% leaves each other outcome 0-80%."""
    found = bounds(SCALE, [Claim("weiss.no_pullout", frozenset({"withdraw"}), F(1, 5), F(9, 20))])
    assert found == {"withdraw": (F(1, 5), F(9, 20)), "curtail": (F(0), F(4, 5)), "maintain": (F(0), F(4, 5)), "increase": (F(0), F(4, 5))}


def test_unassessed_claims_give_no_number() -> None:
    """Elischer's "could potentially" and "may" constrain nothing: no conflict, every outcome 0-100%."""
    claims = [Claim("elischer.more_if_paid", frozenset({"increase"})), Claim("elischer.curtail_if_trend", frozenset({"curtail"}))]
    assert bounds(SCALE, claims) == vacuous(SCALE)


def test_two_likely_disjoint_events_conflict() -> None:
    """P(A) >= 55% and P(B) >= 55% for disjoint A and B: no distribution, a probabilistic self-conflict."""
    claims = [Claim("x.a", frozenset({"increase"}), F(11, 20), F(4, 5)), Claim("x.b", frozenset({"curtail"}), F(11, 20), F(4, 5))]
    assert bounds(SCALE, claims) is None
    assert not range_feasible(SCALE, ranges_of(claims)) and range_feasible(SCALE, ranges_of(claims[:1]))
    assert clashing(SCALE, [*claims, Claim("x.c", frozenset({"withdraw"}), F(0), F(1, 5))]) == tuple(claims)


claims = st.lists(
    st.tuples(
        st.sets(st.sampled_from(SCALE), min_size=1, max_size=3),
        st.integers(0, 20),
        st.integers(0, 20),
    ).map(lambda drawn: Claim("r", frozenset(drawn[0]), F(min(drawn[1:]), 20), F(max(drawn[1:]), 20))),
    max_size=3,
)


def brute_force(scale: tuple[str, ...], drawn: list[Claim]) -> dict[str, tuple[Fraction, Fraction]] | None:
    """Every vertex of the polytope, from every choice of active constraints: slow, obviously right."""
    n = len(scale)
    inequalities: list[tuple[list[Fraction], Fraction]] = [
        ([F(int(i == j)) for j in range(n)], F(0)) for i in range(n)
    ]  # p_i >= 0 as -p_i <= 0
    inequalities = [([-value for value in row], bound) for row, bound in inequalities]
    for claim in drawn:
        members = [F(int(outcome in claim.event)) for outcome in scale]
        assert claim.low is not None and claim.high is not None
        inequalities += [(members, claim.high), ([-value for value in members], -claim.low)]
    vertices = []
    for active in itertools.combinations(inequalities, n - 1):
        system = [[F(1)] * n + [F(1)], *([*row, bound] for row, bound in active)]
        solution = solve(system, n)
        if solution is not None and all(sum(a * x for a, x in zip(row, solution, strict=True)) <= bound for row, bound in inequalities):
            vertices.append(solution)
    if not vertices:
        return None
    return {outcome: (min(vertex[i] for vertex in vertices), max(vertex[i] for vertex in vertices)) for i, outcome in enumerate(scale)}


def solve(system: list[list[Fraction]], n: int) -> list[Fraction] | None:
    """Gauss-Jordan on an n x (n+1) system; None unless the solution is unique."""
    rows = [list(row) for row in system]
    for column in range(n):
        pivot = next((r for r in range(column, n) if rows[r][column] != 0), None)
        if pivot is None:
            return None
        rows[column], rows[pivot] = rows[pivot], rows[column]
        rows[column] = [value / rows[column][column] for value in rows[column]]
        for r in range(n):
            if r != column and rows[r][column] != 0:
                rows[r] = [a - rows[r][column] * b for a, b in zip(rows[r], rows[column], strict=True)]
    return [rows[r][n] for r in range(n)]


@settings(max_examples=200, deadline=None)
@given(drawn=claims)
def test_simplex_bounds_equal_brute_force_vertices(drawn: list[Claim]) -> None:
    assert bounds(SCALE, drawn) == brute_force(SCALE, drawn)


def test_an_empty_polytope_has_no_minimum() -> None:
    polytope = Polytope([[F(1), F(1)], [F(1), F(0)]], [F(1), F(2)])
    assert polytope.empty and polytope.minimum([F(1), F(0)]) is None
    feasible = Polytope([[F(1), F(1)]], [F(1)])
    assert (feasible.minimum([F(1), F(0)]), feasible.maximum([F(1), F(0)])) == (F(0), F(1))


events = st.sets(st.sampled_from(SCALE), min_size=1, max_size=4).map(frozenset)


@settings(max_examples=300, deadline=None)
@given(drawn=claims, target=events)
def test_event_bounds_equal_the_simplex(drawn: list[Claim], target: frozenset[str]) -> None:
    """P(event) bounds, closed form for one range and simplex for more, against the simplex's own answer."""
    from engine.resolve.credal import _polytope, event_bounds, ranges_of

    found = event_bounds(SCALE, drawn, target)
    ranges = ranges_of(drawn)
    if not ranges:
        assert found == (F(0), F(1))
        return
    polytope = _polytope(SCALE, ranges)
    if polytope.empty:
        assert found is None
        return
    costs = [F(int(column < len(SCALE) and SCALE[column] in target)) for column in range(polytope.width)]
    assert found == (polytope.minimum(costs), polytope.maximum(costs))
