"""Conversation store speed goals; prints JSON.

    python -m bench.chat_store [--conversations N] [--messages-each N] [--long N] [--rounds N] [--keep DIR]

One database holds --conversations conversations of --messages-each messages (100,000 by
default) plus one long conversation of --long messages (10,000), with regenerated answers
here and there. Text is English-like: common and topical words at Zipf frequencies over a
vocabulary of some 20,000 words, so frequent terms match tens of thousands of messages.

- open_long_conversation: a new ChatStore on the file + thread() of the long conversation +
  its newest 50 messages (thread(limit=50), what the window paints first). Goal: well under
  300 ms, the window also needs time to paint.
- search: median latency of realistic queries over every conversation, and of "th"/"the"
  (typing a common word) which match nearly every message. Goal: < 100 ms each.

The corpus is written with plain SQL in one transaction (the store's triggers fill the search
index as they would), since a million single-message commits would measure nothing useful.

- encrypted: the same corpus converted to SQLCipher (desktop/sqlite_file.convert_file, as
  `hearth privacy encrypt` does) and measured in the same run, plain and encrypted taking turns;
  speed ratios are plain time ÷ encrypted time. Goal: ≥ 0.8, and still under 300 / 100 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from desktop import sqlite_file
from desktop.chats import ChatStore, fts_query, title_from_message
from desktop.sqlite_file import DatabaseKey, sqlite3

_COMMON_TEXT = (
    "the of and to a in is it you that he was for on are with as i his they be at one have this from or had by "
    "not word but what some we can out other were all there when up use your how said an each she which do their "
    "time if will way about many then them write would like so these her long make thing see him two has look "
    "more day could go come did number sound no most people my over know water than call first who may down side "
    "been now find any new work part take get place made live where after back little only round man year came "
    "show every good me give our under name very through just form sentence great think say help low line differ "
    "turn cause much mean before move right boy old too same tell does set three want air well also play small end"
)
_TOPICAL_TEXT = (
    "python error exception traceback function class module import install package version docker container "
    "compose image kubernetes deploy server database query index table sql sqlite postgres recipe chicken garlic "
    "onion oven bake minutes salt pepper butter meeting notes agenda project deadline budget email draft summary "
    "translate french german spanish capital france paris london travel flight hotel train museum history war "
    "river mountain weather rain model llama token context prompt gpu memory cuda metal quantization gguf "
    "javascript react component state hook css layout rust borrow lifetime compiler async await thread lock "
    "regex string parse json yaml config file path permission linux windows macos terminal shell bash script"
)


def _vocabulary(rng: random.Random, size: int) -> tuple[list[str], list[float]]:
    syllables = ["ka", "lo", "mi", "ren", "tor", "vas", "el", "qui", "dan", "sor", "pe", "lin", "mar", "zu", "fe"]
    words = _COMMON_TEXT.split() + _TOPICAL_TEXT.split()
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    # Common words first, topical next, invented ones in the long tail, at Zipf frequencies.
    return words, list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words))))


class _Text:
    def __init__(self, seed: int, vocabulary_size: int = 20_000) -> None:
        self._rng = random.Random(seed)
        self._words, self._cumulative = _vocabulary(self._rng, vocabulary_size)

    def words(self, low: int, high: int) -> str:
        count = self._rng.randint(low, high)
        return " ".join(self._rng.choices(self._words, cum_weights=self._cumulative, k=count))

    def question(self) -> str:
        return self.words(8, 30).capitalize() + "?"

    def answer(self) -> str:
        paragraphs = [self.words(20, 70).capitalize() + "." for _ in range(self._rng.randint(1, 3))]
        return "\n\n".join(paragraphs)


def _stats(rng: random.Random) -> str:
    return json.dumps({"generated_tokens": rng.randint(20, 400), "tokens_per_s": round(rng.uniform(8, 120), 1)})


def _insert_conversation(conn: sqlite3.Connection, text: _Text, messages: int, started: float) -> None:
    rng = text._rng
    first = text.question()
    cursor = conn.execute(
        "INSERT INTO conversations (title, system_prompt, settings, model, created_at, updated_at)"
        " VALUES (?, '', '{\"temperature\": 0.7}', 'bench-model', ?, ?)",
        (title_from_message(first), started, started),
    )
    conversation = cursor.lastrowid
    parent: int | None = None
    now = started
    for index in range(messages):
        role = "user" if index % 2 == 0 else "assistant"
        content = (first if index == 0 else text.question()) if role == "user" else text.answer()
        now += rng.uniform(5, 120)
        row = (conversation, parent, role, content, now, now)
        if role == "assistant" and rng.random() < 0.05:
            # A regenerated answer: the first try stays as an alternative off the thread.
            conn.execute(
                "INSERT INTO messages (conversation_id, parent_id, role, content, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'complete', ?, ?)",
                (conversation, parent, role, text.answer(), now, now),
            )
        parent = conn.execute(
            "INSERT INTO messages (conversation_id, parent_id, role, content, model, stats, status, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, 'bench-model', ?, 'complete', ?, ?)",
            (*row[:4], _stats(rng) if role == "assistant" else None, *row[4:]),
        ).lastrowid
    conn.execute(
        "UPDATE conversations SET current_leaf_id = ?, updated_at = ? WHERE id = ?", (parent, now, conversation)
    )


def build_corpus(path: Path, conversations: int, messages_each: int, long: int) -> int:
    """Write the corpus; returns the long conversation's id."""
    ChatStore(path).close()
    text = _Text(seed=1)
    started = time.time() - 400 * 86400
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("BEGIN")
        for index in range(conversations):
            _insert_conversation(conn, text, messages_each, started + index * 3600)
        _insert_conversation(conn, text, long, started)
        long_id = int(conn.execute("SELECT max(id) FROM conversations").fetchone()[0])
        conn.execute("COMMIT")
        # As the store's own close would leave it: statistics for the query planner.
        conn.execute("PRAGMA optimize")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return long_id


