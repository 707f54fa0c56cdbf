"""Sidebar sections by date: Today, Yesterday, Previous 7 days, Previous 30 days, then months."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from desktop.chats.types import Conversation

# English names whatever the process locale: Qt sets the C library's locale from the
# environment, which would make calendar.month_name disagree with "Today" and "Yesterday".
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def group_by_date(conversations: Sequence[Conversation], now: datetime | float) -> list[tuple[str, list[Conversation]]]:
    """Sections in sidebar order, newest first, by updated_at in local time; empty sections left out.

    Day boundaries are local midnights. "Previous 7 days" is 2 to 7 days ago, "Previous 30
    days" 8 to 30 days ago; older ones go under their month ("October 2026"). A time in the
    future (a clock that was wrong) counts as today.
    """
    today = _local(now).date()
    groups: dict[str, list[Conversation]] = {}
    for conversation in sorted(conversations, key=lambda c: c.updated_at, reverse=True):
        groups.setdefault(_label(_local(conversation.updated_at).date(), today), []).append(conversation)
    return list(groups.items())


def _local(moment: datetime | float) -> datetime:
    if isinstance(moment, datetime):
        # A naive datetime is already local time; an aware one is converted to it.
        return moment if moment.tzinfo is None else moment.astimezone().replace(tzinfo=None)
    return datetime.fromtimestamp(moment)


def _label(day: date, today: date) -> str:
    age = (today - day).days
    if age <= 0:
        return "Today"
    if age == 1:
        return "Yesterday"
    if age <= 7:
        return "Previous 7 days"
    if age <= 30:
        return "Previous 30 days"
    return f"{_MONTHS[day.month - 1]} {day.year}"
