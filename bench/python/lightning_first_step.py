#!/usr/bin/env python3
"""Time to the first training step of PyTorch Lightning DDP (2 CPU processes, gloo, 127.0.0.1).

Measures on rank 0, with the wall clock (time.time()):
  fit_to_first_step_s     Trainer.fit() call -> first on_train_batch_start (spawning rank 1,
                          the gloo rendezvous, DDP wrapping, the first batch)
  launch_to_first_step_s  process launch -> first step; the launch time comes from
                          $BENCH_LAUNCH_UNIX (seconds since the epoch, set by the caller just
                          before starting Python), else from this script's first line
  launch_to_fit_s         launch -> Trainer.fit() call (interpreter, imports, data)
  fit_seconds             the whole Trainer.fit() call (a few steps, then teardown)
  samples_per_s_after_first_step  both ranks' samples after the first step over the time from the
                          first step to the end of fit(), as the Java side reports it (with
                          --steps 469, the first epoch at 64 per rank)
The wall time of the whole command is the caller's to measure (bench/run-ddp-benchmarks.sh).
Prints one JSON line on stdout; everything else goes to stderr.

  PY=$(bench/python/setup-venv.sh | tail -n 1)
  BENCH_LAUNCH_UNIX=$(date +%s.%N) $PY bench/python/lightning_first_step.py
"""

import time

T_SCRIPT = time.time()  # before the heavy imports

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import torch  # noqa: E402
import lightning as L  # noqa: E402
from lightning.pytorch.strategies import DDPStrategy  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

# The throughput peer's model, data and loopback set-up, so both measure the same thing.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lightning_mlp import (DDP_WORLD_SIZE, LitClassifier, build_net, load_split,  # noqa: E402
                           prepare_ddp_env, resolve_data_dir)


class FirstStep(L.Callback):
    """Notes the wall clock at the first on_train_batch_start."""

    def __init__(self):
        self.first = None

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if self.first is None:
            self.first = time.time()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    p.add_argument("--batch-size", type=int, default=64, help="per rank")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--data", default=None)
    p.add_argument("--round", type=int, default=0)
    args = p.parse_args()

    # stdout carries only the result line (the rank-1 child inherits these descriptors too)
    sys.stdout.flush()
    result_fd = os.dup(1)
    os.dup2(2, 1)
    os.environ["OMP_NUM_THREADS"] = "1"  # one torch thread per rank, as everywhere in these benchmarks
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")

    launch = float(os.environ.get("BENCH_LAUNCH_UNIX", T_SCRIPT))
    prepare_ddp_env()
    torch.manual_seed(42)
    x, y = load_split(resolve_data_dir(args.data), "train_images", "train_labels", args.model)
    bench_args = argparse.Namespace(optimizer="adam", lr=1e-3)
    module = LitClassifier(build_net(args.model), bench_args)
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True, num_workers=0,
                        drop_last=True)
    probe = FirstStep()
    trainer = L.Trainer(accelerator="cpu", devices=DDP_WORLD_SIZE,
                        strategy=DDPStrategy(process_group_backend="gloo"), max_steps=args.steps,
                        logger=False, enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, num_sanity_val_steps=0, callbacks=[probe])
    t_fit = time.time()
    trainer.fit(module, train_dataloaders=loader)
    t_end = time.time()
    if trainer.global_rank != 0:
        return 0
    result = {
        "framework": "lightning",
        "mode": "lightning-ddp-first-step",
        "model": args.model,
        "batch_size": args.batch_size,
        "world_size": trainer.world_size,
        "round": args.round,
        "steps": args.steps,
        "fit_to_first_step_s": round(probe.first - t_fit, 3),
        "launch_to_first_step_s": round(probe.first - launch, 3),
        "launch_to_fit_s": round(t_fit - launch, 3),
        "fit_seconds": round(t_end - t_fit, 3),
        "samples_per_s_after_first_step": round(
            (args.steps - 1) * trainer.world_size * args.batch_size / (t_end - probe.first), 1),
        "lightning_version": L.__version__,
        "torch_version": torch.__version__,
    }
    os.write(result_fd, (json.dumps(result) + "\n").encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
