#!/usr/bin/env python3
"""Time to the first training step of Ray Train's TorchTrainer on a warm local cluster.

Starts a private local Ray cluster on 127.0.0.1 (ray.init(num_cpus=2), no dashboard), runs one
untimed TorchTrainer fit to warm it, then --fits measured fits of
TorchTrainer(ScalingConfig(num_workers=2)) on the same cluster. Each fit trains the benchmark's
MLP with a plain torch loop (prepare_model: DDP over gloo; prepare_data_loader: a
DistributedSampler), loading Fashion-MNIST inside the workers like the Java workers do, for
--steps steps. Measured with the wall clock (time.time()) on rank 0:
  fit_to_first_step_s   trainer.fit() call -> start of the first training step
  fit_to_worker_start_s trainer.fit() call -> entry into the training function
  data_load_s           loading Fashion-MNIST inside the training function
  fit_seconds           the whole trainer.fit() call
Prints one JSON line per fit (kind "warm-up" or "warm") on stdout, all else on stderr, and
calls ray.shutdown() at the end, which stops the cluster it started (and only that one).

  PY=$(bench/python/setup-venv.sh | tail -n 1)      # plus: bench/python/setup-raytrain.sh
  $PY bench/python/raytrain_first_step.py --fits 2
"""

import os
import sys
import time

# Before importing Ray: on Linux Ray would swap 127.0.0.1 for the host's routable address;
# this switch keeps the node address (and so its listeners and gloo) on loopback.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ["OMP_NUM_THREADS"] = "1"  # inherited by the raylet and so by every worker

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def loopback_interface():
    names = [name for _, name in socket.if_nameindex()]
    return next((c for c in ("lo", "lo0") if c in names), None)


if loopback_interface() and "GLOO_SOCKET_IFNAME" not in os.environ:
    os.environ["GLOO_SOCKET_IFNAME"] = loopback_interface()  # gloo too stays on loopback

import ray  # noqa: E402
import ray.train  # noqa: E402
import ray.train.torch  # noqa: E402
from ray.train import RunConfig, ScalingConfig  # noqa: E402
from ray.train.torch import TorchTrainer  # noqa: E402


def train_func(config):
    """One rank: load the data, wrap model and loader for DDP, train a few steps, report times."""
    entered = time.time()
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset
    sys.path.insert(0, config["bench_dir"])
    import fmnist_data

    torch.set_num_threads(1)
    x, y = fmnist_data.load_train(fmnist_data.data_dir(config["data"]), "mlp")
    loaded = time.time()
    loader = DataLoader(TensorDataset(x, y), batch_size=config["batch_size"], shuffle=True, drop_last=True)
    loader = ray.train.torch.prepare_data_loader(loader)
    torch.manual_seed(42)
    model = ray.train.torch.prepare_model(fmnist_data.build_net("mlp"))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    first = None
    for step, (xb, yb) in enumerate(loader):
        if first is None:
            first = time.time()
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step + 1 >= config["steps"]:
            break
    if ray.train.get_context().get_world_rank() == 0:
        # Train V2 keeps only metrics that come with a checkpoint; one node, so a file will do
        with open(config["out_file"], "w") as f:
            json.dump({"entered": entered, "loaded": loaded, "first_step": first, "loss": float(loss.item()),
                       "niceness": os.nice(0), "pid": os.getpid()}, f)


def non_loopback_listeners():
    """TCP listeners of this process's descendants (the cluster it started) not on loopback."""
    mine = descendants(os.getpid())
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout
    bad = []
    for line in out.splitlines():
        fields = line.split()
        local = fields[3] if len(fields) > 3 else ""
        pids = {int(p) for p in __import__("re").findall(r"pid=(\d+)", line)}
        host = local.rsplit(":", 1)[0].strip("[]")
        if pids & mine and not (host.startswith("127.") or host in ("::1", "::ffff:127.0.0.1")):
            bad.append(local)
    return bad


def descendants(root):
    children = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(p))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = set(), [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def fit_once(args, storage, name):
    out_file = os.path.join(storage, name + "-rank0.json")
    os.makedirs(storage, exist_ok=True)
    trainer = TorchTrainer(
        train_func,
        train_loop_config={"bench_dir": HERE, "data": args.data, "batch_size": args.batch_size,
                           "steps": args.steps, "out_file": out_file},
        scaling_config=ScalingConfig(num_workers=2, use_gpu=False),
        run_config=RunConfig(storage_path=storage, name=name))
    t_fit = time.time()
    trainer.fit()
    t_end = time.time()
    with open(out_file) as f:
        m = json.load(f)
    return {
        "fit_to_first_step_s": round(m["first_step"] - t_fit, 3),
        "fit_to_worker_start_s": round(m["entered"] - t_fit, 3),
        "data_load_s": round(m["loaded"] - m["entered"], 3),
        "fit_seconds": round(t_end - t_fit, 3),
        "worker_niceness": m["niceness"],
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fits", type=int, default=2, help="measured fits after the warm-up fit")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64, help="per worker")
    p.add_argument("--data", default=None)
    p.add_argument("--round", type=int, default=0)
    args = p.parse_args()

    sys.stdout.flush()
    result_fd = os.dup(1)
    os.dup2(2, 1)
    # short: Ray's socket paths live under it and must fit in 107 characters
    temp = tempfile.mkdtemp(prefix="rt-")
    storage = os.path.join(temp, "results")
    t0 = time.time()
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", _temp_dir=temp,
             log_to_driver=False)
    init_s = time.time() - t0
    try:
        listeners = non_loopback_listeners()
        if listeners:
            print(f"WARNING: the Ray cluster listens on non-loopback addresses: {listeners}", file=sys.stderr)
        for i in range(args.fits + 1):
            kind = "warm-up" if i == 0 else "warm"
            line = {"framework": "ray-train", "mode": "raytrain-first-step", "kind": kind, "model": "mlp",
                    "batch_size": args.batch_size, "world_size": 2, "round": args.round, "steps": args.steps,
                    "ray_init_s": round(init_s, 3), "non_loopback_listeners": listeners,
                    "ray_version": ray.__version__}
            line.update(fit_once(args, storage, f"first-step-{i}"))
            os.write(result_fd, (json.dumps(line) + "\n").encode())
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)  # logs and results of this run's private cluster
    return 0


if __name__ == "__main__":
    sys.exit(main())
