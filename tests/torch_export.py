#!/usr/bin/python3
"""torch_export.py — writes tests/torch_cases/: networks run by PyTorch itself
(Debian's python3-torch), exported as the README says a user exports one, with
PyTorch's own outputs and gradients beside them; tests/torch_cases.sh runs
`rnnsimd run` on every case and compares.

Each case is a directory holding what `rnnsimd run --in` reads (input.npy,
the parameters under their PyTorch names, h0/c0 and the upstream gradients
where the case has them), `meta` (the `--cell` to give, the tolerance
policy's depth and steps) and expected/ (what `rnnsimd run --out` must
write: output, hn, cn and, with an upstream gradient, grad_input, grad_h0,
grad_c0 and grad_<parameter>).

Truth: the module is built in float32 from a fixed seed (PyTorch's own
initialisation) and the inputs drawn in float32; the files hold those
float32 values. PyTorch then runs the same module converted to float64 on
the same values, so expected/ is the exact network rounded once to float32,
not PyTorch's float32 arithmetic. nn.GRU is `--cell lbr_gru`.

Only needed to regenerate the cases (they are committed):
  /usr/bin/python3 tests/torch_export.py [OUTDIR]   (default tests/torch_cases;
  Debian's python, where python3-torch installs)
or to check many more networks than the committed ones, drawn at random (cell,
sizes 1-130, 1-3 layers, directions, which files are given, bias=False,
unbatched, batch_first), into a directory of their own:
  /usr/bin/python3 tests/torch_export.py --random N [--seed S] OUTDIR
  CASES=OUTDIR ISAS='reference auto avx2 generic' sh tests/torch_cases.sh
"""
import os
import random
import shutil
import sys

import numpy as np
import torch

# name, module, --cell, T, B, I, H, layers, bidirectional, files given (and
# "nobias": the module made with bias=False; "unbatched": input (T, I), B 1;
# "batch_first": made with batch_first=True, which an unbatched input ignores)
CASES = [
    ("rnn_l1", "RNN", "rnn_tanh", 7, 3, 5, 6, 1, False, {"h0", "grad_output"}),
    ("rnn_l2_bi", "RNN", "rnn_tanh", 5, 2, 4, 3, 2, True, {"grad_output", "grad_hn"}),
    ("rnn_fwd_t1", "RNN", "rnn_tanh", 1, 1, 3, 4, 1, False, set()),
    ("lstm_l1", "LSTM", "lstm", 6, 1, 3, 5, 1, False,
     {"h0", "c0", "grad_output", "grad_hn", "grad_cn"}),
    ("lstm_l2_bi", "LSTM", "lstm", 5, 3, 4, 4, 2, True, {"grad_output"}),
    ("lstm_l3", "LSTM", "lstm", 4, 2, 6, 5, 3, False, {"h0", "c0", "grad_cn"}),
    ("lstm_wide", "LSTM", "lstm", 9, 4, 20, 40, 1, False, {"grad_output"}),
    ("lstm_l2_fwd", "LSTM", "lstm", 6, 2, 5, 7, 2, False, {"h0", "c0"}),
    ("gru_l1", "GRU", "lbr_gru", 8, 3, 4, 7, 1, False, {"h0", "grad_output"}),
    ("gru_l2_bi", "GRU", "lbr_gru", 5, 2, 3, 4, 2, True, {"grad_hn"}),
    ("gru_bi_tails", "GRU", "lbr_gru", 3, 1, 17, 33, 1, True, {"grad_output"}),
    ("gru_l3_bi", "GRU", "lbr_gru", 4, 2, 5, 6, 3, True, {"h0", "grad_output", "grad_hn"}),
    # bias=False: no bias files, no bias gradients
    ("lstm_nobias_l2_bi", "LSTM", "lstm", 5, 2, 3, 4, 2, True,
     {"h0", "grad_output", "grad_cn", "nobias"}),
    ("gru_nobias", "GRU", "lbr_gru", 6, 3, 4, 5, 1, False, {"grad_output", "nobias"}),
    # unbatched input (T, I): states (L*D, H), output (T, D*H)
    ("rnn_unbatched_l2_bi", "RNN", "rnn_tanh", 6, 1, 4, 5, 2, True,
     {"h0", "grad_output", "grad_hn", "unbatched"}),
    ("lstm_unbatched", "LSTM", "lstm", 5, 1, 3, 6, 1, False,
     {"h0", "c0", "grad_output", "grad_cn", "unbatched"}),
    # batch_first=True: input, output and their gradients (B, T, .), run --batch-first
    ("lstm_batch_first_l2_bi", "LSTM", "lstm", 4, 3, 5, 4, 2, True,
     {"h0", "c0", "grad_output", "grad_hn", "batch_first"}),
    ("gru_batch_first", "GRU", "lbr_gru", 6, 2, 3, 5, 1, False,
     {"h0", "grad_output", "batch_first"}),
    ("gru_unbatched_batch_first", "GRU", "lbr_gru", 5, 1, 4, 3, 1, False,
     {"grad_output", "unbatched", "batch_first"}),
]


def save(path, a):
    np.save(path, np.ascontiguousarray(a, dtype="<f4"))


