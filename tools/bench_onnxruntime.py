#!/usr/bin/env python3
"""ONNX Runtime and PyTorch on the full-size models padlens' engine is benchmarked on.

    tools/.venv/bin/python tools/bench_onnxruntime.py OUT.json [--runs 10] [--warmup 3]
        [--models resnet50,vgg19] [--padlens DIR]

The peers of `cargo bench --bench engine` (benches/engine.rs), for `./build.sh bench`, which
runs both in the same run on the same machine. Both peers run on the CPU with one thread, at
the same 224×224 input (`tools/.cache/models/<name>.input_0.pb`, made by
`tools/onnx_models.py full`; absent models are skipped with a note):

* ONNX Runtime: the same `.onnx` file, CPUExecutionProvider, `intra_op_num_threads=1`,
  `inter_op_num_threads=1`, sequential execution, ONNX Runtime's default graph optimisations
  (`ORT_ENABLE_ALL`: what a user gets). Its output is checked against the stored one.
* PyTorch: torchvision's model of the same architecture (`weights=None`, eval mode,
  `torch.inference_mode()`), `torch.set_num_threads(1)`. Not the same weights — random ones:
  the time of a dense forward pass does not depend on the values.

ResNet-50 is also run with reflect padding in every padded convolution, as padlens swaps it
in: PyTorch with `padding_mode="reflect"` on those Conv2d; ONNX Runtime on that model exported
(opset 17, TorchScript-based exporter), where each such convolution becomes a reflect `Pad`
node and an unpadded `Conv`.

Each case: `--warmup` untimed runs, then `--runs` timed ones; median and minimum in ms. Prints
a Markdown table and writes a JSON object (versions, CPU, date, every case) to OUT.json.
`--padlens DIR` (criterion's directory, `$CARGO_TARGET_DIR/criterion`) adds padlens' figures
from `cargo bench --bench engine` to both: per case its multiply-adds (from the throughput the
bench sets, 2 × multiply-adds) and the median and minimum time per pass over criterion's
samples.
"""

import argparse
import copy
import io
import json
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torchvision
from onnx import numpy_helper
from torch import nn
from torchvision import models

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS_DIR = os.path.join(ROOT, "tools", ".cache", "models")
# As benches/engine.rs, smallest first; googlenet as tools/onnx_models.py builds it.
MODELS = {
    "mobilenet_v2": {},
    "googlenet": {"aux_logits": False, "transform_input": False, "init_weights": True},
    "resnet18": {},
    "densenet121": {},
    "resnet50": {},
    "vgg11": {},
    "vgg19": {},
}
REFLECT = {"resnet50"}
# ONNX Runtime's output must match the stored one within this · max|stored| (as padlens').
TOLERANCE = 1e-4


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def read_tensor(path):
    # A writable copy: torch.from_numpy warns about the read-only array onnx returns.
    return numpy_helper.to_array(onnx.load_tensor(path)).copy()


