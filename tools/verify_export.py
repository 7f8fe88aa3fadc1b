"""Check a case export from the tracker, offline, with the standard library only.

    python3 verify_export.py case-export.json [VERIFIER_KEY]

VERIFIER_KEY is the provider's published key ("name+keyid+base64"); without it the key in the
file is used, which only shows that the file is consistent with itself. Prints OK, or names
the first event that was altered, removed or moved, and exits 1.
"""

import base64
import hashlib
import json
import sys

# --- Ed25519 signature verification (RFC 8032, section 6) -------------------------------------
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):
    x = (a[1] - a[0]) * (b[1] - b[0]) % P
    y = (a[1] + a[0]) * (b[1] + b[0]) % P
    c, z = 2 * a[3] * b[3] * D % P, 2 * a[2] * b[2] % P
    e, f, g, h = y - x, z - c, z + c, y + x
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(s, point):
    result = (0, 1, 1, 0)
    while s:
        if s & 1:
            result = _add(result, point)
        point, s = _add(point, point), s >> 1
    return result


def _x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    return P - x if (x & 1) != sign else x


def _point(encoded):
    y = int.from_bytes(encoded, "little")
    x = _x(y & ((1 << 255) - 1), y >> 255)
    return None if x is None else (x, y & ((1 << 255) - 1), 1, x * (y & ((1 << 255) - 1)) % P)


G = _point((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def ed25519_verify(public, message, signature):
    a, r = _point(public), _point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if len(public) != 32 or len(signature) != 64 or a is None or r is None or s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    left, right = _mul(s, G), _add(r, _mul(h, a))
    return (left[0] * right[2] - right[0] * left[2]) % P == 0 and (left[1] * right[2] - right[1] * left[2]) % P == 0


# --- Signed notes (C2SP signed-note) and RFC 6962 inclusion proofs ------------------------------
def note_text(note, key):
    """The text of a signed note, if `key` ("name+keyid+base64") signed it; else None."""
    name, key_id, encoded = key.strip().split("+", 2)
    public = base64.b64decode(encoded)[1:]
    text, _, signatures = note.rpartition("\n\n")
    for line in signatures.splitlines():
        signer, _, blob = line[2:].rpartition(" ")
        blob = base64.b64decode(blob)
        signed = line.startswith("\u2014 ") and signer == name and blob[:4].hex() == key_id
        if signed and ed25519_verify(public, (text + "\n").encode(), blob[4:]):
            return text + "\n"
    return None


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf, index, size, proof, root):  # RFC 9162, section 2.1.3.2
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


# --- The export ----------------------------------------------------------------------------------
HASHED = ("stream_id", "stream_version", "type", "schema_version", "data", "metadata", "occurred_at", "previous_hash")


def event_hash(event):
    document = {name: event[name] for name in HASHED}
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def check(export, key):
    """None if the export verifies, else what is wrong, naming the first event concerned."""
    checkpoint = note_text(export["checkpoint"], key)
    head = note_text(export["case_head"], key)
    if checkpoint is None or head is None:
        return "the checkpoint or the case head is not signed by this key"
    size, root = int(checkpoint.split("\n")[1]), base64.b64decode(checkpoint.split("\n")[2])
    _, case_id, count, last_hash, head_size, _ = head.split("\n")
    if case_id != export["case"]["id"] or int(head_size) != size:
        return "the signed case head belongs to another case or checkpoint"
    previous = "0" * 64
    for number, event in enumerate(export["events"], start=1):
        name = f"event {number} (version {event['stream_version']}, position {event['position']}, {event['type']})"
        if event["stream_id"] != case_id or event["stream_version"] != number:
            return f"{name}: out of place: an event before it was removed or moved"
        if event["previous_hash"] != previous:
            return f"{name}: does not follow the event before it (removed, moved or altered)"
        if event_hash(event) != event["hash"]:
            return f"{name}: altered: its content does not match its hash"
        leaf = hashlib.sha256(b"\x00" + bytes.fromhex(event["hash"])).digest()
        proof = [base64.b64decode(p) for p in event["inclusion_proof"]]
        if not verify_inclusion(leaf, event["leaf_index"], size, proof, root):
            return f"{name}: not in the signed log at leaf {event['leaf_index']} (altered or replaced)"
        previous = event["hash"]
    if len(export["events"]) != int(count) or previous != last_hash:
        return f"the signed head says {count} events ending in {last_hash[:16]}…: events at the end were removed"
    return None


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as file:
        export = json.load(file)
    problem = check(export, sys.argv[2] if len(sys.argv) > 2 else export["verifier_key"])
    print(f"FAILED: {problem}" if problem else f"OK: {len(export['events'])} events verified")
    sys.exit(1 if problem else 0)
