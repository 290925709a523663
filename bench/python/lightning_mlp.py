#!/usr/bin/env python3
"""Python peer of the Ray Lightning for Java benchmarks.

Trains the same small Fashion-MNIST classifiers as the Java benchmarks, on the
same data and thread count, either with a bare PyTorch loop or with PyTorch
Lightning, and prints exactly one JSON line with the result on stdout.
Everything else (Lightning's banners, warnings, progress notes) goes to stderr,
so callers can do `result=$(python lightning_mlp.py ... | tail -n 1)`.

Modes (--mode):
  torch          hand-written loop over in-memory tensors: the Python baseline
  lightning      lightning.Trainer, one CPU device
  lightning-ddp  lightning.Trainer, strategy ddp, 2 CPU processes over gloo
  lightning-ddp-zero  the same with torch's ZeroRedundancyOptimizer (optimizer state sharded)
                 on 127.0.0.1; --batch-size is per rank, throughput is global

Measurements:
  default        throughput: --warmup steps untimed, then --steps timed steps
  --epochs E     accuracy: E full epochs, wall time of training, test accuracy

Set up the interpreter with bench/python/setup-venv.sh (torch 2.13.0+cpu,
lightning 2.6.6). Example:
  PY=$(bench/python/setup-venv.sh | tail -n 1)
  $PY bench/python/lightning_mlp.py --mode lightning --batch-size 64 --threads 1
"""

import argparse
import gzip
import json
import os
import platform
import socket
import struct
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import lightning as L
from lightning.pytorch.strategies import DDPStrategy

REPO_ROOT = Path(__file__).resolve().parents[2]
DDP_WORLD_SIZE = 2

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


