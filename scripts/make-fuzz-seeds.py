"""Writes the fuzzers' seed corpus: small real files of each format Glassbox reads (fuzz/corpus/<target>/).

    python3 scripts/make-fuzz-seeds.py

GGUF: a Llama-style header with a byte-level BPE tokenizer in the metadata and F32, F16, Q4_0, Q4_1, Q8_0 tensors;
safetensors: F32 / F16 / BF16 / I64 tensors with metadata; tokenizer.json: a small BPE model with merges and added
tokens. The files follow the formats' specifications (GGUF v3, safetensors, Hugging Face tokenizers).
"""
import json, os, struct

root = os.path.join(os.path.dirname(__file__), "..", "fuzz", "corpus")


def write(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- GGUF ---------------------------------------------------------------------------------------------------
def gstr(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, payload):
    return gstr(key) + struct.pack("<I", vtype) + payload


def arr(etype, items, enc):
    return struct.pack("<IQ", etype, len(items)) + b"".join(enc(x) for x in items)


tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + [chr(c) for c in range(33, 127)] + ["Ġ", "He", "ll", "Hell", "Hello", "Ġw", "or"]
merges = ["H e", "l l", "He ll", "Hell o", "Ġ w", "o r"]
meta = [
    kv("general.architecture", 8, gstr("llama")),
    kv("llama.block_count", 4, struct.pack("<I", 1)),
    kv("llama.embedding_length", 4, struct.pack("<I", 32)),
    kv("llama.attention.head_count", 4, struct.pack("<I", 2)),
    kv("llama.attention.head_count_kv", 4, struct.pack("<I", 1)),
    kv("llama.rope.freq_base", 6, struct.pack("<f", 10000.0)),
    kv("tokenizer.ggml.model", 8, gstr("gpt2")),
    kv("tokenizer.ggml.pre", 8, gstr("smollm")),
    kv("tokenizer.ggml.tokens", 9, arr(8, tokens, gstr)),
    kv("tokenizer.ggml.token_type", 9, arr(5, [3, 3, 3] + [1] * (len(tokens) - 3), lambda x: struct.pack("<i", x))),
    kv("tokenizer.ggml.merges", 9, arr(8, merges, gstr)),
    kv("tokenizer.ggml.bos_token_id", 4, struct.pack("<I", 1)),
    kv("tokenizer.ggml.eos_token_id", 4, struct.pack("<I", 2)),
]
half_one = struct.pack("<e", 0.5)
blocks = {
    0: struct.pack("<4f", 1, 2, 3, 4),                                   # F32 [4]
    1: struct.pack("<4e", 1, -2, 0.5, 65504),                            # F16 [4]
    2: half_one + bytes(range(16)),                                      # Q4_0 [32]
    3: half_one + struct.pack("<e", -1.0) + bytes(range(16, 32)),        # Q4_1 [32]
    8: half_one + bytes((i * 7) & 0xFF for i in range(32)),              # Q8_0 [32]
}
dims = {0: 4, 1: 4, 2: 32, 3: 32, 8: 32}
infos, data, offset = b"", b"", 0
for i, (t, payload) in enumerate(blocks.items()):
    infos += gstr(f"t{i}.weight") + struct.pack("<I", 1) + struct.pack("<Q", dims[t]) + struct.pack("<I", t) + struct.pack("<Q", offset)
    data += payload
    pad = (-len(data)) % 32
    data += b"\0" * pad
    offset = len(data)
header = b"GGUF" + struct.pack("<IQQ", 3, len(blocks), len(meta)) + b"".join(meta) + infos
header += b"\0" * ((-len(header)) % 32)
write("gguf", "llama-tokenizer-5-types.gguf", header + data)
write("gguf", "empty-v3.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 0))

# --- safetensors --------------------------------------------------------------------------------------------
def safetensors(entries, metadata=None):
    header, blob = {}, b""
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + blob


write("safetensors", "mixed.safetensors", safetensors([
    ("a.weight", "F32", [2, 3], struct.pack("<6f", *range(6))),
    ("b.weight", "F16", [4], struct.pack("<4e", 1, 2, 3, 4)),
    ("c.weight", "BF16", [2], struct.pack("<2H", 0x3F80, 0xC000)),
    ("ids", "I64", [3], struct.pack("<3q", 1, 2, 3)),
], {"format": "pt", "step": "7"}))
write("safetensors", "empty.safetensors", safetensors([]))

# --- tokenizer.json -----------------------------------------------------------------------------------------
vocab = {t: i for i, t in enumerate(tokens[3:])}
tj = {
    "version": "1.0",
    "added_tokens": [{"id": len(vocab) + i, "content": c, "special": True} for i, c in enumerate(tokens[:3])],
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": True}, {"type": "ByteLevel"}]},
    "model": {"type": "BPE", "vocab": vocab, "merges": merges},
}
write("tokenizer_json", "small-bpe.json", json.dumps(tj).encode())
write("tokenizer_json", "pair-merges.json", json.dumps({**tj, "model": {**tj["model"], "merges": [m.split(" ") for m in merges]}}).encode())
