#!/usr/bin/env python3
"""All-reduce bus bandwidth of torch.distributed's Gloo backend: the peer of
dev.raylightning.bench.collective.CollectiveBench (same sizes, iterations and JSON lines).

    python gloo_allreduce.py [--ranks 2] [--sizes-kb 64,1024 | --sizes-mb 1,4,16,64] [--iters 20] [--warmup 5] [--round 0]

Starts the ranks as separate processes on 127.0.0.1 (MASTER_ADDR=127.0.0.1,
GLOO_SOCKET_IFNAME=lo), one torch thread each. Every timed all-reduce (SUM, float32)
starts after a barrier; rank 0 prints one JSON line per size to stdout.
"""
import argparse
import json
import os
import socket
import statistics
import sys
import time


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_xs, q):
    i = round(q * (len(sorted_xs) - 1))
    return sorted_xs[max(0, min(len(sorted_xs) - 1, i))]


def rank_main(rank, args):
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=args.ranks)
    n_max = max(args.sizes) * (1 << 10) // 4
    data = torch.empty(n_max, dtype=torch.float32)
    for kb in args.sizes:
        n = kb * (1 << 10) // 4
        t = data[:n]
        t.copy_(torch.arange(n, dtype=torch.float32).remainder_(97).mul_(1e-3))
        for _ in range(args.warmup):
            dist.all_reduce(t)
        times = []
        for _ in range(args.iters):
            dist.barrier()
            t0 = time.perf_counter()
            dist.all_reduce(t)
            times.append(time.perf_counter() - t0)
        if rank == 0:
            times.sort()
            median = statistics.median(times)
            nbytes = kb << 10
            factor = 2.0 * (args.ranks - 1) / args.ranks
            print(json.dumps({
                "impl": "gloo", "round": args.round, "bytes": nbytes, "ranks": args.ranks,
                "iters": len(times), "median_s": median, "p10_s": percentile(times, 0.1),
                "p90_s": percentile(times, 0.9), "busbw_gbps": factor * nbytes / median / 1e9,
                "torch": torch.__version__}), flush=True)
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--sizes-mb", default=None)
    p.add_argument("--sizes-kb", default=None)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--round", type=int, default=0)
    p.add_argument("--rank", type=int, default=-1, help=argparse.SUPPRESS)
    args = p.parse_args()
    # sizes in KiB; --sizes-mb is the older spelling
    if args.sizes_kb is None:
        args.sizes_kb = ",".join(str(int(s) * 1024) for s in (args.sizes_mb or "1,4,16,64").split(","))
    args.sizes = [int(s) for s in args.sizes_kb.split(",")]
    if args.rank >= 0:
        rank_main(args.rank, args)
        return
    import subprocess
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()),
               GLOO_SOCKET_IFNAME="lo", OMP_NUM_THREADS="1")
    procs = [subprocess.Popen([sys.executable, os.path.abspath(__file__), "--rank", str(r),
                               "--ranks", str(args.ranks), "--sizes-kb", args.sizes_kb,
                               "--iters", str(args.iters), "--warmup", str(args.warmup),
                               "--round", str(args.round)], env=env)
             for r in range(args.ranks)]
    try:
        codes = [p.wait(timeout=600) for p in procs]
    finally:
        for pr in procs:
            if pr.poll() is None:
                pr.kill()
    if any(codes):
        sys.exit("a rank failed: exit codes %s" % codes)


if __name__ == "__main__":
    main()
