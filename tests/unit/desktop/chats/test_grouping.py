from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop.chats import Conversation, group_by_date

NOW = datetime(2026, 11, 15, 10, 30)  # local time, as the sidebar sees it


def conversation(title: str, when: datetime) -> Conversation:
    stamp = when.timestamp()  # a naive datetime is local time
    return Conversation(len(title), title, "", {}, None, stamp, stamp, None)


def titles(groups: list[tuple[str, list[Conversation]]]) -> list[tuple[str, list[str]]]:
    return [(label, [c.title for c in members]) for label, members in groups]


def test_day_boundaries_are_local_midnights() -> None:
    midnight = datetime(2026, 11, 15)
    conversations = [
        conversation("now", NOW),
        conversation("just after midnight", midnight + timedelta(seconds=1)),
        conversation("just before midnight", midnight - timedelta(seconds=1)),
        conversation("yesterday start", midnight - timedelta(days=1)),
        conversation("two days", midnight - timedelta(days=1, seconds=1)),
        conversation("seven days", midnight - timedelta(days=6, hours=1)),
        conversation("eight days", midnight - timedelta(days=7, hours=1)),
        conversation("thirty days", datetime(2026, 10, 16, 9)),
        conversation("thirty-one days", datetime(2026, 10, 15, 23)),
        conversation("start of october", datetime(2026, 10, 1, 0, 0, 1)),
        conversation("september", datetime(2026, 9, 30, 23, 59)),
        conversation("last december", datetime(2025, 12, 24, 18)),
    ]
    assert titles(group_by_date(conversations, NOW)) == [
        ("Today", ["now", "just after midnight"]),
        ("Yesterday", ["just before midnight", "yesterday start"]),
        ("Previous 7 days", ["two days", "seven days"]),
        ("Previous 30 days", ["eight days", "thirty days"]),
        ("October 2026", ["thirty-one days", "start of october"]),
        ("September 2026", ["september"]),
        ("December 2025", ["last december"]),
    ]


def test_groups_come_newest_first_whatever_the_input_order() -> None:
    older = conversation("older", NOW - timedelta(days=40))
    newer = conversation("newer", NOW - timedelta(minutes=5))
    newest = conversation("newest", NOW)
    assert titles(group_by_date([older, newer, newest], NOW)) == [
        ("Today", ["newest", "newer"]),
        ("October 2026", ["older"]),
    ]


def test_future_times_count_as_today_and_empty_groups_are_left_out() -> None:
    assert titles(group_by_date([conversation("skewed clock", NOW + timedelta(days=2))], NOW)) == [
        ("Today", ["skewed clock"])
    ]
    assert group_by_date([], NOW) == []


def test_now_as_a_timestamp_or_an_aware_datetime() -> None:
    items = [conversation("yesterday", NOW - timedelta(days=1))]
    expected = [("Yesterday", ["yesterday"])]
    assert titles(group_by_date(items, NOW.timestamp())) == expected
    aware = datetime.fromtimestamp(NOW.timestamp(), UTC)
    assert titles(group_by_date(items, aware)) == expected
