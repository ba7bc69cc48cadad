"""``python -m ecsdev``: the same as the ``ecsdev`` command."""

from ecsdev.cli import main

main()
