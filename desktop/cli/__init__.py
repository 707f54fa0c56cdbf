"""`hearth`: the window by default, and headless subcommands for scripts and terminals.

    main.py     the parser, `chat` and `bench`, and the one place errors become a line on stderr
    models.py   `hearth models ...` on this machine (list, info, catalog, import, discover, rm)
    hub.py      `hearth models search|files|pull` (the Hugging Face Hub)
    docs.py     `hearth docs ...`
    output.py   answers and listings to stdout, as text or --json
"""

from desktop.cli.main import main

__all__ = ["main"]
