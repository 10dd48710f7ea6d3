import sys

from devo.cli import main

sys.exit(main())
