"""Run netsite as `python -m netsite`."""

import sys

from .cli import main

sys.exit(main())
