"""Retrieval quality on both eval sets, keyword-only and hybrid; prints JSON.

    python -m bench.retrieval_quality [--keep DIR]

The sets (tests/fixtures/retrieval_eval.py): 100 standard-library modules' docstrings with 30
questions, and the language reference pages shipped with CPython with 60 paraphrased questions
(held out: keyword search was not tuned on it). Recall@1 and recall@5 count the right file;
passage recall@5 a chunk holding the answer sentence. The embedding model is the starter one.
tests/unit/desktop/documents/test_retrieval_quality.py asserts floors under these figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from desktop.documents.embedder import Embedder
from models.library import starter_embedding_path
from tests.fixtures.retrieval_eval import EVAL_SETS, build, recall, retrieve


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--keep", help="write the corpora and indexes here instead of a temporary folder")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hearth-quality-") as temporary:
        folder = Path(args.keep or temporary)
        model = starter_embedding_path(folder / "embedding")
        if model is None:
            raise SystemExit("The starter embedding model's package is missing: make .venv/.installed")
        embedder = Embedder(model)
        try:
            for name in EVAL_SETS:
                evalset, index = build(name, folder / name, embedder)
                with index:
                    results[name] = {
                        "keyword": recall(evalset, retrieve(index, evalset.questions, None)).as_dict(),
                        "hybrid": recall(evalset, retrieve(index, evalset.questions, embedder)).as_dict(),
                    }
        finally:
            embedder.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
