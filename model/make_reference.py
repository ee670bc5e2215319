#!/usr/bin/python3
"""model/make_reference.py: an outside reference for our GPT-2, in the manner of llm.c's test_gpt2.

Builds a micro GPT-2 in PyTorch (vocab 64, context 16, 32 channels, 2 layers, 4 heads), with
random weights laid out as our checkpoints lay them (Hugging Face GPT-2 names, Conv1D weights
stored (in, out), the output head tied to wte), runs one fixed batch (2 x 16 tokens) forward and
backward, and writes one safetensors file with

    transformer.*             the weights (float32), exactly as our model.safetensors names them
    ref.ids, ref.targets      the batch, (B, T) int64
    ref.logits, ref.loss      the logits (B, T, V) and the mean cross-entropy
    grad.transformer.*        the gradient of the loss with respect to every weight

The forward and backward run in float64 on those float32 weights (the reference is then exact to
float32's precision), and are stored as float32. The test "[reference]" (tests/test_reference.cpp)
loads the weights into our GPT, runs the same batch and compares every tensor by name. CI does not
need PyTorch: the file is committed; this script regenerates it (fixed seed: the same file
again with the same PyTorch).

    /usr/bin/python3 model/make_reference.py [--out tests/reference/gpt2_micro.safetensors]
    (needs Debian's python3-torch: apt-get install python3-torch)
"""
import argparse
import json
import math
import struct

import torch
import torch.nn.functional as F

V, T, C, L, NH = 64, 16, 32, 2, 4  # vocab, context, channels, layers, heads
B = 2                              # the batch: B sequences of T tokens
EPS = 1e-5                         # layer_norm_epsilon, as GPTConfig


def make_weights(gen):
    """Random weights under GPT-2 names. Biases and LayerNorm weights are random too (not 0 and 1),
    so a mix-up of any two of them shows in the logits."""
    def normal(*shape, std=0.02, mean=0.0):
        return (mean + std * torch.randn(*shape, generator=gen)).float()
    w = {"transformer.wte.weight": normal(V, C), "transformer.wpe.weight": normal(T, C, std=0.1)}
    for l in range(L):
        p = f"transformer.h.{l}."
        w[p + "ln_1.weight"], w[p + "ln_1.bias"] = normal(C, std=0.1, mean=1.0), normal(C, std=0.1)
        w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"] = normal(C, 3 * C, std=0.2), normal(3 * C, std=0.1)
        w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"] = normal(C, C, std=0.1), normal(C, std=0.1)
        w[p + "ln_2.weight"], w[p + "ln_2.bias"] = normal(C, std=0.1, mean=1.0), normal(C, std=0.1)
        w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"] = normal(C, 4 * C, std=0.1), normal(4 * C, std=0.1)
        w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"] = normal(4 * C, C, std=0.1), normal(C, std=0.1)
    w["transformer.ln_f.weight"], w["transformer.ln_f.bias"] = normal(C, std=0.1, mean=1.0), normal(C, std=0.1)
    return w


def gpt2_forward(w, ids):
    """logits (B, T, V): GPT-2 as nanoGPT writes it, on Conv1D (in, out) weights."""
    Bn, Tn = ids.shape
    HS = C // NH
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][:Tn]  # (B, T, C)
    causal = torch.tril(torch.ones(Tn, Tn, dtype=torch.bool))
    for l in range(L):
        p = f"transformer.h.{l}."
        h = F.layer_norm(x, (C,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], EPS)
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]  # (B, T, 3C)
        q, k, v = (t.view(Bn, Tn, NH, HS).transpose(1, 2) for t in qkv.split(C, dim=2))  # (B, NH, T, HS)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(HS)  # (B, NH, T, T)
        att = F.softmax(att.masked_fill(~causal, float("-inf")), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(Bn, Tn, C)  # heads side by side
        x = x + y @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        h = F.layer_norm(x, (C,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], EPS)
        f = F.gelu(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"], approximate="tanh")  # (B, T, 4C)
        x = x + f @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = F.layer_norm(x, (C,), w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], EPS)
    return x @ w["transformer.wte.weight"].T  # the tied head


def save_safetensors(path, tensors, metadata):
    """The safetensors layout (see model/safetensors.h), tensors in name order, header padded
    with spaces to a multiple of 8 bytes; no dependency beyond the standard library."""
    names = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="tests/reference/gpt2_micro.safetensors")
    ap.add_argument("--seed", type=int, default=1337)
    args = ap.parse_args()
    gen = torch.Generator().manual_seed(args.seed)
    weights = make_weights(gen)
    ids = torch.randint(0, V, (B, T), generator=gen)
    targets = torch.randint(0, V, (B, T), generator=gen)

    w64 = {n: t.double().requires_grad_(True) for n, t in weights.items()}
    logits = gpt2_forward(w64, ids)
    loss = F.cross_entropy(logits.view(-1, V), targets.view(-1))
    loss.backward()

    out = dict(weights)
    out["ref.ids"], out["ref.targets"] = ids, targets
    out["ref.logits"] = logits.detach().float()
    out["ref.loss"] = loss.detach().float().reshape(1)
    for n, t in w64.items():
        out["grad." + n] = t.grad.float()
    meta = {"vocab_size": str(V), "n_positions": str(T), "n_embd": str(C), "n_layer": str(L), "n_head": str(NH),
            "batch": str(B), "seed": str(args.seed), "made_by": "model/make_reference.py (PyTorch %s, float64)" % torch.__version__}
    save_safetensors(args.out, out, meta)
    print("make_reference: wrote %s (loss %.6f, %d weight tensors and their gradients)" % (args.out, loss.item(), len(weights)))


if __name__ == "__main__":
    main()