def _median_ms(action: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 2), result


def open_long_conversation(path: Path, conversation_id: int, rounds: int) -> dict[str, Any]:
    """Each round opens a new store; closing it (PRAGMA optimize, ~20 ms) is left out of the time,
    the window does it when quitting."""
    stores: list[ChatStore] = []

    def timed(read: Callable[[ChatStore], Any]) -> Callable[[], Any]:
        def action() -> Any:
            store = ChatStore(path)
            stores.append(store)
            return read(store)

        return action

    def both(store: ChatStore) -> tuple[int, int]:
        return len(store.thread(conversation_id)), len(store.thread(conversation_id, limit=50))

    try:
        open_ms, _ = _median_ms(timed(lambda store: None), rounds)
        total_ms, (thread_length, newest) = _median_ms(timed(both), rounds)
        newest_ms, _ = _median_ms(timed(lambda store: store.thread(conversation_id, limit=50)), rounds)
    finally:
        for store in stores:
            store.close()
    assert newest == 50, newest
    return {
        "thread_messages": thread_length,
        "open_store_ms": open_ms,
        "open_thread_and_newest_50_ms": total_ms,
        "open_and_newest_50_only_ms": newest_ms,
        "goal": "open_thread_and_newest_50_ms well under 300",
    }


QUERIES = (
    "python error",
    "docker compose",
    "recipe chicken garlic",
    "meeting notes",
    "capital of france",
    "how do I install",
    "gpu memory",
    "kubernetes deploy",
    # Search as you type: the first letters of a common word match nearly every message.
    "th",
    "the",
)