def ort_session(model):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def torchvision_model(name, mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = getattr(models, name)(weights=None, **MODELS[name])
    if mode != "zeros":
        for module in model.modules():
            if isinstance(module, nn.Conv2d) and any(p > 0 for p in module.padding):
                module.padding_mode = mode
    return model.eval()


def exported(model, x):
    """The model as ONNX bytes, exported as tools/onnx_models.py does."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (torch.from_numpy(x),),
            buf,
            dynamo=False,
            opset_version=17,
            input_names=["input"],
            output_names=["output"],
        )
    return buf.getvalue()


def timed(run, warmup, runs):
    for _ in range(warmup):
        run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000.0)
    return {"runs": runs, "median_ms": round(statistics.median(times), 3), "min_ms": round(min(times), 3)}


def bench_ort(name, mode, x, warmup, runs):
    if mode == "zeros":
        session = ort_session(os.path.join(MODELS_DIR, name + ".onnx"))
    else:
        session = ort_session(exported(torchvision_model(name, mode), x))
    feed = {session.get_inputs()[0].name: x}
    result = {"engine": "onnxruntime"}
    if mode == "zeros":
        y = session.run(None, feed)[0]
        expected = read_tensor(os.path.join(MODELS_DIR, name + ".output_0.pb"))
        error = float(np.max(np.abs(y - expected)) / np.max(np.abs(expected)))
        assert error <= TOLERANCE, f"{name}: ONNX Runtime differs from its stored output by {error:.2g}"
        result["max_rel_error"] = error
    result.update(timed(lambda: session.run(None, feed), warmup, runs))
    return result


def bench_torch(name, mode, x, warmup, runs):
    model = torchvision_model(name, mode)
    tensor = torch.from_numpy(x)

    def run():
        with torch.inference_mode():
            model(tensor)

    return {"engine": "pytorch", **timed(run, warmup, runs)}


def padlens_results(directory, name, mode):
    """padlens' figures for one case from criterion's files, or None."""
    case = os.path.join(directory, "engine", f"{name} {mode}", "new")
    try:
        with open(os.path.join(case, "benchmark.json")) as f:
            flops = json.load(f)["throughput"]["Elements"]
        with open(os.path.join(case, "sample.json")) as f:
            sample = json.load(f)
    except (OSError, KeyError, ValueError):
        return None
    per_pass = [t / n / 1e6 for t, n in zip(sample["times"], sample["iters"])]
    return {
        "engine": "padlens",
        "gmacs": round(flops / 2 / 1e9, 3),
        "samples": len(per_pass),
        "passes": int(sum(sample["iters"])),
        "median_ms": round(statistics.median(per_pass), 3),
        "min_ms": round(min(per_pass), 3),
    }


def table(cases):
    lines = [
        "| model | GMACs | padlens ms | ORT ms | PyTorch ms | padlens ÷ ORT | padlens GFLOP/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for case in cases:
        by = {r["engine"]: r for r in case["results"]}
        p, o, t = by.get("padlens"), by["onnxruntime"], by["pytorch"]
        cell = lambda r: f"{r['median_ms']:.1f} / {r['min_ms']:.1f}" if r else "–"
        gmacs = f"{p['gmacs']:.2f}" if p else "–"
        ratio = f"{p['median_ms'] / o['median_ms']:.2f}×" if p else "–"
        gflops = f"{2 * p['gmacs'] / p['median_ms'] * 1e3:.1f}" if p else "–"
        lines.append(
            f"| {case['model']} {case['mode']} | {gmacs} | {cell(p)} | {cell(o)} | {cell(t)} "
            f"| {ratio} | {gflops} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="where to write the JSON object")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per case (≥ 5)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first")
    parser.add_argument("--models", help="comma-separated subset of " + ", ".join(MODELS))
    parser.add_argument("--padlens", help="criterion's directory, to add padlens' figures")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    names = args.models.split(",") if args.models else list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        parser.error(f"unknown models: {', '.join(unknown)}")
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)

    cases, missing = [], []
    for name in names:
        if not os.path.exists(os.path.join(MODELS_DIR, name + ".onnx")):
            missing.append(name)
            continue
        x = read_tensor(os.path.join(MODELS_DIR, name + ".input_0.pb"))
        for mode in ["zeros", "reflect"] if name in REFLECT else ["zeros"]:
            results = [bench_ort(name, mode, x, args.warmup, args.runs), bench_torch(name, mode, x, args.warmup, args.runs)]
            mine = args.padlens and padlens_results(args.padlens, name, mode)
            if mine:
                results.insert(0, mine)
            cases.append({"model": name, "mode": mode, "input": list(x.shape), "results": results})
            print(f"{name} {mode}: " + ", ".join(f"{r['engine']} {r['median_ms']:.1f} ms" for r in results), file=sys.stderr)
    if missing:
        print(
            f"skipped (not in {os.path.relpath(MODELS_DIR, ROOT)}): {', '.join(missing)}. Make them with "
            "`tools/.venv/bin/python tools/onnx_models.py full` (tools/README.md).",
            file=sys.stderr,
        )

    print("median / min of each engine's runs; padlens ÷ ORT and GFLOP/s on medians\n")
    print(table(cases))
    report = {
        "tool": "bench_onnxruntime",
        "threads": 1,
        "warmup": args.warmup,
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "python": platform.python_version(),
        "versions": {
            "onnxruntime": ort.__version__,
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "onnx": onnx.__version__,
            "numpy": np.__version__,
        },
        "onnxruntime": {
            "provider": "CPUExecutionProvider",
            "graph_optimization_level": "ORT_ENABLE_ALL",
            "intra_op_num_threads": 1,
            "inter_op_num_threads": 1,
            "execution_mode": "ORT_SEQUENTIAL",
        },
        "pytorch": "torchvision models, weights=None (random), eval, inference_mode",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_average": os.getloadavg(),
        "cases": cases,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
