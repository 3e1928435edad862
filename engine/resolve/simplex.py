"""A small exact linear-programme solver: the two-phase simplex method over fractions.

The credal sets of `engine.resolve.credal` are polytopes of distributions
over a question's outcomes, cut by a few range constraints; their extreme
probabilities are linear programmes of a handful of variables. Solving them
in exact arithmetic gives bounds with no rounding to explain (the worked
example's 0.615 is 123/200, not 0.6150000000000001), and Bland's rule keeps
the method from cycling.

    feasible = Polytope(rows, rights)      # rows @ x == rights, x >= 0
    feasible.minimum(costs)                # None when no x satisfies the rows
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

Row = list[Fraction]


class Polytope:
    """`{x >= 0 : rows @ x == rights}`, with `rights >= 0`; optimised over any linear cost."""

    def __init__(self, rows: Sequence[Sequence[Fraction]], rights: Sequence[Fraction]) -> None:
        if any(right < 0 for right in rights):
            raise ValueError("right-hand sides must be non-negative")
        self.width = len(rows[0]) if rows else 0
        self._basis: list[int] | None = None
        self._tableau: list[Row] = []
        self._phase_one([list(row) for row in rows], list(rights))

    @property
    def empty(self) -> bool:
        return self._basis is None

    def _phase_one(self, rows: list[Row], rights: list[Fraction]) -> None:
        """Find a basic feasible point with one artificial variable per row, driven to zero."""
        count, width = len(rows), self.width
        tableau = [
            [*row, *(Fraction(int(i == j)) for j in range(count)), right] for i, (row, right) in enumerate(zip(rows, rights, strict=True))
        ]
        basis = [width + i for i in range(count)]
        costs = [Fraction(0)] * width + [Fraction(1)] * count
        _optimise(tableau, basis, costs)
        if sum((tableau[i][-1] for i, column in enumerate(basis) if column >= width), Fraction(0)) != 0:
            return
        # Pivot out artificial variables left in the basis at zero; drop rows that are redundant.
        for position in range(count - 1, -1, -1):
            if basis[position] < width:
                continue
            pivot = next((column for column in range(width) if tableau[position][column] != 0), None)
            if pivot is None:
                del tableau[position], basis[position]
            else:
                _pivot(tableau, basis, position, pivot)
        self._tableau = [[*row[:width], row[-1]] for row in tableau]
        self._basis = basis

    def minimum(self, costs: Sequence[Fraction]) -> Fraction | None:
        """The least `costs @ x` over the polytope, or None if it is empty."""
        if self._basis is None:
            return None
        tableau = [list(row) for row in self._tableau]
        basis = list(self._basis)
        _optimise(tableau, basis, list(costs))
        return sum((costs[column] * tableau[position][-1] for position, column in enumerate(basis)), Fraction(0))

    def maximum(self, costs: Sequence[Fraction]) -> Fraction | None:
        least = self.minimum([-cost for cost in costs])
        return None if least is None else -least


def _optimise(tableau: list[Row], basis: list[int], costs: Sequence[Fraction]) -> None:
    """Minimise `costs @ x` from a basic feasible tableau, entering the lowest improving column (Bland's rule)."""
    width = len(costs)
    while True:
        reduced = [
            costs[column] - sum((costs[basis[row]] * tableau[row][column] for row in range(len(basis))), Fraction(0))
            for column in range(width)
        ]
        entering = next((column for column in range(width) if reduced[column] < 0 and column not in basis), None)
        if entering is None:
            return
        ratios = [(tableau[row][-1] / tableau[row][entering], basis[row], row) for row in range(len(basis)) if tableau[row][entering] > 0]
        if not ratios:
            raise ArithmeticError("unbounded linear programme")  # cannot happen inside a probability simplex
        _, _, leaving = min(ratios)
        _pivot(tableau, basis, leaving, entering)


def _pivot(tableau: list[Row], basis: list[int], row: int, column: int) -> None:
    factor = tableau[row][column]
    tableau[row] = [value / factor for value in tableau[row]]
    for other in range(len(tableau)):
        if other != row and tableau[other][column] != 0:
            scale = tableau[other][column]
            tableau[other] = [value - scale * pivot for value, pivot in zip(tableau[other], tableau[row], strict=True)]
    basis[row] = column
