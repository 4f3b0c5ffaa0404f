"""Keys and the 国密 primitives (SM3, HMAC-SM3, SM4) used by Duban, in one place.

All cryptography goes through this module so that a certified 密码设备 (GM/T 0018 SDF) can
replace the software implementation (`cryptography`, OpenSSL) for a 密评 without touching
callers (reference/security.md §2). Keys live outside the database, in the data folder
(mode 0600) or the environment, never in a table:

- chain key: HMAC-SM3 over the event chains (DUBAN_CHAIN_KEY or DUBAN_DATA/chain_key);
- field key: SM4-GCM over personal fields (DUBAN_FIELD_KEY or DUBAN_DATA/field_key).

Back them up apart from the database backups (README "Backups"): a backup with its key
beside it lets whoever holds both rewrite a chain.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings


class KeyProblem(RuntimeError):
    """A key in the environment or the data folder is unusable; the message says which."""


def _key(env: str, filename: str) -> bytes:
    raw = os.environ.get(env, "").strip()
    if raw:
        try:
            key = bytes.fromhex(raw)
        except ValueError:
            raise KeyProblem(f"{env} must be hex digits") from None
        if len(key) < 16:
            raise KeyProblem(f"{env} must be at least 32 hex digits (16 bytes)")
        return key
    path = Path(settings.DATA_DIR) / filename
    if not path.exists():
        # Made once per data folder, like the secret key; O_EXCL so two processes starting
        # together do not each write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    text = path.read_text().strip()
    if len(text) < 32:
        raise KeyProblem(f"{path} is empty or too short; restore it from the key backup")
    return bytes.fromhex(text)


@functools.cache
def chain_key() -> bytes:
    return _key("DUBAN_CHAIN_KEY", "chain_key")


@functools.cache
def field_key() -> bytes:
    key = _key("DUBAN_FIELD_KEY", "field_key")
    return key[:16]  # SM4 takes 128 bits


def sm3(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


# The algorithms a recorded file digest may name. New records use SM3 (GB/T 32905, 密评);
# SHA-256 is how attachments were recorded before, and those records keep being checked
# with it: an event in a chain cannot be rewritten to another algorithm.
SM3, SHA256 = "sm3", "sha256"
FILE_DIGESTS = (SM3, SHA256)


def file_digest(chunks: Iterable[bytes], algorithm: str = SM3) -> str:
    """The hex digest of a file read in chunks, with `algorithm` (one of FILE_DIGESTS).

    SM3 through `cryptography` (its own OpenSSL: the same on every host, unlike hashlib's
    "sm3", which depends on the system OpenSSL); 26-45 MB/s here (bench/bench_digest.py).
    """
    if algorithm == SM3:
        h = hashes.Hash(hashes.SM3())
        for chunk in chunks:
            h.update(chunk)
        return h.finalize().hex()
    if algorithm == SHA256:
        s = hashlib.sha256()
        for chunk in chunks:
            s.update(chunk)
        return s.hexdigest()
    raise ValueError(f"unknown digest algorithm {algorithm!r}")


PREFIX = "sm4gcm1:"


def encrypt_field(plain: str) -> str:
    """SM4-GCM with a fresh 12-byte nonce; stored as PREFIX + base64(nonce | ct | tag)."""
    nonce = secrets.token_bytes(12)
    enc = Cipher(algorithms.SM4(field_key()), modes.GCM(nonce)).encryptor()
    ct = enc.update(plain.encode()) + enc.finalize()
    return PREFIX + base64.b64encode(nonce + ct + enc.tag).decode("ascii")


def decrypt_field(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption was on; re-saved encrypted on next change
    blob = base64.b64decode(stored[len(PREFIX) :])
    nonce, ct, tag = blob[:12], blob[12:-16], blob[-16:]
    dec = Cipher(algorithms.SM4(field_key()), modes.GCM(nonce, tag)).decryptor()
    return (dec.update(ct) + dec.finalize()).decode()


def self_test() -> list[str]:
    """Known-answer tests (GB/T 32905 and GB/T 32907 examples); empty when all pass."""
    problems = []
    if sm3(b"abc") != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0":
        problems.append("SM3 known-answer test failed")
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    if (enc.update(key) + enc.finalize()).hex() != "681edf34d206965e86b3e94f536e4246":
        problems.append("SM4 known-answer test failed")
    return problems
