#!/usr/bin/env python3
"""How long PyTorch (CPU, one thread) takes to compute a utilization map by autograd.

    tools/.venv/bin/python tools/bench_torch.py [--runs 11] [--threads 1] [--json]

The baseline for padlens' own benchmarks: the same maps as tests/golden (the one-channel
float64 all-ones network of definitions.md §3, built by tools/golden.py from torchvision's
definitions), timed as forward + `y.sum().backward()` only (building the net is not timed).
One warm-up run, then `--runs` timed runs; prints a table and a JSON object (median and
minimum in milliseconds, plus the machine). `--json` prints only the JSON object, for
tests/e2e/run-bench.mjs (`./build.sh bench`), which puts it beside the browser's figures.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden  # noqa: E402  (tools/golden.py: the net builders)

CASES = [
    ("resnet50", 224, 224, "zeros"),
    ("resnet50", 224, 224, "reflect"),
    ("vgg19", 512, 512, "zeros"),
    ("vgg19", 512, 512, "reflect"),
]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def time_case(name, height, width, mode, runs):
    net = golden.one_channel_net(name, mode)
    golden.utilization(net, height, width)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        golden.utilization(net, height, width)
        times.append((time.perf_counter() - start) * 1000.0)
    return {
        "net": name,
        "input": [height, width],
        "mode": mode,
        "runs": runs,
        "median_ms": round(statistics.median(times), 3),
        "min_ms": round(min(times), 3),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="timed runs per case (≥ 5)")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    torch.set_num_threads(args.threads)
    results = [time_case(*case, args.runs) for case in CASES]

    if not args.json:
        print(f"{'net':<10} {'input':>9} {'mode':<8} {'median ms':>10} {'min ms':>10}")
        for r in results:
            size = "{}x{}".format(*r["input"])
            print(
                f"{r['net']:<10} {size:>9} {r['mode']:<8} {r['median_ms']:>10.1f} {r['min_ms']:>10.1f}"
            )
    report = {
        "tool": "pytorch-autograd",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "python": platform.python_version(),
        "torchvision": golden.torchvision.__version__,
        "date": time.strftime("%Y-%m-%d"),
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
