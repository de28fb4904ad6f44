"""``python -m models``: see ``models.cli``."""

from .cli import main

raise SystemExit(main())
