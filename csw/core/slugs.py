"""Names made from a coordinator's words: safe in a UID, a file name or a folder name."""

from __future__ import annotations

import hashlib
import re
import unicodedata


def slug(text: str) -> str:
    """Lowercase ASCII words joined by hyphens (UIDs, folder names); a short hash when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words or hashlib.blake2b(text.encode("utf-8"), digest_size=4).hexdigest()
