"""`python -m srcdiff`: the same command line as the `srcdiff` script."""
import sys

from .cli import main

sys.exit(main())
