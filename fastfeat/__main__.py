"""``python -m fastfeat``: the ``fastfeat`` command."""
import sys

from .cli import main

sys.exit(main())
