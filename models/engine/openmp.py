"""How long llama.cpp's OpenMP threads wait for the next decode before they sleep.

On Linux, llama.cpp's CPU threads are GCC's OpenMP (libgomp), whose idle threads spin about
300,000 times before they sleep. Between two tokens Hearth's decode loop spends a little longer
than that in Python (sampling, the callback, the stop strings), so every token paid for waking
the threads again: generation measured 0.88 of C++ llama-bench, 0.90 and 0.93 in two runs with
a longer spin (`python -m bench.engine_speed`, paired rounds on an idle 2-core machine). The
spin ends a few milliseconds after the last decode, so an idle app still sleeps. It must be set
before libgomp loads (the first `import llama_cpp`); a value the user set wins. Other OpenMP
runtimes ignore it.
"""

from __future__ import annotations

import os

SPIN_COUNT = "3000000"


def spin_between_decodes() -> None:
    os.environ.setdefault("GOMP_SPINCOUNT", SPIN_COUNT)
