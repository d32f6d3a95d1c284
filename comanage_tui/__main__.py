"""Allow `python -m comanage_tui` to behave like the `comanage` command."""

from comanage_tui.cli import run

if __name__ == "__main__":
    run()
