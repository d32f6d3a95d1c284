"""Allow `python -m comanage_tui` to behave like the `comanage` command."""

from comanage_tui.cli import main

if __name__ == "__main__":
    main()
