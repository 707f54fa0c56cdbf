"""Full-text search: ranking, snippets, any input, deleted conversations left out."""

from __future__ import annotations

import pytest

from desktop.chats import MARK_END, MARK_START, ChatStore, fts_query, snippet_html, snippet_text
from desktop.chats import search as search_module


@pytest.fixture
def filled(store: ChatStore) -> ChatStore:
    cooking = store.create_conversation("Dinner ideas")
    store.add_message(cooking.id, "user", "How long do I roast a chicken with garlic?")
    store.add_message(cooking.id, "assistant", "Roast the chicken for about 90 minutes at 180 °C.")
    code = store.create_conversation("Python help")
    store.add_message(code.id, "user", "Why does my Python script raise a KeyError?")
    store.add_message(code.id, "assistant", "A KeyError means the key is missing; it's common with dicts.")
    cafe = store.create_conversation("Coffee")
    store.add_message(cafe.id, "user", "Find a café open AND serving breakfast (or brunch)")
    return store


def test_finds_messages_with_snippet_markers(filled: ChatStore) -> None:
    hits = filled.search("chicken")
    assert {hit.conversation_title for hit in hits} == {"Dinner ideas"}
    assert len(hits) == 2
    assert all(f"{MARK_START}chicken{MARK_END}" in hit.snippet for hit in hits)
    message = filled.get_message(hits[0].message_id or 0)
    assert "chicken" in message.content and message.conversation_id == hits[0].conversation_id


def test_every_word_is_required_and_matches_as_a_prefix(filled: ChatStore) -> None:
    assert {hit.conversation_title for hit in filled.search("roa chick")} == {"Dinner ideas"}
    assert filled.search("roast python") == []
    assert len(filled.search("KeyErr")) == 2


def test_title_matches_are_hits_without_a_message(filled: ChatStore) -> None:
    hits = filled.search("dinner")
    assert [(hit.conversation_title, hit.message_id) for hit in hits] == [("Dinner ideas", None)]
    assert hits[0].snippet == f"{MARK_START}Dinner{MARK_END} ideas"


def test_better_matches_rank_first(store: ChatStore) -> None:
    conversation = store.create_conversation()
    filler = " ".join(["something else entirely"] * 40)
    passing = store.add_message(conversation.id, "user", f"{filler} kubernetes {filler}")
    focused = store.add_message(conversation.id, "assistant", "Kubernetes, kubernetes: deploying on kubernetes.")
    hits = store.search("kubernetes")
    assert [hit.message_id for hit in hits] == [focused.id, passing.id]
    assert hits[0].rank < hits[1].rank


def test_diacritics_and_case_are_ignored(filled: ChatStore) -> None:
    assert [hit.conversation_title for hit in filled.search("CAFE")] == ["Coffee"]


@pytest.mark.parametrize(
    "query",
    ['"', "AND OR", "(", ")", "a*", "it's", "NEAR(", "title:x", "-", "^", "*", "a AND (b OR", "'", '""', "\\", "NOT"],
)
def test_hostile_queries_never_raise(filled: ChatStore, query: str) -> None:
    filled.search(query)


def test_hostile_queries_search_their_words(filled: ChatStore) -> None:
    assert [hit.conversation_title for hit in filled.search("it's")] == ["Python help"]
    assert [hit.conversation_title for hit in filled.search("AND OR")] == ["Coffee"]
    assert [hit.conversation_title for hit in filled.search('"(brunch')] == ["Coffee"]
    assert {hit.conversation_title for hit in filled.search("KeyErr*")} == {"Python help"}
    # One letter matches that word only: as a prefix it would match nearly everything.
    assert {hit.conversation_title for hit in filled.search("brunc b")} == set()
    assert {hit.conversation_title for hit in filled.search("Roast a")} == {"Dinner ideas"}
    assert filled.search('"') == [] and filled.search("   ") == []


def test_query_building() -> None:
    assert fts_query("meet note") == '"meet"* "note"*'
    assert fts_query("it's") == '"it s"'
    assert fts_query('say "hi" (AND) c++ x') == '"say"* "hi"* "AND"* "c" "x"'
    assert fts_query('"*()') == ""
    assert fts_query(" ".join(f"w{i}" for i in range(50))).count('"') == 2 * search_module.MAX_TERMS


def test_deleted_conversations_are_not_found(filled: ChatStore) -> None:
    dinner = next(c for c in filled.list_conversations() if c.title == "Dinner ideas")
    filled.delete_conversation(dinner.id)
    assert filled.search("chicken") == []
    assert filled.search("dinner") == []
    filled.restore_conversation(dinner.id)
    assert len(filled.search("chicken")) == 2
    filled.delete_conversation(dinner.id)
    filled.purge_deleted()
    assert filled.search("chicken") == []


def test_index_follows_edits_renames_and_deletes(store: ChatStore) -> None:
    conversation = store.create_conversation("Alpha")
    message = store.add_message(conversation.id, "user", "original wording")
    store.update_message(message.id, content="revised wording")
    assert store.search("original") == []
    assert [hit.message_id for hit in store.search("revised")] == [message.id]
    store.update_conversation(conversation.id, title="Beta")
    assert store.search("alpha") == []
    assert [hit.conversation_id for hit in store.search("beta")] == [conversation.id]
    store.delete_message(message.id)
    assert store.search("wording") == []


def test_limit(store: ChatStore) -> None:
    conversation = store.create_conversation()
    for index in range(8):
        store.add_message(conversation.id, "user", f"note number {index}")
    assert len(store.search("note", limit=5)) == 5
    assert store.search("note", limit=0) == []


def test_only_the_newest_matches_are_ranked_when_there_are_many(store: ChatStore) -> None:
    conversation = store.create_conversation()
    ids = [store.add_message(conversation.id, "user", f"common word, message {i}").id for i in range(6)]
    hits = search_module.search(store._conn, "common", limit=50, window=2)
    assert sorted(hit.message_id or 0 for hit in hits) == ids[-2:]
    assert len(search_module.search(store._conn, "common", limit=50, window=6)) == 6


def test_snippet_rendering() -> None:
    snippet = f"a <b>tag</b> & {MARK_START}match{MARK_END}"
    assert snippet_html(snippet) == "a &lt;b&gt;tag&lt;/b&gt; &amp; <b>match</b>"
    assert snippet_text(snippet) == "a <b>tag</b> & match"