# ----------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="PyTorch / PyTorch Lightning peer for the Java Trainer benchmarks")
    p.add_argument("--mode", choices=["torch", "lightning", "lightning-ddp", "lightning-ddp-zero"], default="lightning")
    p.add_argument("--model", choices=["mlp", "cnn", "cnn-s", "cnn-m", "cnn-l"], default="mlp")
    p.add_argument("--data", default=None,
                   help="directory holding fashion-mnist/ (default: $RAY_LIGHTNING_DATA or <repo>/data)")
    p.add_argument("--batch-size", type=int, default=64, help="per process (per rank in ddp)")
    p.add_argument("--threads", type=int, default=1, help="intra- and inter-op threads per process")
    p.add_argument("--steps", type=int, default=1000, help="timed optimizer steps")
    p.add_argument("--warmup", type=int, default=50, help="untimed optimizer steps before timing")
    p.add_argument("--epochs", type=int, default=0,
                   help="accuracy run: train this many full epochs and report test accuracy "
                        "(overrides --steps/--warmup)")
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    p.add_argument("--lr", type=float, default=None, help="default 0.1 for sgd, 0.001 for adam")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    if args.lr is None:
        args.lr = 0.1 if args.optimizer == "sgd" else 1e-3
    for name in ("batch_size", "threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.epochs < 0 or args.warmup < 0 or (args.epochs == 0 and args.steps < 1):
        p.error("--epochs and --warmup must be >= 0 and --steps >= 1")
    return args


# ----------------------------------------------------------------------------
# Data: Fashion-MNIST IDX files -> float32 tensors in [0, 1]
# ----------------------------------------------------------------------------

def resolve_data_dir(arg):
    base = Path(arg or os.environ.get("RAY_LIGHTNING_DATA") or REPO_ROOT / "data")
    # Accept both the data root (holding fashion-mnist/) and the dataset dir itself.
    for cand in (base / "fashion-mnist", base):
        if _idx_path(cand, IDX_FILES["train_images"]) is not None:
            return cand
    raise SystemExit(f"Fashion-MNIST IDX files not found under {base}/fashion-mnist "
                     f"(expected {IDX_FILES['train_images']}.gz etc.; set --data or RAY_LIGHTNING_DATA)")


def _idx_path(directory, stem):
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    return None


def read_idx(path):
    """Parses one IDX file (big-endian header: 0, 0, dtype code, ndim, dims...)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:  # Fashion-MNIST only uses unsigned bytes
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {dims} values, found {data.size}")
    return data.reshape(dims)


def load_split(directory, images_key, labels_key, model):
    images = read_idx(_idx_path(directory, IDX_FILES[images_key]))
    labels = read_idx(_idx_path(directory, IDX_FILES[labels_key]))
    # Scale to [0, 1] only, no mean/std normalisation: the Java side does the same.
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    # The MLP takes flat 784-vectors, the CNN NCHW images; shaping once here
    # keeps reshapes out of the timed loops of both frameworks.
    x = x.reshape(-1, 784) if model == "mlp" else x.reshape(-1, 1, 28, 28)
    y = torch.from_numpy(labels.astype(np.int64))
    return x.contiguous(), y


# ----------------------------------------------------------------------------
# Models and optimizer
# ----------------------------------------------------------------------------

def build_net(model):
    if model == "mlp":
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    # The CNN family of the compute-bound benchmark (CnnFamily.java builds the same networks).
    if model == "cnn-s":  # 105,866 parameters
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))
    if model == "cnn-m":  # 1,199,882 parameters
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 12 * 12, 128), nn.ReLU(), nn.Linear(128, 10))
    if model == "cnn-l":  # 4,822,538 parameters
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(128 * 6 * 6, 1024), nn.ReLU(), nn.Linear(1024, 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def build_optimizer(params, args):
    kind = torch.optim.Adam if args.optimizer == "adam" else torch.optim.SGD
    if getattr(args, "mode", None) == "lightning-ddp-zero":
        from torch.distributed.optim import ZeroRedundancyOptimizer
        return ZeroRedundancyOptimizer(params, optimizer_class=kind, lr=args.lr)
    return kind(params, lr=args.lr)


class LitClassifier(L.LightningModule):
    """Same network as the torch loop; no self.log() calls, so the measured
    overhead is the Trainer loop itself, not metric logging."""

    def __init__(self, net, args):
        super().__init__()
        self.net = net
        self.args = args

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.cross_entropy(self.net(x), y)

    def configure_optimizers(self):
        return build_optimizer(self.net.parameters(), self.args)


@torch.no_grad()
def test_accuracy(net, x, y, batch=1000):
    net.eval()
    correct = 0
    for i in range(0, x.shape[0], batch):
        correct += (net(x[i:i + batch]).argmax(dim=1) == y[i:i + batch]).sum().item()
    net.train()
    return correct / x.shape[0]


# ----------------------------------------------------------------------------
# Mode: bare torch loop
# ----------------------------------------------------------------------------

def run_torch(args, x, y):
    t_fit = time.perf_counter()
    net = build_net(args.model)
    opt = build_optimizer(net.parameters(), args)
    net.train()
    n = x.shape[0]
    # Throughput runs drop the ragged last batch so every timed step has the
    # same size; accuracy runs see every sample, like an ordinary epoch.
    drop_last = args.epochs == 0
    limit = n - n % args.batch_size if drop_last else n
    total = args.warmup + args.steps if args.epochs == 0 else None
    timed_from = args.warmup if args.epochs == 0 else 0
    gen = torch.Generator().manual_seed(args.seed)

    step, t0, loss, epoch = 0, None, None, 0
    while True:
        perm = torch.randperm(n, generator=gen)  # fresh shuffle each epoch
        for i in range(0, limit, args.batch_size):
            if step == timed_from:
                t0 = time.perf_counter()
            idx = perm[i:i + args.batch_size]
            xb, yb = x[idx], y[idx]  # one gather per batch from the in-memory tensors
            loss = F.cross_entropy(net(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if total is not None and step == total:
                break
        epoch += 1
        if (total is not None and step == total) or (total is None and epoch == args.epochs):
            break
    t_end = time.perf_counter()
    return net, dict(steps=step - timed_from, seconds=t_end - t0, fit_seconds=t_end - t_fit,
                     final_loss=loss.item(), world_size=1)


# ----------------------------------------------------------------------------
# Modes: lightning and lightning-ddp
# ----------------------------------------------------------------------------

class StepTimer(L.Callback):
    """Times optimizer steps [warmup, end): starts at on_train_batch_start of
    the step with global_step == warmup, stops at the last on_train_batch_end.
    Trainer setup/teardown (and, in ddp, process start) stay outside."""

    def __init__(self, warmup):
        self.warmup = warmup
        self.t_start = None
        self.t_end = None
        self.last_loss = None

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if self.t_start is None and trainer.global_step == self.warmup:
            self.t_start = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.t_end = time.perf_counter()
        self.last_loss = outputs["loss"].detach()


def loopback_interface():
    names = [name for _, name in socket.if_nameindex()]
    for cand in ("lo", "lo0"):
        if cand in names:
            return cand
    return None


def free_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_ddp_env():
    # Single-node run: keep the rendezvous and all gloo traffic on loopback.
    # Lightning re-executes this script for rank 1 with MASTER_PORT already
    # set, so only the launching process picks a port.
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    if "MASTER_PORT" not in os.environ:
        os.environ["MASTER_PORT"] = str(free_loopback_port())
    # Gloo binds to the interface that the hostname resolves to, which may be
    # a real NIC; pin it to loopback so no packet leaves the machine.
    lo = loopback_interface()
    if lo and "GLOO_SOCKET_IFNAME" not in os.environ:
        os.environ["GLOO_SOCKET_IFNAME"] = lo


def run_lightning(args, x, y, ddp):
    if ddp:
        prepare_ddp_env()
    net = build_net(args.model)
    module = LitClassifier(net, args)
    accuracy_run = args.epochs > 0
    # shuffle=True: in ddp Lightning swaps in a DistributedSampler (shuffling,
    # 1/world of the data per rank) and keeps batch_size per rank.
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True,
                        num_workers=0, drop_last=not accuracy_run)
    timer = StepTimer(0 if accuracy_run else args.warmup)
    trainer = L.Trainer(
        accelerator="cpu",
        devices=DDP_WORLD_SIZE if ddp else 1,
        # gloo is Lightning's default for CPU ddp; naming it keeps it so.
        strategy=DDPStrategy(process_group_backend="gloo") if ddp else "auto",
        max_steps=-1 if accuracy_run else args.warmup + args.steps,
        max_epochs=args.epochs if accuracy_run else -1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[timer],
    )
    t_fit = time.perf_counter()
    trainer.fit(module, train_dataloaders=loader)
    fit_seconds = time.perf_counter() - t_fit
    stats = dict(
        steps=trainer.global_step - (0 if accuracy_run else args.warmup),
        seconds=timer.t_end - timer.t_start,
        fit_seconds=fit_seconds,
        final_loss=timer.last_loss.item(),
        world_size=trainer.world_size,
    )
    return net, stats, trainer.global_rank


# ----------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------

def main(argv=None):
    args = parse_args(argv)

    # Keep stdout for the single JSON result: everything else that writes to
    # fd 1 (Python prints, C++ libraries, the ddp child process, which
    # inherits the descriptors) goes to stderr.
    sys.stdout.flush()
    result_fd = os.dup(1)
    os.dup2(2, 1)

    # Lightning's ddp launcher calls torch.set_num_threads(cpu_count // world)
    # unless OMP_NUM_THREADS is set; setting it makes --threads win in every
    # rank (the env is inherited by the re-executed child process too).
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(args.threads)
    except RuntimeError as e:  # only settable before the first inter-op parallel work
        print(f"warning: could not set inter-op threads: {e}", file=sys.stderr)

    # Lightning's advice to use more DataLoader workers is deliberate here:
    # num_workers=0 keeps the thread count equal to the Java side.
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")

    torch.manual_seed(args.seed)
    data_dir = resolve_data_dir(args.data)
    x_train, y_train = load_split(data_dir, "train_images", "train_labels", args.model)

    if args.mode == "torch":
        net, stats = run_torch(args, x_train, y_train)
        rank = 0
    else:
        net, stats, rank = run_lightning(args, x_train, y_train, ddp=args.mode.startswith("lightning-ddp"))

    if rank != 0:  # the ddp child process reports nothing
        return 0

    world = stats["world_size"]
    result = {
        "framework": "lightning",
        "mode": args.mode,
        "model": args.model,
        "batch_size": args.batch_size,
        "world_size": world,
        "threads": args.threads,
        # Read back after training: proves no library changed the thread pools.
        "intra_op_threads": torch.get_num_threads(),
        "inter_op_threads": torch.get_num_interop_threads(),
        "optimizer": args.optimizer,
        "lr": args.lr,
        "warmup": 0 if args.epochs else args.warmup,
        "steps": stats["steps"],
        "seconds": round(stats["seconds"], 6),
        # Whole training call incl. warmup and framework setup/teardown
        # (Trainer.fit; in ddp also spawning rank 1 and the gloo rendezvous).
        "fit_seconds": round(stats["fit_seconds"], 6),
        "steps_per_s": round(stats["steps"] / stats["seconds"], 3),
        # Throughput runs drop ragged batches, so every step is batch_size per rank.
        # Accuracy runs: all samples of every epoch (each rank sees 1/world of them).
        "samples_per_s": round((args.batch_size * world * stats["steps"] if not args.epochs
                                else args.epochs * x_train.shape[0]) / stats["seconds"], 1),
        "final_loss": round(stats["final_loss"], 6),
        "torch_version": torch.__version__,
        "lightning_version": L.__version__,
        "python_version": platform.python_version(),
    }
    if args.epochs:
        x_test, y_test = load_split(data_dir, "test_images", "test_labels", args.model)
        result["epochs"] = args.epochs
        result["test_accuracy"] = round(test_accuracy(net, x_test, y_test), 4)

    os.write(result_fd, (json.dumps(result) + "\n").encode())
    os.close(result_fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
