"""``python -m exporters``: see ``exporters/cli.py``."""

import sys

from .cli import main

sys.exit(main())
