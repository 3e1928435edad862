"""`python -m engine ...` is the `forecast` command."""

from engine.cli import main

main()
