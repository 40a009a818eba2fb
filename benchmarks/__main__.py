"""`python -m benchmarks` (`make bench`): the whole suite; `--scale` adds the slow scaling run."""

import sys

from benchmarks.suite import main

sys.exit(main())
