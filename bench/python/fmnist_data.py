"""Fashion-MNIST and the benchmark networks, without Lightning: for code that must not pay for
importing Lightning (Ray Train workers in raytrain_first_step.py). The same data and networks as
lightning_mlp.py: pixels scaled to [0, 1], the MLP 784-128-10 and the small CNN."""

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import torch
from torch import nn

REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir(arg=None):
    """The folder holding the IDX files: <arg or $RAY_LIGHTNING_DATA or <repo>/data>/fashion-mnist."""
    base = Path(arg or os.environ.get("RAY_LIGHTNING_DATA") or REPO_ROOT / "data")
    for cand in (base / "fashion-mnist", base):
        if (cand / "train-images-idx3-ubyte.gz").is_file():
            return cand
    raise SystemExit(f"Fashion-MNIST not found under {base} (run scripts/fetch-data.sh)")


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    _, _, ndim = struct.unpack(">HBB", raw[:4])
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_train(directory, model):
    """The 60,000 training images as float32 in [0, 1] (flat for the MLP, NCHW for the CNN) and labels."""
    x = torch.from_numpy(_read_idx(directory / "train-images-idx3-ubyte.gz").astype(np.float32) / 255.0)
    y = torch.from_numpy(_read_idx(directory / "train-labels-idx1-ubyte.gz").astype(np.int64))
    x = x.reshape(-1, 784) if model == "mlp" else x.reshape(-1, 1, 28, 28)
    return x.contiguous(), y


def build_net(model):
    if model == "mlp":
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
