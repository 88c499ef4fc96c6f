"""`python -m demine` runs the command line."""

from demine.cli import main

main()
