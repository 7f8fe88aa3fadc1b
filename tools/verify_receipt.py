"""Check the tracker's receipts, proofs and checkpoints, with the Python standard library only.

    python3 verify_receipt.py checkpoint NOTE --key KEY
    python3 verify_receipt.py inclusion PROOF.json --checkpoint NOTE --key KEY
    python3 verify_receipt.py consistency PROOF.json --old NOTE --new NOTE --key KEY
    python3 verify_receipt.py receipt RECEIPT.json --key KEY [--server URL]

KEY is the provider's published verifier key ("name+keyid+base64", as served at /ledger/key),
or a file holding it. NOTE is a signed checkpoint (a file). PROOF.json is what the log serves
at /ledger/proofs/inclusion or /ledger/proofs/consistency.

`receipt` checks the receipt on its own (its event's hash, its inclusion proof, its
checkpoint's signature); with --server it also fetches the log's latest checkpoint and checks
that it extends the receipt's checkpoint (consistency proof) and that the receipt's event is
still in it (inclusion proof by the event's hash). Prints OK or FAILED; exits 0 or 1.
"""

import argparse
import base64
import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

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


def verify_consistency(first, second, root1, root2, proof):  # RFC 9162, section 2.1.4.2
    if first == second:
        return not proof and root1 == root2
    if first == 0 or first > second:
        return first == 0 and not proof
    if not proof:
        return False
    if first & (first - 1) == 0:
        proof = [root1, *proof]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == root1 and sr == root2


# --- Checks --------------------------------------------------------------------------------------
class Failed(Exception):
    pass


def checkpoint(note, key):
    """(size, root) of a checkpoint signed by `key`."""
    text = note_text(note, key)
    if text is None:
        raise Failed("the checkpoint is not signed by this key")
    lines = text.split("\n")
    return int(lines[1]), base64.b64decode(lines[2])


HASHED = ("stream_id", "stream_version", "type", "schema_version", "data", "metadata", "occurred_at", "previous_hash")


def event_hash(event):
    document = {name: event[name] for name in HASHED}
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def leaf_of(event_hash_hex):
    return hashlib.sha256(b"\x00" + bytes.fromhex(event_hash_hex)).digest()


def proof_hashes(values):
    return [base64.b64decode(v) for v in values]


def check_inclusion(proof, note, key, event_hash_hex=None):
    size, root = checkpoint(note, key)
    if proof["tree_size"] != size:
        raise Failed(f"the proof is for a tree of {proof['tree_size']} leaves, the checkpoint has {size}")
    wanted = event_hash_hex or proof["event_hash"]
    if not verify_inclusion(leaf_of(wanted), proof["leaf_index"], size, proof_hashes(proof["inclusion_proof"]), root):
        raise Failed(f"event {wanted[:16]}… is not at leaf {proof['leaf_index']} of the checkpoint's tree")
    return f"event {wanted[:16]}… is leaf {proof['leaf_index']} of the tree of {size}"


def check_consistency(proof, old_note, new_note, key):
    (first, root1), (second, root2) = checkpoint(old_note, key), checkpoint(new_note, key)
    if (proof["first"], proof["second"]) != (first, second):
        raise Failed("the proof is for other tree sizes than the two checkpoints")
    if not verify_consistency(first, second, root1, root2, proof_hashes(proof["consistency_proof"])):
        raise Failed(f"the tree of {second} does not extend the tree of {first}: the log was rewritten")
    return f"the tree of {second} extends the tree of {first}"


def check_receipt(receipt, key, server=None):
    event = receipt["event"]
    if event_hash(event) != event["hash"]:
        raise Failed("the receipt's event does not match its hash")
    proof = {k: receipt[k] for k in ("leaf_index", "tree_size", "inclusion_proof")}
    proof["event_hash"] = event["hash"]
    said = [check_inclusion(proof, receipt["checkpoint"], key)]
    if server:
        latest = fetch(server, "/ledger/checkpoint", text=True)
        first, second = receipt["tree_size"], checkpoint(latest, key)[0]
        query = urllib.parse.urlencode({"first": first, "second": second})
        said.append(
            check_consistency(fetch(server, f"/ledger/proofs/consistency?{query}"), receipt["checkpoint"], latest, key)
        )
        query = urllib.parse.urlencode({"event_hash": event["hash"], "tree_size": second})
        try:
            found = fetch(server, f"/ledger/proofs/inclusion?{query}")
        except urllib.error.HTTPError as exc:
            raise Failed(f"the log no longer holds the receipt's event (HTTP {exc.code})") from exc
        if found["leaf_index"] != receipt["leaf_index"]:
            raise Failed("the log holds the receipt's event at another leaf")
        said.append(check_inclusion(found, latest, key, event["hash"]) + ", the latest checkpoint")
    return "; ".join(said)


def fetch(server, path, text=False):
    with urllib.request.urlopen(server.rstrip("/") + path, timeout=30) as response:  # noqa: S310 - the user's URL
        body = response.read().decode()
    return body if text else json.loads(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["checkpoint", "inclusion", "consistency", "receipt"])
    parser.add_argument("file")
    parser.add_argument("--key", required=True)
    parser.add_argument("--checkpoint")
    parser.add_argument("--old")
    parser.add_argument("--new")
    parser.add_argument("--server")
    args = parser.parse_args()

    def read(path):
        with open(path, encoding="utf-8") as file:
            return file.read()

    key = read(args.key).strip() if os.path.exists(args.key) else args.key
    try:
        if args.what == "checkpoint":
            size, root = checkpoint(read(args.file), key)
            said = f"a checkpoint of {size} leaves, root {root.hex()}, signed by the key"
        elif args.what == "inclusion":
            said = check_inclusion(json.loads(read(args.file)), read(args.checkpoint), key)
        elif args.what == "consistency":
            said = check_consistency(json.loads(read(args.file)), read(args.old), read(args.new), key)
        else:
            said = check_receipt(json.loads(read(args.file)), key, args.server)
    except (Failed, ValueError, KeyError, IndexError, TypeError, OSError) as exc:
        print(f"FAILED: {exc}")
        return 1
    print(f"OK: {said}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
