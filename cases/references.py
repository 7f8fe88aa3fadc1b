"""Case references a person can read over the phone, and private tracking tokens."""

import hashlib
import hmac
import re
import secrets

# No 0/O, 1/I/L, U, and no lower case: nothing two people could hear or read differently.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_REFERENCE_SHAPE = re.compile(rf"^[A-Z]-[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}$")


def new_reference(kind: str) -> str:
    """A new reference for a case of `kind`, starting with the letter its declaration names."""
    from cases.kinds import declaration_of

    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{declaration_of(kind).reference_prefix}-{body[:4]}-{body[4:]}"


def normalise_reference(text: str) -> str:
    """Accept what people type: any case, spaces or no dashes ('c 7k4m 9qhx' → 'C-7K4M-9QHX')."""
    compact = re.sub(r"[\s\-_]", "", (text or "").upper())
    if len(compact) != 9:
        return compact
    return f"{compact[0]}-{compact[1:5]}-{compact[5:]}"


def is_reference(text: str) -> bool:
    return bool(_REFERENCE_SHAPE.match(text))


def new_tracking_token() -> str:
    """192 bits from the OS's CSPRNG, URL-safe."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(token_hash(token), stored_hash)
