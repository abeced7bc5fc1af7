"""``python -m memplan``: the ``memplan`` command, for when the console script is not on PATH."""

from memplan.cli import main

main()
