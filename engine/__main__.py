"""`python -m engine ...` is the `forecast` command."""

from engine.console import main

if __name__ == "__main__":  # a worker process (`--jobs`) imports this module again: it must not run the command
    main()
