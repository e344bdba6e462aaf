#!/usr/bin/env python3
"""Training throughput of the same recurrent language model in PyTorch, for comparison with completion-lsp-bench neural train-speed.

Reads the token stream written by `completion-lsp dump-tokens <dir> --model FILE --split train` (one file per line,
tokens separated by spaces, rare words already mapped to __unk__), so the vocabulary is the model's. The network,
optimizer and batching mirror CompletionLsp.Neural's RecurrentNet and NeuralTrainer: embedding, dropout, one LSTM or
GRU layer, dropout, linear decoder over the whole vocabulary; <s> ... </s> per file, files concatenated and cut into
`batch` columns; truncated BPTT with the detached state carried; Adam, gradient-norm clipping; cross-entropy with <s>
targets ignored.

    python3 bench/pytorch_lm.py --tokens train.tok --kind lstm --seconds 120 --threads 1
"""
import argparse, json, math, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RecurrentNet(nn.Module):
    def __init__(self, kind, vocab, emb, hidden, dropout):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb)
        self.drop = nn.Dropout(dropout)
        self.rnn = (nn.LSTM if kind == "lstm" else nn.GRU)(emb, hidden)
        self.decoder = nn.Linear(hidden, vocab)
        nn.init.uniform_(self.embed.weight, -0.1, 0.1)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def forward(self, x, state):
        out, state = self.rnn(self.drop(self.embed(x)), state)
        return self.decoder(self.drop(out)), state


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--kind", choices=["lstm", "gru"], default="lstm")
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0: PyTorch's default)")
    ap.add_argument("--embedding", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--bptt", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--dropout", type=float, default=0.1)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)

    words = {"<unk>": 0, "<s>": 1, "</s>": 2}
    stream = []
    with open(a.tokens, encoding="utf-8") as f:
        for line in f:
            stream.append(1)
            for w in line.split():
                stream.append(words.setdefault(w, len(words)))
            stream.append(2)
    vocab = len(words)
    rows = len(stream) // a.batch
    data = torch.tensor(stream[: rows * a.batch], dtype=torch.long).view(a.batch, rows).t().contiguous()

    net = RecurrentNet(a.kind, vocab, a.embedding, a.hidden, a.dropout)
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    net.train()
    state, tokens, train_seconds, loss_sum, n = None, 0, 0.0, 0.0, 0
    smooth, last_print = None, 0.0  # the same smoothed loss as completion-lsp's progress (0.95 decay), every 10 s
    start = time.perf_counter()
    i = 0
    while train_seconds < a.seconds:
        if i + 2 > rows:
            i, state = 0, None
        t0 = time.perf_counter()
        ln = min(a.bptt, rows - 1 - i)
        x, y = data[i : i + ln], data[i + 1 : i + 1 + ln]
        if state is not None:
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        logits, state = net(x, state)
        loss = F.cross_entropy(logits.view(-1, vocab), y.reshape(-1), ignore_index=1)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), a.clip)
        opt.step()
        loss_sum += loss.item()
        n += 1
        smooth = loss.item() if smooth is None else 0.95 * smooth + 0.05 * loss.item()
        if time.perf_counter() - last_print >= 10:
            last_print = time.perf_counter()
            print(f"{a.kind} tokens {tokens:,} loss {smooth / math.log(2):.3f} bits, {tokens / max(train_seconds, 1e-9):,.0f} tokens/s", file=sys.stderr)
        tokens += ln * a.batch
        train_seconds += time.perf_counter() - t0
        i += ln
    print(json.dumps({
        "bench": "train-speed", "impl": "pytorch " + torch.__version__, "kind": a.kind, "vocab": vocab,
        "embedding": a.embedding, "hidden": a.hidden, "batch": a.batch, "bptt": a.bptt, "threads": torch.get_num_threads(),
        "seconds": round(time.perf_counter() - start, 1), "tokens": tokens, "tokensPerSecond": round(tokens / train_seconds),
        "meanLossBits": round(loss_sum / max(n, 1) / math.log(2), 3), "smoothedLossBits": round(smooth / math.log(2), 3),
    }))


if __name__ == "__main__":
    main()
