import sys

from routeboard.cli.main import main

sys.exit(main())
