"""Reference dequantisation for GGML block types, from gguf-py (PyPI `gguf`), on random blocks.

Writes Tests/ModelFormatsTests/Fixtures/quant_blocks.safetensors: for each type T, `T.raw` (U8, the block bytes)
and `T.values` (F32, gguf-py's dequantisation). Scale fields are set to finite float16 values.
Run: python scripts/make-quant-fixtures.py  (needs numpy, gguf, safetensors-free: the file is written by hand)
"""
import json
import struct
import sys

import numpy as np
from gguf import GGMLQuantizationType as Q, GGML_QUANT_SIZES
from gguf.quants import dequantize

rng = np.random.default_rng(7)
# (type, blocks, byte offsets of float16 scale fields)
TYPES = [(Q.Q4_0, 4, [0]), (Q.Q4_1, 4, [0, 2]), (Q.Q5_0, 4, [0]), (Q.Q5_1, 4, [0, 2]), (Q.Q8_0, 4, [0]),
         (Q.Q4_K, 2, [0, 2]), (Q.Q5_K, 2, [0, 2]), (Q.Q6_K, 2, [208]), (Q.F16, 64, None), (Q.BF16, 64, None)]

tensors = {}
for qtype, blocks, scale_offsets in TYPES:
    block, nbytes = GGML_QUANT_SIZES[qtype]
    if qtype == Q.F16:
        raw = rng.normal(0, 2, blocks).astype(np.float16).view(np.uint8)
    elif qtype == Q.BF16:
        raw = (rng.normal(0, 2, blocks).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16).view(np.uint8)
    else:
        raw = rng.integers(0, 256, blocks * nbytes, dtype=np.uint8).reshape(blocks, nbytes)
        for off in scale_offsets:
            raw[:, off:off + 2] = rng.uniform(-0.05, 0.05, blocks).astype(np.float16).view(np.uint8).reshape(blocks, 2)
        raw = raw.reshape(-1)
    values = dequantize(raw.reshape(1, -1), qtype).reshape(-1).astype(np.float32)
    name = qtype.name
    tensors[f"{name}.raw"] = ("U8", [raw.size], raw.tobytes())
    tensors[f"{name}.values"] = ("F32", [values.size], values.tobytes())

header, data, offset = {}, b"", 0
for key in sorted(tensors):
    dtype, shape, blob = tensors[key]
    header[key] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
    data += blob
    offset += len(blob)
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - len(h) % 8) % 8)
out = sys.argv[1] if len(sys.argv) > 1 else "Tests/ModelFormatsTests/Fixtures/quant_blocks.safetensors"
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + data)
print(out, len(data), "bytes")
