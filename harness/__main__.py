"""`python -m harness` is the `noteproof` command."""

import sys

from harness.cli.main import main

sys.exit(main())
