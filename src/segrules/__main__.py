"""``python -m segrules``: the ``segrules`` command."""

from .cli import main

main()
