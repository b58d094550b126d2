"""Name comparison for activation: case, accents, hyphens, apostrophes and spaces ignored
("Élodie-Anne D'Arc" matches "elodie anne darc")."""

from __future__ import annotations

import unicodedata


def name_key(name: str) -> str:
    """Letters only, without accents, lowercased."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if c.isalpha() and not unicodedata.combining(c)).casefold()


def same_name(given: str, on_file: str) -> bool:
    key = name_key(given)
    return bool(key) and key == name_key(on_file)
