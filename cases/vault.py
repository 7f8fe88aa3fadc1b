"""The personal-data vault: each data subject's own key, wrapped under a master key.

Every data subject (`cases.personal_data.DataSubject`) has a random 256-bit data key. Its
contact details, and the personal free text of events about it, are encrypted under that key
with AES-GCM (a fresh 96-bit nonce per value; the associated data binds each ciphertext to
the subject's id and to what it is, so a ciphertext moved to another subject or field does
not open). The data key itself is stored wrapped (AES-GCM again) under a master key from the
environment, `PERSONAL_DATA_KEYS`: one or more `id:base64key` entries, the first wraps new
keys, every one unwraps. Erasing a subject destroys its wrapped key: its ciphertexts, kept in
the immutable event log, can never be read again, and no event changes.

Nothing here logs a value, a key or a ciphertext.
"""

from __future__ import annotations

import base64
import binascii
import os
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
NONCE_BYTES = 12
# A sealed value: "v1." then the base64 of nonce + ciphertext + tag.
SEAL_VERSION = "v1."


class VaultError(Exception):
    """The vault cannot do what it was asked: a master key is missing or wrong, or a stored
    value was altered. Never raised for an erased subject (that reads as erased)."""


@dataclass(frozen=True)
class MasterKey:
    id: str
    key: bytes


def parse_master_keys(value: str) -> list[MasterKey]:
    """`id:base64key` entries separated by commas or white space; the first is the newest.

    Raises ImproperlyConfigured naming what is wrong (never the key itself)."""
    keys: list[MasterKey] = []
    for entry in value.replace(",", " ").split():
        key_id, sep, encoded = entry.partition(":")
        if not sep or not key_id or not encoded:
            raise ImproperlyConfigured("PERSONAL_DATA_KEYS: each entry must be id:base64key.")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"PERSONAL_DATA_KEYS: the key of {key_id!r} is not valid base64.") from exc
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"PERSONAL_DATA_KEYS: the key of {key_id!r} must be {KEY_BYTES} bytes (256 bits), not {len(key)}."
            )
        if any(k.id == key_id for k in keys):
            raise ImproperlyConfigured(f"PERSONAL_DATA_KEYS: the id {key_id!r} appears twice.")
        keys.append(MasterKey(key_id, key))
    return keys


def new_master_key_entry(key_id: str) -> str:
    """A fresh `id:base64key` entry, for operators generating a master key."""
    return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


def master_keys() -> list[MasterKey]:
    configured = parse_master_keys(settings.PERSONAL_DATA_KEYS)
    if not configured:
        raise ImproperlyConfigured("PERSONAL_DATA_KEYS must be set (settings give a development key with DEBUG on).")
    return configured


def current_master_key() -> MasterKey:
    return master_keys()[0]


def _master_key(key_id: str) -> MasterKey:
    for key in master_keys():
        if key.id == key_id:
            return key
    raise VaultError(
        f"subject keys are wrapped under master key {key_id!r}, which PERSONAL_DATA_KEYS does not hold; "
        "add it back (after the newest key) until rotate_personal_data_keys has re-wrapped them"
    )


def _wrapping_context(subject_id: uuid.UUID | str) -> bytes:
    return f"subject-key|{subject_id}".encode()


def new_subject_key(subject_id: uuid.UUID | str) -> tuple[bytes, str, str]:
    """A new data key for a subject: (the key, its wrapped form, the master key id)."""
    key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    master = current_master_key()
    return key, wrap_key(key, subject_id, master), master.id


def wrap_key(key: bytes, subject_id: uuid.UUID | str, master: MasterKey) -> str:
    nonce = os.urandom(NONCE_BYTES)
    wrapped = AESGCM(master.key).encrypt(nonce, key, _wrapping_context(subject_id))
    return base64.b64encode(nonce + wrapped).decode()


def unwrap_key(wrapped: str, subject_id: uuid.UUID | str, key_id: str) -> bytes:
    master = _master_key(key_id)
    raw = base64.b64decode(wrapped)
    try:
        return AESGCM(master.key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _wrapping_context(subject_id))
    except InvalidTag as exc:
        raise VaultError(
            f"master key {key_id!r} in PERSONAL_DATA_KEYS does not open the subject keys wrapped under it "
            "(a wrong key for that id, or an altered row)"
        ) from exc


def _context(subject_id: uuid.UUID | str, purpose: str) -> bytes:
    return f"subject:{subject_id}|{purpose}".encode()


def encrypt(key: bytes, subject_id: uuid.UUID | str, purpose: str, text: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, text.encode(), _context(subject_id, purpose))
    return SEAL_VERSION + base64.b64encode(nonce + sealed).decode()


def decrypt(key: bytes, subject_id: uuid.UUID | str, purpose: str, sealed: str) -> str:
    if not sealed.startswith(SEAL_VERSION):
        raise VaultError("a sealed value has an unknown format")
    raw = base64.b64decode(sealed[len(SEAL_VERSION) :])
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _context(subject_id, purpose)).decode()
    except InvalidTag as exc:
        raise VaultError("a sealed value does not open under its subject's key (altered or moved)") from exc
