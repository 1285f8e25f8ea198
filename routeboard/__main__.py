import sys

from routeboard.cli import main

sys.exit(main())
