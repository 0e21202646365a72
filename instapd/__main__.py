"""``python -m instapd``."""

import sys

from .cli import main

sys.exit(main())