def search(path: Path, rounds: int) -> dict[str, Any]:
    per_query: dict[str, Any] = {}
    with ChatStore(path) as store:
        for query in QUERIES:
            ms, hits = _median_ms(functools.partial(store.search, query), rounds)
            matches = _scalar(path, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?", fts_query(query))
            per_query[query] = {"median_ms": ms, "hits": len(hits), "matching_messages": matches}
    medians = [entry["median_ms"] for entry in per_query.values()]
    return {
        "queries": per_query,
        "median_ms": round(statistics.median(medians), 2),
        "slowest_ms": max(medians),
        "goal": "< 100 ms each",
    }


def _scalar(path: Path, sql: str, *params: Any) -> Any:
    conn = sqlite_file.raw_connection(path, sqlite_file.current_key() if sqlite_file.is_encrypted(path) else None)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


@contextlib.contextmanager
def _workdir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="hearth-bench-") as folder:
        yield Path(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--messages-each", type=int, default=100)
    parser.add_argument("--long", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the corpus in this folder")
    parser.add_argument("--plain-only", action="store_true", help="skip the encrypted copy")
    args = parser.parse_args()
    with _workdir(args.keep) as folder:
        path = folder / "chats.sqlite3"
        start = time.perf_counter()
        if path.exists() and args.keep is not None:
            with ChatStore(path) as store:
                long_id = max(store.list_conversations(), key=lambda c: store.count_messages(c.id)).id
        else:
            long_id = build_corpus(path, args.conversations, args.messages_each, args.long)
        build_s = time.perf_counter() - start
        messages = _scalar(path, "SELECT count(*) FROM messages")
        result = {
            "corpus": {
                "conversations": args.conversations + 1,
                "messages": messages,
                "database_mb": round(path.stat().st_size / 2**20, 1),
                "build_s": round(build_s, 1),
            },
            "open_long_conversation": open_long_conversation(path, long_id, args.rounds),
            "search": search(path, args.rounds),
        }
        if not args.plain_only:
            result["encrypted"] = encrypted_versus_plain(path, folder / "encrypted.sqlite3", long_id, args.rounds)
        print(json.dumps(result, indent=2))


def encrypted_versus_plain(plain: Path, encrypted: Path, long_id: int, rounds: int) -> dict[str, Any]:
    """The same corpus encrypted, measured against the plain file in turns (three pairs, medians)."""
    key = DatabaseKey.generate()
    start = time.perf_counter()
    if not encrypted.exists():
        shutil.copyfile(plain, encrypted)
        sqlite_file.convert_file(encrypted, None, key)
    else:  # a kept folder: its key is beside it (a benchmark's, never a user's)
        key = DatabaseKey.from_hex(encrypted.with_suffix(".key").read_text())
    encrypted.with_suffix(".key").write_text(key.hex())
    convert_s = time.perf_counter() - start
    sqlite_file.use_key(key)  # plain files still open plain: each file's header says which it is
    runs: dict[str, list[dict[str, Any]]] = {"plain": [], "encrypted": []}
    for _pair in range(3):
        for name, path in (("plain", plain), ("encrypted", encrypted)):
            runs[name].append({"open": open_long_conversation(path, long_id, rounds)["open_thread_and_newest_50_ms"],
                               "search": search(path, rounds)})
    sqlite_file.use_key(None)

    def median(name: str, pick: Callable[[dict[str, Any]], float]) -> float:
        return round(statistics.median(pick(run) for run in runs[name]), 2)

    figures = {
        name: {
            "open_thread_and_newest_50_ms": median(name, lambda run: run["open"]),
            "search_median_ms": median(name, lambda run: run["search"]["median_ms"]),
            "search_slowest_ms": median(name, lambda run: run["search"]["slowest_ms"]),
        }
        for name in runs
    }
    plain_figures, encrypted_figures = figures["plain"], figures["encrypted"]
    return {
        "convert_s": round(convert_s, 1),
        **figures,
        "speed_ratio": {
            key: round(plain_figures[key] / max(encrypted_figures[key], 0.01), 2) for key in plain_figures
        },
        "goal": "speed_ratio >= 0.8 each; encrypted open < 300 ms, search slowest < 100 ms",
    }


if __name__ == "__main__":
    main()
