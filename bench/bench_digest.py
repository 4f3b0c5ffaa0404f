"""Attachment digests: SM3 (`cryptography`, as uploads and downloads use it) beside SHA-256
and hashlib's own "sm3" (the system OpenSSL), over a 20 MB attachment, the largest allowed.

    .venv/bin/python bench/bench_digest.py [--mb 20] [--runs 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import time
from collections.abc import Callable, Iterator

from duban.crypto import SHA256, SM3, file_digest


def chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def hashlib_sm3(data: bytes) -> str:
    h = hashlib.new("sm3")
    for c in chunks(data):
        h.update(c)
    return h.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = os.urandom(args.mb * 2**20)
    cases: dict[str, Callable[[bytes], str]] = {
        "sm3 (cryptography)": lambda d: file_digest(chunks(d), SM3),
        "sha256 (hashlib)": lambda d: file_digest(chunks(d), SHA256),
        "sm3 (hashlib, system OpenSSL)": hashlib_sm3,
    }
    assert cases["sm3 (cryptography)"](data) == hashlib_sm3(data)
    for name, fn in cases.items():
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            fn(data)
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        print(f"{name:32} median {med:.3f} s  ({args.mb / med:.0f} MB/s)  min {min(times):.3f} s")


if __name__ == "__main__":
    main()
