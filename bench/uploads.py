"""The picture the upload benchmark posts: like a phone's photo, 12 megapixels and about the size asked for.

A phone's photo is large because it has fine detail, and the server's work
(decoding, re-encoding without metadata, the thumbnail) grows with its pixels,
not with its bytes; so the picture has a phone camera's 4000 x 3000 pixels and
just enough grain to reach the size asked for (a smooth gradient alone would
compress to a few hundred kB).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

WIDTH, HEIGHT = 4000, 3000


def _encode(grain: float, seed: int = 14) -> bytes:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = np.stack([x / WIDTH * 200 + 20, y / HEIGHT * 180 + 40, (x + y) / (WIDTH + HEIGHT) * 160 + 60], axis=-1)
    noisy = base + rng.normal(0.0, grain, size=base.shape).astype(np.float32)
    pixels = np.clip(noisy, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def make_upload_image(path: Path, megabytes: float) -> int:
    """Write a JPEG of about `megabytes` MB (within 10 %) to `path`; returns its size in bytes."""
    target = megabytes * 1_000_000
    low, high = 0.0, 64.0
    data = _encode(high)
    for _ in range(12):
        grain = (low + high) / 2
        data = _encode(grain)
        if abs(len(data) - target) <= target * 0.1:
            break
        if len(data) < target:
            low = grain
        else:
            high = grain
    path.write_bytes(data)
    return len(data)
