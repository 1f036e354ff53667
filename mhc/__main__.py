"""`python -m mhc`, the same as `mhc`."""

import sys

from mhc.main import main

sys.exit(main())