def export(root, case, seed):
    name, kind, cell, T, B, I, H, L, bi, given = case
    D = 2 if bi else 1
    torch.manual_seed(seed)
    bf = "batch_first" in given
    m32 = getattr(torch.nn, kind)(I, H, num_layers=L, bidirectional=bi,
                                  bias="nobias" not in given, batch_first=bf)
    g = torch.Generator().manual_seed(seed + 1000)
    # PyTorch's unbatched shapes drop the batch axis: (T, I), (L*D, H).
    ub = "unbatched" in given
    seq = (lambda w: (T, w)) if ub else (lambda w: (B, T, w)) if bf else (lambda w: (T, B, w))
    state = (L * D, H) if ub else (L * D, B, H)
    x = torch.randn(*seq(I), generator=g)
    h0 = torch.randn(*state, generator=g) if "h0" in given else torch.zeros(*state)
    c0 = torch.randn(*state, generator=g) if "c0" in given else torch.zeros(*state)
    dy = torch.randn(*seq(D * H), generator=g)
    dhn = torch.randn(*state, generator=g)
    dcn = torch.randn(*state, generator=g)

    d = os.path.join(root, name)
    e = os.path.join(d, "expected")
    os.makedirs(e)
    names = [n for n, _ in m32.named_parameters()]
    for n, p in m32.named_parameters():
        save(os.path.join(d, n + ".npy"), p.detach().numpy())
    save(os.path.join(d, "input.npy"), x.numpy())
    for f, t in (("h0", h0), ("c0", c0), ("grad_output", dy), ("grad_hn", dhn), ("grad_cn", dcn)):
        if f in given:
            save(os.path.join(d, f + ".npy"), t.numpy())

    # The same values in float64.
    m = m32.double()
    xd = x.double().requires_grad_(True)
    h0d = h0.double().requires_grad_(True)
    c0d = c0.double().requires_grad_(True)
    if kind == "LSTM":
        y, (hn, cn) = m(xd, (h0d, c0d))
    else:
        y, hn = m(xd, h0d)
        cn = None
    save(os.path.join(e, "output.npy"), y.detach().numpy())
    save(os.path.join(e, "hn.npy"), hn.detach().numpy())
    if cn is not None:
        save(os.path.join(e, "cn.npy"), cn.detach().numpy())
    backward = bool(given & {"grad_output", "grad_hn", "grad_cn"})
    if backward:
        loss = torch.zeros((), dtype=torch.float64)
        if "grad_output" in given:
            loss = loss + (y * dy.double()).sum()
        if "grad_hn" in given:
            loss = loss + (hn * dhn.double()).sum()
        if "grad_cn" in given:
            loss = loss + (cn * dcn.double()).sum()
        loss.backward()
        save(os.path.join(e, "grad_input.npy"), xd.grad.numpy())
        save(os.path.join(e, "grad_h0.npy"), h0d.grad.numpy())
        if kind == "LSTM":
            save(os.path.join(e, "grad_c0.npy"), c0d.grad.numpy())
        for n, p in m.named_parameters():
            save(os.path.join(e, "grad_" + n + ".npy"), p.grad.numpy())
    # The tolerance policy's dot-product depth (the widest layer input plus
    # H) and chain length (steps times layers), as support/tolerance.h reads
    # them.
    K = max(I, D * H if L > 1 else 0) + H
    with open(os.path.join(d, "meta"), "w") as f:
        f.write("cell=%s depth=%d steps=%d backward=%d torch=%s params=%d args=%s\n"
                % (cell, K, T * L, int(backward), torch.__version__, len(names),
                   "--batch-first" if bf else "-"))


def random_cases(n, seed):
    """n cases drawn from seed: small ones, and a third up to T 30, B 20, I 70, H 130."""
    rng = random.Random(seed)
    kinds = [("RNN", "rnn_tanh"), ("LSTM", "lstm"), ("GRU", "lbr_gru")]
    files = ["h0", "c0", "grad_output", "grad_hn", "grad_cn", "nobias", "unbatched",
             "batch_first"]
    cases = []
    for i in range(n):
        kind, cell = rng.choice(kinds)
        big = rng.random() < 0.3
        T, B = rng.randint(1, 30 if big else 8), rng.randint(1, 20 if big else 4)
        I, H = rng.randint(1, 70 if big else 9), rng.randint(1, 130 if big else 9)
        L, bi = rng.randint(1, 3), rng.random() < 0.5
        given = {f for f in files if rng.random() < 0.4}
        if kind != "LSTM":
            given -= {"c0", "grad_cn"}
        if "unbatched" in given:
            B = 1
        cases.append(("random%04d" % i, kind, cell, T, B, I, H, L, bi, given))
    return cases


def usage(msg):
    sys.stderr.write("torch_export.py: %s\nusage: torch_export.py [OUTDIR] | "
                     "--random N [--seed S] OUTDIR\n" % msg)
    sys.exit(2)


def main():
    args = sys.argv[1:]
    cases, seed = CASES, 20261205
    if args and args[0] == "--random":
        try:
            n = int(args[1])
            if len(args) > 3 and args[2] == "--seed":
                seed, args = int(args[3]), args[4:]
            else:
                args = args[2:]
        except (IndexError, ValueError):
            usage("--random needs a number of cases (and --seed a number)")
        if n < 1 or len(args) != 1:
            usage("--random needs N >= 1 and an OUTDIR (never the committed cases)")
        cases = random_cases(n, seed)
    elif len(args) > 1 or (args and args[0].startswith("-")):
        usage("unknown arguments %s" % " ".join(args))
    root = args[0] if args else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "torch_cases")
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    torch.set_num_threads(1)
    for i, case in enumerate(cases):
        export(root, case, seed + i)
        print("wrote", os.path.join(root, case[0]))


if __name__ == "__main__":
    main()
