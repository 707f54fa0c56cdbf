"""The bundle's entry point: the same `hearth` command that pyproject's [project.scripts] installs.

PyInstaller needs a script, not a `module:function` reference.
"""

import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
