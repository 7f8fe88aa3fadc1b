"""The provider's Ed25519 signing key for checkpoints, and the signed-note format around it.

The key is never in the database: it comes from LEDGER_SIGNING_KEY (PEM, or the base64 of the
32-byte seed) or from the PEM file LEDGER_SIGNING_KEY_FILE. With neither set, a key is made
once in VAR_DIR/ledger-signing-key.pem, so that the embedded set-up runs on a fresh machine;
a configured file that is missing is an error, never silently replaced.

Signed notes follow C2SP signed-note: the text, then a blank line, then one line per
signature, "— <key name> <base64(key id || signature)>", where the key id is the first four
bytes of SHA-256(key name || "\\n" || 0x01 || public key). A verifier key is written
"<name>+<key id in hex>+<base64(0x01 || public key)>".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "
DEFAULT_KEY_FILE_NAME = "ledger-signing-key.pem"


def origin() -> str:
    """The log's name, the first line of each checkpoint (and the key's name)."""
    if settings.LEDGER_ORIGIN:
        return settings.LEDGER_ORIGIN
    host = urlsplit(settings.PUBLIC_BASE_URL).netloc or "localhost"
    return f"{host}/ledger"


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


@dataclass(frozen=True)
class SigningKey:
    name: str
    private: Ed25519PrivateKey

    @property
    def public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_bytes)

    def verifier_key(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(ED25519 + self.public_bytes).decode()}"

    def sign_note(self, text: str) -> str:
        """`text` (ending in a newline) as a signed note."""
        if not text.endswith("\n"):
            raise ValueError("a note's text ends with a newline")
        signature = self.private.sign(text.encode())
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {base64.b64encode(self.key_id + signature).decode()}\n"


def _load_pem_or_seed(material: str) -> Ed25519PrivateKey:
    material = material.strip()
    if material.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(material.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("The ledger signing key must be an Ed25519 key.")
        return key
    try:
        seed = base64.b64decode(material, validate=True)
    except binascii.Error as exc:
        raise ImproperlyConfigured("LEDGER_SIGNING_KEY is neither PEM nor base64.") from exc
    if len(seed) != 32:
        raise ImproperlyConfigured("LEDGER_SIGNING_KEY must hold a 32-byte Ed25519 seed.")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _generated_key_file(path: Path) -> None:
    """Write a new key to `path` unless one is there; safe against a second process doing the
    same at the same moment (the file appears whole, by a hard link, or not at all)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".ledger-key-")
    try:
        os.write(handle, pem)
        os.close(handle)
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


@cache
def _private_key(material: str, key_file: str, var_dir: str) -> Ed25519PrivateKey:
    if material:
        return _load_pem_or_seed(material)
    if key_file:
        path = Path(key_file)
        if not path.exists():
            raise ImproperlyConfigured(f"LEDGER_SIGNING_KEY_FILE {key_file} does not exist.")
    else:
        path = Path(var_dir) / DEFAULT_KEY_FILE_NAME
        if not path.exists():
            _generated_key_file(path)
    return _load_pem_or_seed(path.read_text())


def signing_key() -> SigningKey:
    private = _private_key(settings.LEDGER_SIGNING_KEY, settings.LEDGER_SIGNING_KEY_FILE, str(settings.VAR_DIR))
    return SigningKey(name=origin(), private=private)


# --- Reading notes --------------------------------------------------------------------------


class NoteError(ValueError):
    pass


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: bytes
    public: Ed25519PublicKey

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        try:
            name, hex_id, encoded = text.strip().split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
            identifier = bytes.fromhex(hex_id)
        except (ValueError, binascii.Error) as exc:
            raise NoteError("a verifier key reads <name>+<key id>+<base64 key>") from exc
        if raw[:1] != ED25519 or len(raw) != 33 or key_id(name, raw[1:]) != identifier:
            raise NoteError("not an Ed25519 verifier key, or its key id does not match")
        return cls(name=name, key_id=identifier, public=Ed25519PublicKey.from_public_bytes(raw[1:]))


def note_text(note: str, key: VerifierKey) -> str:
    """The text of a signed note, once a signature by `key` on it verifies."""
    text, separator, signatures = note.rpartition("\n\n")
    if not separator:
        raise NoteError("a signed note has its text, a blank line, and its signatures")
    text += "\n"
    for line in signatures.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("a signature line starts with an em dash and a space")
        name, _space, encoded = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise NoteError("a signature is not base64") from exc
        if name != key.name or blob[:4] != key.key_id:
            continue
        try:
            key.public.verify(blob[4:], text.encode())
        except InvalidSignature as exc:
            raise NoteError(f"the signature of {name} does not verify") from exc
        return text
    raise NoteError(f"the note carries no signature by {key.name}")
