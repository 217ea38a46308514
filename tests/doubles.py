"""Test doubles shared by several test modules."""

from __future__ import annotations


class CountingMembers:
    """A membership store that lists nobody and records which segments were evaluated."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def explicit(self, segment: str, customer_id: str) -> tuple[bool, bool]:
        self.asked.append(segment)
        return False, False
