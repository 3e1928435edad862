"""Exploring a rule base around a scenario: what flips it, why a rule is silent, sweeps, matrices and coverage.

Each module is a pure function (or two) over an `Engine`, returning records
that the renderers in `engine.render` turn into text, Markdown, JSON or CSV;
the commands in `engine.cli.explore` are thin. Nothing here is imported by a
plain forecast.

- `glance`: a scenario's forecast in short (each speaker's stance, each
  question's verdict), on the compiled matcher, once per class;
- `boundaries`: each variable's values cut into runs that no rule tells
  apart, and the thresholds (rule tests) between them;
- `flips`: the smallest changes of a scenario's inputs that change a
  question's verdict (status, who speaks, what is favoured, who conflicts),
  with the threshold each crosses;
- `whynot`: why a rule did not fire: each branch, each condition held or
  failed, and for a missing fact, why no rule derived it;
- `sweep`: each question's verdict as one or two variables move across
  every boundary;
- `matrix`: each expert's claims and view, experts by questions, or each
  verdict, scenarios by questions;
- `coverage`: which rules fire, which branches hold and which outcomes the
  experts' claims address, over a suite of scenarios.
"""
