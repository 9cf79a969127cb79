"""`python -m harness` is the `noteproof` command."""

import sys

from harness.cli import main

sys.exit(main())
