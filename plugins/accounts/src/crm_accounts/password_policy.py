"""Which passwords an attacker would try first, beyond the length rule.

NIST SP 800-63B and the OWASP Authentication Cheat Sheet forbid composition
rules but require a blocklist: common passwords, context words such as the
account's name or email, and repetitive or sequential strings. The rules here
are that blocklist. Descriptions never quote the password or any part of it,
because they reach clients and logs.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import unicodedata
from difflib import SequenceMatcher
from importlib import resources

from crm_accounts.errors import FieldViolation

# Django's UserAttributeSimilarityValidator default: 2 * matching / total length.
MAX_SIMILARITY = 0.7
# Shorter name or email parts ("jo", "uk") would make unrelated passwords "similar".
MIN_PART_LENGTH = 3
# Containing a 3-character part ("ann", "bob") says little; containing "smith" does.
MIN_CONTAINED_PART_LENGTH = 4


def password_violations(
    password: str, *, name: str, email: str, field: str = "password"
) -> list[FieldViolation]:
    """Return the blocklist violations of an NFKC-normalized, length-checked password.

    ``name`` and ``email`` are the account's (empty when unknown or invalid);
    ``field`` is the request field reported in the violations.
    """
    folded = _fold(password)
    violations = []
    # Surrounding whitespace does not make a common password any harder to guess.
    if folded.strip() in _common_passwords():
        violations.append(
            FieldViolation(
                field, "is one of the most commonly used passwords", "PASSWORD_TOO_COMMON"
            )
        )
    if any(_resembles(folded, word) for word in _context_words(name, email)):
        violations.append(
            FieldViolation(
                field, "is too similar to the account's name or email", "PASSWORD_TOO_SIMILAR"
            )
        )
    if _is_trivial_run(folded):
        violations.append(
            FieldViolation(
                field, "is a repeated or sequential run of characters", "PASSWORD_TOO_SIMPLE"
            )
        )
    return violations


def _fold(text: str) -> str:
    """Case-insensitive form for comparisons across all of Unicode.

    Casefolding can denormalize (some characters fold to a base letter plus a
    combining mark), hence NFKC on both sides.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The bundled list (see data/COMMON-PASSWORDS-NOTICE.txt), read on first use."""
    resource = resources.files("crm_accounts").joinpath("data", "common-passwords.txt.gz")
    lines = gzip.decompress(resource.read_bytes()).decode("utf-8").splitlines()
    return frozenset(_fold(line.strip()) for line in lines)


def _context_words(name: str, email: str) -> set[str]:
    """The folded name, email, local part and their alphanumeric parts."""
    name, email = _fold(name), _fold(email)
    local, _, domain = email.rpartition("@")
    # The top-level domain ("com", "info", "online") is shared by millions of
    # addresses and says nothing about this account.
    domain_labels = domain.split(".")[:-1]
    words = {name, email, local}
    for text in (name, local, *domain_labels):
        words.update(_split_alphanumeric(text))
    return {word for word in words if len(word) >= MIN_PART_LENGTH}


def _split_alphanumeric(text: str) -> list[str]:
    # Letters, marks and numbers of any script: a regex \W would also split
    # words at combining marks, e.g. the vowel signs of Devanagari.
    return "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in text).split()


def _resembles(password: str, word: str) -> bool:
    """Whether a folded password contains, is contained in, or nearly equals a context word."""
    if password in word or (len(word) >= MIN_CONTAINED_PART_LENGTH and word in password):
        return True
    # ratio() is 2 * matches / (len(password) + len(word)) and matches cannot
    # exceed the shorter length, so unequal lengths rule similarity out without
    # running the matcher, which is quadratic in the worst case.
    if 2 * min(len(password), len(word)) < MAX_SIMILARITY * (len(password) + len(word)):
        return False
    # autojunk would ignore frequent characters of a 200+ character word and
    # understate the similarity.
    matcher = SequenceMatcher(None, password, word, autojunk=False)
    # quick_ratio() is a cheap upper bound of ratio().
    return matcher.quick_ratio() >= MAX_SIMILARITY and matcher.ratio() >= MAX_SIMILARITY


def _is_trivial_run(password: str) -> bool:
    """Whether the password is one repeated character or one strictly ascending or
    descending run of code points ("aaaaaaaa", "12345678", "hgfedcba").

    Only whole-password runs count, so that no passphrase is ever rejected.
    """
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(password)}
    return steps in ({0}, {1}, {-1})
