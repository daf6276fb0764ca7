"""`python -m mktcrm` runs the CLI."""

from mktcrm.cli import main

if __name__ == "__main__":
    main()
