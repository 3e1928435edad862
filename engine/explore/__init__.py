"""Exploring a rule base around a scenario: what flips it, why a rule is silent, sweeps, matrices and coverage.

Each module is a pure function (or two) over an `Engine`, returning records
that the renderers in `engine.render` turn into text, Markdown, JSON or CSV;
the commands in `engine.cli.explore` are thin. Nothing here is imported by a
plain forecast.

- `glance`: a scenario's forecast in short (each expert's stance, each
  question's outcome and status), on the compiled matcher, once per class;
- `boundaries`: each variable's values cut into runs that no rule tells
  apart, and the thresholds (rule tests) between them;
- `flips`: the smallest changes of a scenario's inputs that change a stance,
  an outcome or a status, with the threshold each crosses;
- `whynot`: why a rule did not fire: each branch, each condition held or
  failed, and for a missing fact, why no rule derived it;
- `sweep`: each question's outcome and status as one or two variables move
  across every boundary;
- `matrix`: stances and hedges, experts by questions or scenarios by questions;
- `coverage`: which rules, branches and outcomes a suite of scenarios reaches.
"""
