"""``python -m models`` in a checkout, the same as the ``tensorgrad`` command (see ``cli``).

The one absolute import in this folder: run as ``models.__main__``, a relative import would load a
second copy of the CLI (``models.cli``) beside ``tensorgrad.models.cli``.
"""

from tensorgrad.models.cli import main

raise SystemExit(main())
