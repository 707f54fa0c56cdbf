"""A passphrase strength hint: a rough guess, in words, never a rule (the user decides)."""

from __future__ import annotations

import math
import string
from dataclasses import dataclass

MINIMUM_LENGTH = 8
# The first things anyone guesses; a passphrase built around one is weak whatever its length.
_COMMON = ("password", "passwort", "motdepasse", "qwerty", "azerty", "123456", "letmein", "iloveyou", "admin",
           "welcome", "hearth")


@dataclass(frozen=True)
class Strength:
    score: int  # 0 (too weak to accept) .. 4
    hint: str

    @property
    def acceptable(self) -> bool:
        return self.score > 0


def estimate_bits(passphrase: str) -> float:
    """Length times the log of the alphabet the characters come from (an upper bound for
    random text, so repeats and common words are counted down)."""
    if not passphrase:
        return 0.0
    alphabet = 0
    for characters, size in ((string.ascii_lowercase, 26), (string.ascii_uppercase, 26), (string.digits, 10)):
        if any(c in characters for c in passphrase):
            alphabet += size
    if any(not c.isascii() or c in string.punctuation or c == " " for c in passphrase):
        alphabet += 33
    distinct = len(set(passphrase))
    effective_length = min(len(passphrase), distinct * 2)  # "aaaaaaaaaaaa" is not long
    return effective_length * math.log2(max(alphabet, 2))


def strength(passphrase: str) -> Strength:
    if len(passphrase) < MINIMUM_LENGTH:
        return Strength(0, f"Too short: use at least {MINIMUM_LENGTH} characters (a few words are best).")
    bits = estimate_bits(passphrase)
    lowered = passphrase.lower()
    for common in _COMMON:
        if common in lowered:
            bits = min(bits, estimate_bits(lowered.replace(common, "", 1)) + 10)
    if bits < 40:
        return Strength(1, "Weak: someone with your disk could guess it. Add words or length.")
    if bits < 60:
        return Strength(2, "Fair: longer would be safer (four or five random words).")
    if bits < 80:
        return Strength(3, "Good.")
    return Strength(4, "Strong.")
