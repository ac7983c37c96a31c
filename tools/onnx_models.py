#!/usr/bin/env python3
"""ONNX reference models for padlens' ONNX importer and inference engine, with the outputs
of ONNX Runtime and PyTorch.

    tools/.venv/bin/python tools/onnx_models.py small    # tests/onnx/models/<name>/
    tools/.venv/bin/python tools/onnx_models.py legacy   # tests/onnx/legacy/<name>/
    tools/.venv/bin/python tools/onnx_models.py bad      # tests/onnx/bad/
    tools/.venv/bin/python tools/onnx_models.py padfold  # tests/onnx/padfold/<name>/
    tools/.venv/bin/python tools/onnx_models.py all      # the four above
    tools/.venv/bin/python tools/onnx_models.py full     # tools/.cache/models/ (not committed)

`small`: six torchvision architectures (weights=None) made narrower by a per-model factor
(every channel count divided by it; the first conv keeps its 3 input channels, depthwise convs
keep groups == channels, the last Linear keeps NUM_CLASSES outputs), so that each .onnx stays
under about 1 MB while the structure — every layer, kernel, stride, padding, pool, addition and
concatenation — is torchvision's. Weights come from a fixed seed (convs Kaiming-normal, fan-in;
Linear layers PyTorch's default), and batch-norm is made a real affine map: running_mean ~
N(0, 0.1²), running_var ~ U(0.5, 1.5), weight ~ U(0.5, 1.5), bias ~ N(0, 0.1²). The model is
exported in eval mode by the TorchScript-based exporter (`dynamo=False`: the dynamo exporter
needs onnxscript, which the venv does not have) at opset 17 for a 1×3×224×224 input, checked
by onnx.checker, and run by ONNX Runtime (CPU, graph optimisations off, one thread) on a
fixed-seed uniform [0, 1) input. Per model folder: model.onnx, input_0.pb, output_0.pb (ONNX
Runtime), output_zeros.pb (PyTorch, the model as exported) and output_reflect.pb /
output_replicate.pb / output_circular.pb (PyTorch with every Conv2d whose padding is > 0
switched to that `padding_mode`, pooling unchanged: definitions.md §7's "padding swapped at
inference"), output_symmetric.pb and output_partial.pb (the same convolutions made of PyTorch
primitives, as PyTorch has neither mode: mirror-with-edge padding by flipped slices, then an
unpadded conv; partial convolution as Liu et al. 2018 define it — the zero-padded window sum
times taps ÷ valid taps, the bias added after), and meta.json. PyTorch's zeros output must match ONNX Runtime's within
1e-4 · max|output|.

`full`: the same six architectures and VGG-19 at full width with 1000 classes, same
initialisation, into tools/.cache/models/ (gitignored): <name>.onnx, <name>.input_0.pb,
<name>.output_0.pb (ONNX Runtime), for benchmarks and an optional full-size check.

`legacy`: tiny hand-built graphs (onnx.helper) for the operator signatures ONNX changed
between opsets 7 and 21 (attributes that became inputs, new modes and attributes), each with a
1×2×7×9-ish f32 input and ONNX Runtime's output, listed in tests/onnx/legacy/cases.json.

`bad`: malformed models for the importer's error paths, listed with what is wrong in
tests/onnx/bad/cases.json.

`padfold`: Pad nodes before convolutions, for the fold of definitions.md §8, listed in
tests/onnx/padfold/cases.json with whether padlens folds them. Two PyTorch models (five convs,
strides 1 and 2, padding 1 and 2, padding_mode reflect, replicate, circular beside zeros,
fixed seed, 1×3×19×23 input), each with ONNX Runtime's output and, in output_zeros.pb, ONNX
Runtime's output of the same weights exported with padding_mode zeros; and hand-built Pad +
Conv pairs (opsets 10–19) that fold and that must not, with ONNX Runtime's output.

Everything is deterministic: rerunning gives byte-identical files on the same machine.
"""

import argparse
import copy
import hashlib
import io
import json
import os
import shutil
import sys
import time
import warnings
import zlib
from collections import Counter

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torchvision
from onnx import TensorProto, helper, numpy_helper
from torch import nn
from torch.nn import functional as F
from torchvision import models

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ONNX_TESTS = os.path.join(ROOT, "tests", "onnx")
MODELS_DIR = os.path.join(ONNX_TESTS, "models")
LEGACY_DIR = os.path.join(ONNX_TESTS, "legacy")
BAD_DIR = os.path.join(ONNX_TESTS, "bad")
FULL_DIR = os.path.join(ROOT, "tools", ".cache", "models")

OPSET = 17
HEIGHT = WIDTH = 224
INPUT_SEED = 0  # the same input for every model (so git stores it once)
SWAP_MODES = ["reflect", "replicate", "circular", "symmetric", "partial"]
# PyTorch's own padding_mode values; the others are built by SwappedConv.
TORCH_MODES = {"reflect", "replicate", "circular"}
# Size budget for everything committed under tests/onnx (node tests included).
BUDGET = 12 * 1000 * 1000
# PyTorch's zeros output must match ONNX Runtime's within REL_TOL · max|ONNX Runtime output|.
REL_TOL = 1e-4

# name: (torchvision constructor kwargs, width factor, classes of the last Linear).
# Factors: 16 where it divides every channel count; mobilenet_v2 and googlenet have counts
# such as 24 that only 8 divides; VGG-11's classifier (25088 → 4096 → 4096) needs 32 to stay
# under ~0.5 MB. Classes: 1000 when the narrowed last Linear has ≤ 64 inputs, else 10 (a
# 128 × 1000 random matrix would be half the file and test nothing more).
SMALL = {
    "resnet18": ({}, 16, 1000),
    "resnet50": ({}, 16, 10),
    "mobilenet_v2": ({}, 8, 10),
    "vgg11": ({}, 32, 10),
    "googlenet": ({"aux_logits": False, "transform_input": False, "init_weights": True}, 8, 10),
    "densenet121": ({}, 16, 1000),
}
FULL = dict(
    {name: (kwargs, 1, 1000) for name, (kwargs, _, _) in SMALL.items()},
    vgg19=({}, 1, 1000),
)


def rel(path):
    return os.path.relpath(path, ROOT)


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def write_tensor(path, array, name):
    """An ONNX TensorProto file (numpy_helper.from_array), as the backend tests store them."""
    return write_bytes(path, numpy_helper.from_array(np.ascontiguousarray(array), name).SerializeToString())


def write_json(path, doc):
    text = json.dumps(doc, indent=2, sort_keys=False) + "\n"
    write_bytes(path, text.encode())
    json.loads(text)


def ort_session(model_bytes):
    """ONNX Runtime on the CPU, graph optimisations off, one thread."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


def versions():
    return {
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "numpy": np.__version__,
    }


def op_counts(model):
    return dict(sorted(Counter(n.op_type for n in model.graph.node).items()))


# --------------------------------------------------------------------------------------------
# small / full: torchvision models


def torchvision_model(name, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(models, name)(weights=None, **kwargs)


def narrow(model, factor, num_classes):
    """Replaces, in place, every Conv2d / BatchNorm2d / Linear by one with its widths divided
    by `factor` (module docstring); returns the model."""
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    first_conv, last_linear = convs[0], linears[-1]

    def div(n, what):
        assert n % factor == 0, f"{what}: {n} is not divisible by {factor}"
        return n // factor

    def replace(module):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.Conv2d):
                cin = child.in_channels if child is first_conv else div(child.in_channels, child)
                cout = div(child.out_channels, child)
                if child.groups == 1:
                    groups = 1
                else:
                    assert child.groups == child.in_channels == child.out_channels, child
                    groups = cin  # depthwise stays depthwise
                new = nn.Conv2d(
                    cin,
                    cout,
                    child.kernel_size,
                    stride=child.stride,
                    padding=child.padding,
                    dilation=child.dilation,
                    groups=groups,
                    bias=child.bias is not None,
                    padding_mode=child.padding_mode,
                )
            elif isinstance(child, nn.BatchNorm2d):
                new = nn.BatchNorm2d(div(child.num_features, child), eps=child.eps, momentum=child.momentum)
            elif isinstance(child, nn.Linear):
                out = num_classes if child is last_linear else div(child.out_features, child)
                new = nn.Linear(div(child.in_features, child), out, bias=child.bias is not None)
            else:
                replace(child)
                continue
            setattr(module, child_name, new)

    if factor != 1 or num_classes != last_linear.out_features:
        replace(model)
    return model


def initialise(model, seed):
    """Fixed-seed weights (module docstring), in module order."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Conv2d):
                fan_in = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
                module.weight.copy_(torch.randn(module.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
                if module.bias is not None:
                    module.bias.copy_(torch.randn(module.bias.shape, generator=gen) * 0.1)
            elif isinstance(module, nn.Linear):
                bound = 1.0 / module.in_features**0.5
                module.weight.copy_(torch.rand(module.weight.shape, generator=gen) * 2 * bound - bound)
                if module.bias is not None:
                    module.bias.copy_(torch.rand(module.bias.shape, generator=gen) * 2 * bound - bound)
            elif isinstance(module, nn.BatchNorm2d):
                c = module.num_features
                module.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                module.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                module.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                module.bias.copy_(torch.randn(c, generator=gen) * 0.1)
    return model.eval()


def build(name, kwargs, factor, num_classes):
    model = narrow(torchvision_model(name, kwargs), factor, num_classes)
    return initialise(model, zlib.crc32(name.encode()))


def symmetric_pad(x, top, bottom, left, right):
    """NumPy's `symmetric` (mirror with the edge) on H and W: padded index j < 0 reads −j − 1,
    j ≥ n reads 2n − 1 − j (definitions.md §2); needs each amount ≤ n."""
    h, w = x.shape[-2], x.shape[-1]
    assert max(top, bottom) <= h and max(left, right) <= w
    x = torch.cat([x[..., :top, :].flip(-2), x, x[..., h - bottom:, :].flip(-2)], dim=-2)
    return torch.cat([x[..., :left].flip(-1), x, x[..., w - right:].flip(-1)], dim=-1)


class SwappedConv(nn.Module):
    """A Conv2d with its padding read as `symmetric` or `partial` (PyTorch has neither)."""

    def __init__(self, conv, mode):
        super().__init__()
        assert conv.padding_mode == "zeros" and isinstance(conv.padding, tuple), conv
        self.conv, self.mode = conv, mode

    def forward(self, x):
        c = self.conv
        (ph, pw), (kh, kw) = c.padding, c.kernel_size
        if self.mode == "symmetric":
            padded = symmetric_pad(x, ph, ph, pw, pw)
            return F.conv2d(padded, c.weight, c.bias, c.stride, 0, c.dilation, c.groups)
        assert self.mode == "partial"
        window_sum = F.conv2d(x, c.weight, None, c.stride, c.padding, c.dilation, c.groups)
        ones = torch.ones(1, 1, *x.shape[-2:], dtype=x.dtype)
        valid_taps = F.conv2d(ones, torch.ones(1, 1, kh, kw), None, c.stride, c.padding, c.dilation)
        out = window_sum * (kh * kw / valid_taps)
        return out if c.bias is None else out + c.bias.view(1, -1, 1, 1)


def padding_swapped(model, mode):
    """A copy of `model` with every Conv2d whose padding is > 0 read under `mode`."""
    swapped = copy.deepcopy(model)
    count = 0
    for parent in list(swapped.modules()):
        for child_name, child in list(parent.named_children()):
            if isinstance(child, nn.Conv2d) and any(p > 0 for p in child.padding):
                assert isinstance(child.padding, tuple), child
                if mode in TORCH_MODES:
                    child.padding_mode = mode
                else:
                    setattr(parent, child_name, SwappedConv(child, mode))
                count += 1
    return swapped.eval(), count


def model_input():
    rng = np.random.default_rng(INPUT_SEED)
    return rng.random((1, 3, HEIGHT, WIDTH), dtype=np.float32)


def export(model, x):
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (torch.from_numpy(x),),
            buf,
            dynamo=False,
            opset_version=OPSET,
            input_names=["input"],
            output_names=["output"],
            do_constant_folding=True,
        )
    data = buf.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
    return data


def torch_run(model, x):
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


def max_err(a, b):
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))


def run_model(name, kwargs, factor, num_classes, layout, swaps):
    """Builds, exports and runs one model; writes its files; returns its meta dict.
    layout(name, kind) -> path."""
    t0 = time.perf_counter()
    model = build(name, kwargs, factor, num_classes)
    x = model_input()
    data = export(model, x)
    proto = onnx.load_from_string(data)
    sess = ort_session(data)
    in_name = sess.get_inputs()[0].name
    t1 = time.perf_counter()
    y_ort = sess.run(None, {in_name: x})[0]
    ort_seconds = time.perf_counter() - t1
    y_torch = torch_run(model, x)
    err = max_err(y_ort, y_torch)
    ref = float(np.max(np.abs(y_ort)))
    ok = err <= REL_TOL * ref
    files = {
        "model.onnx": write_bytes(layout(name, "model.onnx"), data),
        "input_0.pb": write_tensor(layout(name, "input_0.pb"), x, in_name),
        "output_0.pb": write_tensor(layout(name, "output_0.pb"), y_ort, sess.get_outputs()[0].name),
    }
    swap_stats = {}
    if swaps:
        files["output_zeros.pb"] = write_tensor(layout(name, "output_zeros.pb"), y_torch, "output")
        for mode in SWAP_MODES:
            swapped, count = padding_swapped(model, mode)
            y_mode = torch_run(swapped, x)
            files[f"output_{mode}.pb"] = write_tensor(layout(name, f"output_{mode}.pb"), y_mode, "output")
            swap_stats[mode] = {"convs_swapped": count, "max_abs_diff_vs_zeros": max_err(y_mode, y_torch)}
    meta = {
        "name": name,
        "torchvision_kwargs": kwargs,
        "factor": factor,
        "num_classes": num_classes,
        "opset": OPSET,
        "exporter": "torch.onnx.export(dynamo=False) (TorchScript-based)",
        "seed": zlib.crc32(name.encode()),
        "input_seed": INPUT_SEED,
        "input": {"name": in_name, "shape": list(x.shape)},
        "output": {"name": sess.get_outputs()[0].name, "shape": list(y_ort.shape)},
        "parameters": sum(p.numel() for p in model.parameters()),
        "ops": op_counts(proto),
        "nodes": len(proto.graph.node),
        "initializers": len(proto.graph.initializer),
        "files": files,
        "max_abs_ort_output": ref,
        "max_abs_err_ort_vs_torch": err,
        "rel_err_ort_vs_torch": err / ref if ref else None,
    }
    if swaps:
        meta["padding_swap"] = swap_stats
    meta["versions"] = versions()
    print(
        f"{name:<13} factor {factor:>2}  params {meta['parameters']:>9}  onnx {files['model.onnx']:>10} B  "
        f"out {tuple(y_ort.shape)}  max|out| {ref:.4g}  max|ORT-torch| {err:.3g} "
        f"(rel {err / ref:.2g})  ORT {ort_seconds * 1000:.0f} ms  total {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    assert ok, f"{name}: max|ORT - torch| = {err} > {REL_TOL} * {ref}"
    return meta


def cmd_small(_args):
    torch.set_num_threads(1)
    if os.path.isdir(MODELS_DIR):
        shutil.rmtree(MODELS_DIR)
    index = []
    for name, (kwargs, factor, classes) in SMALL.items():
        layout = lambda n, kind: os.path.join(MODELS_DIR, n, kind)
        meta = run_model(name, kwargs, factor, classes, layout, swaps=True)
        write_json(layout(name, "meta.json"), meta)
        index.append(meta)
    return index


def cmd_full(_args):
    os.makedirs(FULL_DIR, exist_ok=True)
    for name, (kwargs, factor, classes) in FULL.items():
        layout = lambda n, kind: os.path.join(
            FULL_DIR, n + (".onnx" if kind == "model.onnx" else "." + kind)
        )
        meta = run_model(name, kwargs, factor, classes, layout, swaps=False)
        write_json(layout(name, "meta.json"), meta)


# --------------------------------------------------------------------------------------------
# legacy: hand-built graphs for old operator signatures

LEGACY_SHAPE = [1, 2, 7, 9]


def legacy_input(seed, shape=LEGACY_SHAPE):
    """Uniform [-1, 1): negative values exercise Relu, Clip, LeakyRelu."""
    rng = np.random.default_rng(seed)
    return (rng.random(shape, dtype=np.float32) * 2 - 1).astype(np.float32)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def i64(values):
    return np.asarray(values, dtype=np.int64)


def f32(values):
    return np.asarray(values, dtype=np.float32)


def rand(seed, shape, scale=1.0, offset=0.0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape).astype(np.float32) * scale + offset).astype(np.float32)


class Legacy:
    """One legacy case: nodes over the graph input "x" producing "y"."""

    def __init__(self, name, opset, exercises, nodes, initializers=(), in_shape=LEGACY_SHAPE):
        self.name = name
        self.opset = opset
        self.exercises = exercises
        self.nodes = nodes
        self.initializers = list(initializers)
        self.in_shape = list(in_shape)


def legacy_cases():
    N = helper.make_node
    cases = []
    add = lambda *a, **k: cases.append(Legacy(*a, **k))

    # Clip: min/max attributes (Clip-6) → inputs (Clip-11; Clip-12 adds integer types).
    add("clip_attr_opset7", 7, "Clip-6: min/max as attributes",
        [N("Clip", ["x"], ["y"], min=-0.5, max=0.25)])
    add("clip_attr_default_opset7", 7, "Clip-6: attributes omitted (no bound)",
        [N("Clip", ["x"], ["y"], max=0.3)])
    add("clip_inputs_opset11", 11, "Clip-11: min/max as scalar inputs",
        [N("Clip", ["x", "lo", "hi"], ["y"])], [init("lo", f32(-0.5)), init("hi", f32(0.25))])
    add("clip_max_only_opset13", 13, "Clip-13: min omitted (empty name), max input",
        [N("Clip", ["x", "", "hi"], ["y"])], [init("hi", f32(0.3))])
    add("clip_relu6_opset13", 13, "Clip-13: min 0, max 6 (exporters' ReLU6) on a scaled input",
        [N("Mul", ["x", "k"], ["xk"]), N("Clip", ["xk", "lo", "hi"], ["y"])],
        [init("k", f32(10.0)), init("lo", f32(0.0)), init("hi", f32(6.0))])

    # Pad: `pads`/`value` attributes (Pad-2) → inputs (Pad-11); wrap (Pad-19); axes (Pad-18).
    pads = [0, 0, 1, 2, 0, 0, 2, 1]  # begin N C H W, end N C H W
    for mode in ["constant", "reflect", "edge"]:
        extra = {"value": 0.5} if mode == "constant" else {}
        add(f"pad_attr_{mode}_opset7", 7, f"Pad-2: pads attribute, mode {mode}",
            [N("Pad", ["x"], ["y"], mode=mode, pads=pads, **extra)])
    for mode in ["constant", "reflect", "edge"]:
        ins = ["x", "pads"] + (["cv"] if mode == "constant" else [])
        inits = [init("pads", i64(pads))] + ([init("cv", f32(0.5))] if mode == "constant" else [])
        add(f"pad_input_{mode}_opset11", 11, f"Pad-11: pads (and constant_value) inputs, mode {mode}",
            [N("Pad", ins, ["y"], mode=mode)], inits)
    add("pad_constant_default_opset13", 13, "Pad-13: no constant_value input (zeros), mode omitted",
        [N("Pad", ["x", "pads"], ["y"])], [init("pads", i64(pads))])
    add("pad_negative_opset11", 11, "Pad-11: negative pads crop",
        [N("Pad", ["x", "pads"], ["y"], mode="constant")], [init("pads", i64([0, 0, -1, 2, 0, 0, 1, -2]))])
    add("pad_axes_opset18", 18, "Pad-18: axes input (pads for H, W only)",
        [N("Pad", ["x", "pads", "", "axes"], ["y"], mode="reflect")],
        [init("pads", i64([1, 2, 2, 1])), init("axes", i64([2, 3]))])
    add("pad_wrap_opset19", 19, "Pad-19: mode wrap (circular)",
        [N("Pad", ["x", "pads"], ["y"], mode="wrap")], [init("pads", i64(pads))])

    # Squeeze / Unsqueeze: axes attribute (-11) → input (-13).
    add("squeeze_attr_opset11", 11, "Squeeze-11: axes attribute",
        [N("Squeeze", ["x"], ["y"], axes=[0])])
    add("squeeze_noaxes_opset11", 11, "Squeeze-11: no axes (all 1-dims)",
        [N("Squeeze", ["x"], ["y"])])
    add("squeeze_input_opset13", 13, "Squeeze-13: axes input, negative axis",
        [N("Squeeze", ["x", "axes"], ["y"])], [init("axes", i64([-4]))])
    add("unsqueeze_attr_opset11", 11, "Unsqueeze-11: axes attribute",
        [N("Unsqueeze", ["x"], ["y"], axes=[2, -1])])
    add("unsqueeze_input_opset13", 13, "Unsqueeze-13: axes input",
        [N("Unsqueeze", ["x", "axes"], ["y"])], [init("axes", i64([2, -1]))])
    add("squeeze_unsqueeze_opset7", 7, "Squeeze-1/Unsqueeze-1: axes attributes, non-negative only",
        [N("Squeeze", ["x"], ["s"], axes=[0]), N("Unsqueeze", ["s"], ["y"], axes=[0])])

    # Upsample: scales attribute (-7) → input (-9).
    for mode in ["nearest", "linear"]:
        add(f"upsample_{mode}_opset7", 7, f"Upsample-7: scales attribute, mode {mode}",
            [N("Upsample", ["x"], ["y"], mode=mode, scales=[1.0, 1.0, 2.0, 3.0])])
        add(f"upsample_{mode}_opset9", 9, f"Upsample-9: scales input, mode {mode}",
            [N("Upsample", ["x", "scales"], ["y"], mode=mode)], [init("scales", f32([1, 1, 2, 3]))])

    # Resize: -10 (scales only, asymmetric), -11 (roi/scales/sizes, coordinate modes), -13
    # (optional roi/scales), -18 (axes, keep_aspect_ratio_policy).
    for mode in ["nearest", "linear"]:
        add(f"resize_{mode}_opset10", 10, f"Resize-10: scales input, mode {mode}",
            [N("Resize", ["x", "scales"], ["y"], mode=mode)], [init("scales", f32([1, 1, 2, 1.5]))])
    resize11 = [
        ("nearest_asymmetric_floor", dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"), [1, 1, 2, 1.5]),
        ("nearest_halfpixel_round_prefer_floor", dict(mode="nearest", coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_floor"), [1, 1, 1.7, 2.3]),
        ("nearest_alignc_round_prefer_ceil", dict(mode="nearest", coordinate_transformation_mode="align_corners", nearest_mode="round_prefer_ceil"), [1, 1, 2, 1.5]),
        ("nearest_default", dict(mode="nearest"), [1, 1, 2, 2]),
        ("nearest_down_halfpixel_ceil", dict(mode="nearest", coordinate_transformation_mode="half_pixel", nearest_mode="ceil"), [1, 1, 0.6, 0.5]),
        ("linear_half_pixel", dict(mode="linear", coordinate_transformation_mode="half_pixel"), [1, 1, 2, 1.5]),
        ("linear_align_corners", dict(mode="linear", coordinate_transformation_mode="align_corners"), [1, 1, 2, 1.5]),
        ("linear_asymmetric", dict(mode="linear", coordinate_transformation_mode="asymmetric"), [1, 1, 2, 1.5]),
        ("linear_pytorch_half_pixel", dict(mode="linear", coordinate_transformation_mode="pytorch_half_pixel"), [1, 1, 2, 1.5]),
        ("linear_down_half_pixel", dict(mode="linear", coordinate_transformation_mode="half_pixel"), [1, 1, 0.5, 0.6]),
    ]
    for tag, attrs, scales in resize11:
        described = ", ".join(f"{k}={v}" for k, v in attrs.items())
        add(f"resize_{tag}_opset11", 11, f"Resize-11: X, roi (empty), scales {scales}; {described}",
            [N("Resize", ["x", "roi", "scales"], ["y"], **attrs)],
            [init("roi", f32([])), init("scales", f32(scales))])
    add("resize_sizes_nearest_opset11", 11, "Resize-11: sizes input, scales empty; nearest half_pixel round_prefer_floor",
        [N("Resize", ["x", "roi", "scales", "sizes"], ["y"], mode="nearest",
           coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_floor")],
        [init("roi", f32([])), init("scales", f32([])), init("sizes", i64([1, 2, 12, 20]))])
    add("resize_sizes_linear_opset11", 11, "Resize-11: sizes input; linear pytorch_half_pixel, one output row",
        [N("Resize", ["x", "roi", "scales", "sizes"], ["y"], mode="linear",
           coordinate_transformation_mode="pytorch_half_pixel")],
        [init("roi", f32([])), init("scales", f32([])), init("sizes", i64([1, 2, 1, 5]))])
    add("resize_scales_nearest_opset13", 13, "Resize-13: roi omitted (empty name), scales; nearest asymmetric floor (PyTorch's nearest)",
        [N("Resize", ["x", "", "scales"], ["y"], mode="nearest",
           coordinate_transformation_mode="asymmetric", nearest_mode="floor")],
        [init("scales", f32([1, 1, 2, 2]))])
    add("resize_sizes_linear_opset13", 13, "Resize-13: roi and scales omitted, sizes; linear align_corners",
        [N("Resize", ["x", "", "", "sizes"], ["y"], mode="linear",
           coordinate_transformation_mode="align_corners")],
        [init("sizes", i64([1, 2, 10, 4]))])
    add("resize_axes_scales_linear_opset18", 18, "Resize-18: axes [2,3] with 2 scales; linear half_pixel",
        [N("Resize", ["x", "", "scales"], ["y"], mode="linear", axes=[2, 3],
           coordinate_transformation_mode="half_pixel")],
        [init("scales", f32([1.5, 2.0]))])
    add("resize_axes_sizes_not_larger_opset18", 18, "Resize-18: axes [2,3] sizes, keep_aspect_ratio_policy not_larger; nearest",
        [N("Resize", ["x", "", "", "sizes"], ["y"], mode="nearest", axes=[2, 3],
           keep_aspect_ratio_policy="not_larger")],
        [init("sizes", i64([14, 14]))])
    add("resize_nearest_halfpixel_opset18", 18, "Resize-18: scales; nearest half_pixel round_prefer_ceil",
        [N("Resize", ["x", "", "scales"], ["y"], mode="nearest",
           coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_ceil")],
        [init("scales", f32([1, 1, 1.5, 2.5]))])

    # Slice: attributes (-1) → inputs with steps (-10).
    add("slice_attr_opset7", 7, "Slice-1: starts/ends/axes attributes, end beyond the size",
        [N("Slice", ["x"], ["y"], starts=[1, 2], ends=[6, 1000], axes=[2, 3])])
    add("slice_attr_noaxes_opset7", 7, "Slice-1: no axes (leading axes), negative start",
        [N("Slice", ["x"], ["y"], starts=[0, 1, -5], ends=[1, 2, 7])])
    add("slice_inputs_opset10", 10, "Slice-10: starts/ends/axes/steps inputs, step 2",
        [N("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])],
        [init("starts", i64([1, 0])), init("ends", i64([7, 9])), init("axes", i64([2, 3])), init("steps", i64([2, 3]))])
    add("slice_negative_step_opset13", 13, "Slice-13: negative step, clamped ends, negative axis",
        [N("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])],
        [init("starts", i64([-1, 100])), init("ends", i64([-1000, 2])), init("axes", i64([-1, 2])), init("steps", i64([-2, -1]))])
    add("slice_noaxes_nosteps_opset13", 13, "Slice-13: axes and steps omitted",
        [N("Slice", ["x", "starts", "ends"], ["y"])],
        [init("starts", i64([0, 1, 2, 3])), init("ends", i64([1, 2, 6, 8]))])

    # Softmax: 2-D coercion around `axis` (-1/-11) → one axis (-13).
    add("softmax_axis1_opset11", 11, "Softmax-11: axis 1 coerces to 2-D (N, C*H*W): softmax over everything",
        [N("Softmax", ["x"], ["y"], axis=1)])
    add("softmax_default_opset11", 11, "Softmax-11: default axis (1)", [N("Softmax", ["x"], ["y"])])
    add("softmax_axis2_opset11", 11, "Softmax-11: axis 2 coerces to 2-D (N*C, H*W)",
        [N("Softmax", ["x"], ["y"], axis=2)])
    add("softmax_axis1_opset13", 13, "Softmax-13: axis 1 alone (over channels)",
        [N("Softmax", ["x"], ["y"], axis=1)])
    add("softmax_default_opset13", 13, "Softmax-13: default axis (-1)", [N("Softmax", ["x"], ["y"])])

    # BatchNormalization: spatial attribute (-7) → none (-9); -15 allows differing types.
    bn = lambda s: [init("scale", rand(s, [2], 0.2, 1.0)), init("bias", rand(s + 1, [2], 0.1)),
                    init("mean", rand(s + 2, [2], 0.1)), init("var", np.abs(rand(s + 3, [2], 0.3, 1.0)))]
    add("batchnorm_spatial_opset7", 7, "BatchNormalization-7: spatial=1 attribute, epsilon",
        [N("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], spatial=1, epsilon=1e-3)], bn(10))
    add("batchnorm_spatial0_opset7", 7, "BatchNormalization-7: spatial=0, per-element [C, H, W] statistics",
        [N("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], spatial=0)],
        [init("scale", rand(80, [2, 7, 9], 0.2, 1.0)), init("bias", rand(81, [2, 7, 9], 0.1)),
         init("mean", rand(82, [2, 7, 9], 0.1)), init("var", np.abs(rand(83, [2, 7, 9], 0.3, 1.0)))])
    add("batchnorm_opset9", 9, "BatchNormalization-9: no spatial attribute",
        [N("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"])], bn(20))
    add("batchnorm_opset15", 15, "BatchNormalization-15: training_mode absent (inference)",
        [N("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], epsilon=1e-5, momentum=0.9)], bn(30))

    # Dropout: ratio attribute (-7) → ratio/training_mode inputs (-12); identity in inference.
    add("dropout_opset7", 7, "Dropout-7: ratio attribute, inference identity",
        [N("Dropout", ["x"], ["y"], ratio=0.3)])
    add("dropout_mask_opset7", 7, "Dropout-7: optional mask output present",
        [N("Dropout", ["x"], ["y", "mask"], ratio=0.3)])
    add("dropout_ratio_input_opset12", 12, "Dropout-12: ratio input, training_mode omitted",
        [N("Dropout", ["x", "ratio"], ["y"])], [init("ratio", f32(0.3))])
    add("dropout_training_false_opset13", 13, "Dropout-13: training_mode input false",
        [N("Dropout", ["x", "ratio", "train"], ["y"])], [init("ratio", f32(0.3)), init("train", np.array(False))])

    # Reshape: -5 (shape input, 0 copies) → -14 (allowzero).
    add("reshape_opset7", 7, "Reshape-5 (in force from opset 5 to 13): shape input with 0 (copy) and -1 (infer)",
        [N("Reshape", ["x", "shape"], ["y"])], [init("shape", i64([0, -1, 9]))])
    add("reshape_allowzero0_opset14", 14, "Reshape-14: allowzero=0, 0 copies the input dim",
        [N("Reshape", ["x", "shape"], ["y"], allowzero=0)], [init("shape", i64([0, 2, -1]))])
    add("reshape_allowzero1_opset14", 14, "Reshape-14: allowzero=1 with no zero in shape",
        [N("Reshape", ["x", "shape"], ["y"], allowzero=1)], [init("shape", i64([2, 63, 1]))])

    # Gemm: C broadcast (-7, unidirectional) → optional C (-11/-13).
    features = 2 * 7 * 9
    add("gemm_broadcast_opset7", 7, "Flatten + Gemm-7: transB, alpha, beta, C [10] broadcast",
        [N("Flatten", ["x"], ["f"], axis=1), N("Gemm", ["f", "w", "c"], ["y"], transB=1, alpha=0.5, beta=2.0)],
        [init("w", rand(40, [10, features], 0.1)), init("c", rand(41, [10], 0.1))])
    add("gemm_scalar_c_opset7", 7, "Flatten + Gemm-7: C a 1-element tensor broadcast",
        [N("Flatten", ["x"], ["f"], axis=1), N("Gemm", ["f", "w", "c"], ["y"])],
        [init("w", rand(42, [features, 6], 0.1)), init("c", f32([0.25]))])
    add("gemm_no_c_opset13", 13, "Flatten(axis 4) + Gemm-13: no C, transA on a [126, 1] operand, transB",
        [N("Flatten", ["x"], ["f"], axis=4), N("Gemm", ["f", "w"], ["y"], transA=1, transB=1)],
        [init("w", rand(43, [10, features], 0.1))])
    add("flatten_gemm_matmul_opset13", 13, "Flatten + MatMul + Add (what some exporters emit for Linear)",
        [N("Flatten", ["x"], ["f"]), N("MatMul", ["f", "w"], ["m"]), N("Add", ["m", "b"], ["y"])],
        [init("w", rand(44, [features, 7], 0.1)), init("b", rand(45, [7], 0.1))])

    # MaxPool: -8 (storage_order, Indices) → -10/-12 (ceil_mode, dilations).
    add("maxpool_opset8", 8, "MaxPool-8: kernel 3, stride 2, pads 1",
        [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])])
    add("maxpool_opset7_no_pads", 7, "MaxPool-1/7: kernel 2 stride 2, floor (a row and a column dropped)",
        [N("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])])
    add("maxpool_ceil_opset10", 10, "MaxPool-10: ceil_mode (last window partial)",
        [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)])
    add("maxpool_dilations_ceil_opset12", 12, "MaxPool-12: dilations 2, ceil_mode, asymmetric pads",
        [N("MaxPool", ["x"], ["y"], kernel_shape=[2, 3], strides=[2, 2], dilations=[2, 2], pads=[1, 0, 0, 1], ceil_mode=1)])
    add("maxpool_same_upper_opset12", 12, "MaxPool-12: auto_pad SAME_UPPER, stride 2",
        [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")])

    # AveragePool: -7 (count_include_pad) → -10 (ceil_mode) → -19 (dilations).
    for cip in [0, 1]:
        add(f"averagepool_pads_cip{cip}_opset7", 7, f"AveragePool-7: pads 1, count_include_pad={cip}",
            [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=cip)])
    add("averagepool_ceil_opset10", 10, "AveragePool-10: ceil_mode (partial last window)",
        [N("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)])
    add("averagepool_ceil_pads_cip1_opset11", 11, "AveragePool-11: ceil_mode with pads and count_include_pad=1 (PyTorch's DenseNet-style)",
        [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=1)])
    add("averagepool_dilations_opset19", 19, "AveragePool-19: dilations 2, pads, ceil_mode",
        [N("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], strides=[1, 2], dilations=[2, 2], pads=[1, 1, 0, 1], ceil_mode=1)])
    add("averagepool_same_lower_opset19", 19, "AveragePool-19: auto_pad SAME_LOWER, stride 2",
        [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER")])

    # Conv: auto_pad, asymmetric pads, groups, depthwise, dilation.
    w = lambda s, cout, cin, kh, kw: init("w", rand(s, [cout, cin, kh, kw], 0.3))
    b = lambda s, cout: init("b", rand(s, [cout], 0.1))
    add("conv_same_upper_opset11", 11, "Conv: auto_pad SAME_UPPER, stride 2 (extra pad at the end)",
        [N("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 4], strides=[2, 2], auto_pad="SAME_UPPER")],
        [w(50, 3, 2, 3, 4), b(51, 3)])
    add("conv_same_lower_opset11", 11, "Conv: auto_pad SAME_LOWER, stride 2 (extra pad at the start)",
        [N("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 4], strides=[2, 2], auto_pad="SAME_LOWER")],
        [w(52, 3, 2, 3, 4), b(53, 3)])
    add("conv_valid_opset7", 7, "Conv: auto_pad VALID, no kernel_shape attribute (taken from W)",
        [N("Conv", ["x", "w"], ["y"], auto_pad="VALID")], [w(54, 3, 2, 3, 3)])
    add("conv_asymmetric_pads_opset11", 11, "Conv: explicit asymmetric pads [top 0, left 1, bottom 2, right 1], stride [2, 1]",
        [N("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 3], strides=[2, 1], pads=[0, 1, 2, 1])],
        [w(55, 4, 2, 3, 3), b(56, 4)])
    add("conv_group2_opset11", 11, "Conv: group 2 (4 input channels → 6 outputs)",
        [N("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=2)],
        [w(57, 6, 2, 3, 3), b(58, 6)], in_shape=[1, 4, 7, 9])
    add("conv_depthwise_opset11", 11, "Conv: depthwise (group = channels = 3), stride 2, pads 1",
        [N("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], group=3)],
        [w(59, 3, 1, 3, 3), b(60, 3)], in_shape=[1, 3, 7, 9])
    add("conv_depthwise_multiplier_opset11", 11, "Conv: group = 2 input channels, 2 outputs each",
        [N("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=2)],
        [w(61, 4, 1, 3, 3)])
    add("conv_dilation_opset11", 11, "Conv: dilations [2, 3], pads [2, 3, 2, 3]",
        [N("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 3], dilations=[2, 3], pads=[2, 3, 2, 3])],
        [w(62, 2, 2, 3, 3), b(63, 2)])
    add("conv_1x1_stride2_opset7", 7, "Conv: 1×1 kernel, stride 2 (ResNet downsample), bias",
        [N("Conv", ["x", "w", "b"], ["y"], kernel_shape=[1, 1], strides=[2, 2])],
        [w(64, 5, 2, 1, 1), b(65, 5)])
    add("conv_bn_relu_opset13", 13, "Conv → BatchNormalization → Relu (BN foldable into the conv)",
        [N("Conv", ["x", "w", "cb"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         N("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["n"]),
         N("Relu", ["n"], ["y"])],
        [w(66, 2, 2, 3, 3), init("cb", rand(67, [2], 0.1))] + bn(68))
    add("relu_bn_opset13", 13, "Relu → BatchNormalization: a BN whose input is not a Conv",
        [N("Relu", ["x"], ["r"]), N("BatchNormalization", ["r", "scale", "bias", "mean", "var"], ["y"])],
        bn(72))
    add("bn_on_input_opset13", 13, "BatchNormalization straight on the graph input",
        [N("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], epsilon=1e-2)], bn(76))

    # A few activations whose signatures changed: PRelu slope broadcast (-7 → -9), LeakyRelu.
    add("prelu_slope_opset7", 7, "PRelu-7: slope [C, 1, 1] broadcast",
        [N("PRelu", ["x", "slope"], ["y"])], [init("slope", f32([[[0.1]], [[0.3]]]))])
    add("prelu_slope_opset9", 9, "PRelu-9: slope [C, 1, 1]", [N("PRelu", ["x", "slope"], ["y"])],
        [init("slope", f32([[[0.2]], [[-0.5]]]))])
    add("hardswish_hardsigmoid_opset14", 14, "HardSigmoid (alpha 0.25, beta 0.4) + HardSwish-14",
        [N("HardSigmoid", ["x"], ["h"], alpha=0.25, beta=0.4), N("HardSwish", ["h"], ["y"])])
    return cases


def build_legacy(case, out_shape=None):
    """The case's model; `y` declares `out_shape` (None: no shape, for a first ONNX Runtime
    run that finds it; the checker wants one)."""
    opset = case.opset
    ir = helper.find_min_ir_version_for([helper.make_opsetid("", opset)])
    x_info = helper.make_tensor_value_info("x", TensorProto.FLOAT, case.in_shape)
    y_info = helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)
    inputs = [x_info]
    if ir < 4:
        # Before IR 4 every initializer had to be listed among the graph inputs too (as old
        # exporters did); the runner feeds only x.
        for t in case.initializers:
            inputs.append(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    graph = helper.make_graph(case.nodes, case.name, inputs, [y_info], initializer=case.initializers)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir, producer_name="padlens-tools"
    )
    if out_shape is not None:
        onnx.checker.check_model(model, full_check=True)
    return model, ir < 4 and bool(case.initializers)


def cmd_legacy(_args):
    if os.path.isdir(LEGACY_DIR):
        shutil.rmtree(LEGACY_DIR)
    entries, refused = [], []
    cases = legacy_cases()
    assert len({c.name for c in cases}) == len(cases), "duplicate legacy names"
    for i, case in enumerate(cases):
        x = legacy_input(1000 + zlib.crc32(case.name.encode()) % 1000, case.in_shape)
        try:
            # Once without an output shape to learn it, then with it (checked).
            model, _ = build_legacy(case)
            shape = list(ort_session(model.SerializeToString()).run(["y"], {"x": x})[0].shape)
            model, inits_as_inputs = build_legacy(case, shape)
            data = model.SerializeToString()
            y = ort_session(data).run(["y"], {"x": x})[0]
        except onnx.checker.ValidationError as e:
            refused.append({"name": case.name, "opset": case.opset, "by": "onnx.checker", "error": first_line(e)})
            continue
        except Exception as e:
            refused.append({"name": case.name, "opset": case.opset, "by": "onnxruntime", "error": first_line(e)})
            continue
        folder = os.path.join(LEGACY_DIR, case.name)
        sizes = {
            "model.onnx": write_bytes(os.path.join(folder, "model.onnx"), data),
            "input_0.pb": write_tensor(os.path.join(folder, "input_0.pb"), x, "x"),
            "output_0.pb": write_tensor(os.path.join(folder, "output_0.pb"), y, "y"),
        }
        # For Resize, ONNX's reference implementation too: with scales that do not give whole
        # pixels, ONNX Runtime departs from the spec (it measures the resized length in output
        # pixels, the spec as scale × input; ONNX's own node tests follow the spec). The spec's
        # output is kept beside and the Rust test follows it there. (For other operators the
        # reference evaluator is not a guide: it gets opset 9 BatchNormalization and opset 11
        # Softmax wrong, where ONNX Runtime is right.)
        is_resize = any(n.op_type in ("Resize", "Upsample") for n in model.graph.node)
        y_spec = reference_output(model, x) if is_resize else None
        spec_gap = None
        if y_spec is not None and (y_spec.shape != y.shape or not np.allclose(y_spec, y, rtol=1e-5, atol=1e-6)):
            sizes["output_spec.pb"] = write_tensor(os.path.join(folder, "output_spec.pb"), y_spec, "y")
            spec_gap = float(np.abs(y_spec - y).max()) if y_spec.shape == y.shape else "shape"
        entries.append({
            "name": case.name,
            "opset": case.opset,
            "ir_version": model.ir_version,
            "exercises": case.exercises,
            "ops": sorted({n.op_type for n in model.graph.node}),
            "input": {"name": "x", "shape": list(x.shape)},
            "output": {"name": "y", "shape": list(y.shape)},
            "initializers_as_inputs": inits_as_inputs,
            "bytes": sum(sizes.values()),
            **({"onnxruntime_departs_from_spec": spec_gap} if spec_gap is not None else {}),
        })
    for r in refused:
        print(f"  refused: {r['name']} (opset {r['opset']}) by {r['by']}: {r['error']}", file=sys.stderr)
    doc = {
        "generator": "tools/onnx_models.py legacy",
        "reference": "onnxruntime (CPU, graph optimisations off, one thread)",
        "input": "x: f32, uniform [-1, 1), seed per case; output y",
        "versions": versions(),
        "cases": entries,
        "refused": refused,
    }
    write_compact_json(os.path.join(LEGACY_DIR, "cases.json"), doc, ("cases", "refused"))
    total = folder_bytes(LEGACY_DIR)
    print(f"legacy: {len(entries)} cases, {len(refused)} refused, {total} bytes", file=sys.stderr)


def reference_output(model, x):
    """The output of onnx.reference.ReferenceEvaluator, or None where it cannot run the case."""
    from onnx.reference import ReferenceEvaluator
    try:
        return ReferenceEvaluator(model).run(None, {"x": x})[0]
    except Exception:
        return None


def first_line(e):
    """An error message on one line (at most 300 characters), without this machine's paths."""
    text = " ".join(str(e).replace(os.getcwd() + os.sep, "").replace(ROOT + os.sep, "").split())
    return text[:300] if text else type(e).__name__


def write_compact_json(path, doc, list_keys):
    """JSON with one line per element of the lists `list_keys` (short, readable diffs)."""
    lines = ["{"]
    keys = list(doc)
    for i, key in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        if key in list_keys:
            items = [f"    {json.dumps(c, separators=(', ', ': '), ensure_ascii=False)}" for c in doc[key]]
            body = ("[\n" + ",\n".join(items) + "\n  ]") if items else "[]"
            lines.append(f"  {json.dumps(key)}: {body}{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(doc[key], ensure_ascii=False)}{comma}")
    lines += ["}", ""]
    text = "\n".join(lines)
    json.loads(text)
    write_bytes(path, text.encode())


def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


# --------------------------------------------------------------------------------------------
# padfold: Pad nodes before convolutions (definitions.md §8's fold)

PADFOLD_DIR = os.path.join(ONNX_TESTS, "padfold")
PADFOLD_SHAPE = [1, 3, 19, 23]  # odd sizes: stride 2 leaves pixels over


class MirrorNet(nn.Module):
    """Convolutions with PyTorch's own padding modes, strides 1 and 2, padding 1 and 2."""

    def __init__(self, modes):
        super().__init__()
        # (in, out, kernel, stride, padding): modes[i] is conv i's padding_mode.
        shapes = [(3, 4, 3, 1, 1), (4, 4, 3, 2, 2), (4, 4, 3, 1, 1), (4, 4, 5, 1, 2), (4, 2, 3, 2, (1, 2))]
        self.convs = nn.ModuleList(
            nn.Conv2d(i, o, k, stride=s, padding=p, padding_mode=m) for (i, o, k, s, p), m in zip(shapes, modes)
        )

    def forward(self, x):
        for conv in self.convs[:-1]:
            x = torch.relu(conv(x))
        return self.convs[-1](x)


# name: (each conv's padding_mode, what the case is for). Each model is exported twice, the
# second time with every padding_mode "zeros" and the same weights (output_zeros.pb): what
# padlens must give when it swaps the first one's padding to zeros (definitions.md §7).
TORCH_PADFOLD = {
    "torch_mirror": (["reflect", "replicate", "zeros", "reflect", "replicate"],
                     "reflect and replicate (torch: Pad reflect / edge + Conv) beside zeros; projected"),
    "torch_circular": (["circular", "reflect", "circular", "zeros", "circular"],
                       "circular (torch: Slice + Concat, no Pad) beside reflect"),
}


def padfold_torch(name, modes, x):
    torch.manual_seed(zlib.crc32(name.encode()))
    model = MirrorNet(modes).eval()
    twin = MirrorNet(["zeros"] * len(modes)).eval()
    twin.load_state_dict(model.state_dict())
    data = export(model, x)
    y = ort_session(data).run(None, {"input": x})[0]
    y_zeros = ort_session(export(twin, x)).run(None, {"input": x})[0]
    assert max_err(y, torch_run(model, x)) <= REL_TOL * float(np.max(np.abs(y)))
    return data, {"output_0.pb": (y, "output"), "output_zeros.pb": (y_zeros, "output")}


def padfold_cases():
    """(name, opset, folds, what, nodes, initializers, input shape): hand-built Pad + Conv pairs,
    each over the graph input "x" producing "y"."""
    N = helper.make_node
    w = lambda s, shape: init("w", rand(s, shape, 0.3))
    b = init("b", f32([0.1, -0.2, 0.3]))
    pads = lambda name, values: init(name, i64(values))
    conv = lambda x="p", **k: N("Conv", [x, "w", "b"], ["y"], name="conv", **k)
    hw = [0, 0, 1, 2, 0, 0, 2, 1]  # begin N C H W, end N C H W
    cases = [
        ("constant_zero", 17, True, "constant Pad, value input left out (zeros)",
         [N("Pad", ["x", "pads"], ["p"], mode="constant"), conv(strides=[2, 2])],
         [pads("pads", hw), w(1, [3, 2, 3, 3]), b], LEGACY_SHAPE),
        ("reflect_opset10", 10, True, "reflect Pad in opset 10's attribute form",
         [N("Pad", ["x"], ["p"], mode="reflect", pads=hw), conv()], [w(2, [3, 2, 3, 3]), b], LEGACY_SHAPE),
        ("edge_axes_opset18", 18, True, "edge Pad of axes [-2, -1] (opset 18's axes input)",
         [N("Pad", ["x", "pads", "", "axes"], ["p"], mode="edge"), conv(strides=[2, 1], pads=[0, 0, 0, 0])],
         [pads("pads", [2, 1, 1, 2]), pads("axes", [-2, -1]), w(3, [3, 2, 3, 3]), b], LEGACY_SHAPE),
        ("wrap_opset19", 19, True, "wrap Pad wider than the input (3 > 2 rows)",
         [N("Pad", ["x", "pads"], ["p"], mode="wrap"), conv(auto_pad="VALID")],
         [pads("pads", [0, 0, 3, 1, 0, 0, 1, 3]), w(4, [3, 2, 3, 3]), b], [1, 2, 2, 5]),
        ("reflect_1d", 17, True, "reflect Pad of a 1-D signal before a 1-D Conv",
         [N("Pad", ["x", "pads"], ["p"], mode="reflect"), conv()],
         [pads("pads", [0, 0, 2, 0, 0, 1]), w(5, [3, 2, 3]), b], [1, 2, 11]),
        ("constant_value", 17, False, "constant Pad with value 0.5",
         [N("Pad", ["x", "pads", "value"], ["p"], mode="constant"), conv()],
         [pads("pads", hw), init("value", f32(0.5)), w(6, [3, 2, 3, 3]), b], LEGACY_SHAPE),
        ("channels", 17, False, "reflect Pad of the channels too",
         [N("Pad", ["x", "pads"], ["p"], mode="reflect"), conv()],
         [pads("pads", [0, 1, 1, 1, 0, 0, 1, 1]), w(7, [3, 3, 3, 3]), b], LEGACY_SHAPE),
        ("two_readers", 17, False, "edge Pad read by a Conv and a MaxPool",
         [N("Pad", ["x", "pads"], ["p"], mode="edge"), N("Conv", ["p", "w", "b"], ["c"], name="conv"),
          N("MaxPool", ["p"], ["m"], kernel_shape=[3, 3]), N("Conv", ["m", "w1"], ["c1"]),
          N("Add", ["c", "c1"], ["y"])],
         [pads("pads", [0, 0, 1, 1, 0, 0, 1, 1]), w(8, [3, 2, 3, 3]), b, init("w1", rand(9, [3, 2, 1, 1], 0.3))],
         LEGACY_SHAPE),
        ("conv_padded", 17, False, "reflect Pad before a Conv that pads too",
         [N("Pad", ["x", "pads"], ["p"], mode="reflect"), conv(pads=[1, 1, 1, 1])],
         [pads("pads", [0, 0, 1, 1, 0, 0, 1, 1]), w(10, [3, 2, 3, 3]), b], LEGACY_SHAPE),
        ("conv_same", 17, False, "reflect Pad before a Conv with auto_pad SAME_UPPER",
         [N("Pad", ["x", "pads"], ["p"], mode="reflect"), conv(auto_pad="SAME_UPPER", strides=[2, 2])],
         [pads("pads", [0, 0, 1, 1, 0, 0, 1, 1]), w(11, [3, 2, 3, 3]), b], LEGACY_SHAPE),
        ("crop", 17, False, "edge Pad with a negative amount (a crop)",
         [N("Pad", ["x", "pads"], ["p"], mode="edge"), conv()],
         [pads("pads", [0, 0, -1, 2, 0, 0, 1, 0]), w(12, [3, 2, 3, 3]), b], LEGACY_SHAPE),
    ]
    return cases


def cmd_padfold(_args):
    if os.path.isdir(PADFOLD_DIR):
        shutil.rmtree(PADFOLD_DIR)
    entries = []
    x = legacy_input(INPUT_SEED, PADFOLD_SHAPE)
    for name, (modes, what) in TORCH_PADFOLD.items():
        data, outputs = padfold_torch(name, modes, x)
        folder = os.path.join(PADFOLD_DIR, name)
        write_bytes(os.path.join(folder, "model.onnx"), data)
        write_tensor(os.path.join(folder, "input_0.pb"), x, "input")
        for file, (y, out_name) in outputs.items():
            write_tensor(os.path.join(folder, file), y, out_name)
        ops = Counter(n.op_type for n in onnx.load_from_string(data).graph.node)
        entries.append({"name": name, "opset": OPSET, "folds": ops["Pad"] > 0, "what": what,
                        "modes": modes, "ops": dict(sorted(ops.items()))})
    for name, opset, folds, what, nodes, inits, shape in padfold_cases():
        case = Legacy(name, opset, what, nodes, inits, shape)
        xs = legacy_input(1000 + zlib.crc32(name.encode()) % 1000, shape)
        model, _ = build_legacy(case)
        out_shape = list(ort_session(model.SerializeToString()).run(["y"], {"x": xs})[0].shape)
        model, _ = build_legacy(case, out_shape)
        data = model.SerializeToString()
        y = ort_session(data).run(["y"], {"x": xs})[0]
        folder = os.path.join(PADFOLD_DIR, name)
        write_bytes(os.path.join(folder, "model.onnx"), data)
        write_tensor(os.path.join(folder, "input_0.pb"), xs, "x")
        write_tensor(os.path.join(folder, "output_0.pb"), y, "y")
        entries.append({"name": name, "opset": opset, "folds": folds, "what": what,
                        "ops": dict(sorted(Counter(n.op_type for n in nodes).items()))})
    doc = {
        "generator": "tools/onnx_models.py padfold",
        "reference": "onnxruntime (CPU, graph optimisations off, one thread)",
        "note": "folds: whether padlens folds every Pad into the Conv that reads it (definitions.md §8); "
                "torch_* cases: output_zeros.pb is the same weights exported with padding_mode zeros",
        "versions": versions(),
        "cases": entries,
    }
    write_compact_json(os.path.join(PADFOLD_DIR, "cases.json"), doc, ("cases",))
    print(f"padfold: {len(entries)} cases, {folder_bytes(PADFOLD_DIR)} bytes", file=sys.stderr)


# --------------------------------------------------------------------------------------------
# bad: malformed models


def bad_cases():
    """(name, what is wrong, phrase the error should contain, model)."""
    N = helper.make_node
    x4 = lambda c=3: helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, 4, 4])
    yv = lambda shape=(1, 3, 4, 4): helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))

    def model(nodes, inputs, outputs, inits=(), opset=17, name="bad"):
        graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
        ir = helper.find_min_ir_version_for([helper.make_opsetid("", min(max(opset, 7), 21))])
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=max(ir, 8),
                                 producer_name="padlens-tools")

    cases = []
    # 1. External data pointing to a missing file.
    w = TensorProto()
    w.name = "w_external"
    w.data_type = TensorProto.FLOAT
    w.dims.extend([4, 3, 3, 3])
    w.data_location = TensorProto.EXTERNAL
    for k, v in [("location", "missing_weights.bin"), ("offset", "0"), ("length", str(4 * 4 * 27))]:
        entry = w.external_data.add()
        entry.key, entry.value = k, v
    cases.append(("external_data", "the Conv weight 'w_external' has data_location=EXTERNAL, location "
                  "'missing_weights.bin' (not there; external data is not supported anyway)", "external",
                  model([N("Conv", ["x", "w_external"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
                        [x4()], [yv([1, 4, 4, 4])], [w])))
    # 2. A cycle: two nodes feeding each other.
    cases.append(("cycle", "nodes 'add_a' and 'relu_b' each consume the other's output", "cycle",
                  model([N("Add", ["x", "b"], ["a"], name="add_a"), N("Relu", ["a"], ["b"], name="relu_b")],
                        [x4()], [helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 3, 4, 4])])))
    # 3. An initializer whose dims claim 2 GiB with no data.
    huge = TensorProto()
    huge.name = "huge_weight"
    huge.data_type = TensorProto.FLOAT
    huge.dims.extend([1, 536870912])
    cases.append(("huge_initializer", "initializer 'huge_weight' has dims [1, 536870912] (2 GiB of f32) "
                  "and no data at all", "huge_weight",
                  model([N("Flatten", ["x"], ["f"], axis=4), N("MatMul", ["f", "huge_weight"], ["y"])],
                        [x4()], [yv([48, 536870912])], [huge])))
    # 4. Add of mismatched shapes [1,3,4,4] + [1,5,4,4] (the 5 channels come from a conv).
    cases.append(("add_shape_mismatch", "'mismatched_add' adds x [1,3,4,4] to a conv output [1,5,4,4]; "
                  "channels 3 and 5 do not broadcast", "mismatched_add",
                  model([N("Conv", ["x", "w5"], ["c"], kernel_shape=[1, 1]),
                         N("Add", ["x", "c"], ["y"], name="mismatched_add")],
                        [x4()], [yv([1, 5, 4, 4])], [init("w5", rand(90, [5, 3, 1, 1], 0.3))])))
    # 5. Unsupported operators.
    cases.append(("unsupported_einsum", "an Einsum node (not in the supported operator set)", "Einsum",
                  model([N("Einsum", ["x", "x"], ["y"], equation="nchw,nchw->nc")], [x4()], [yv([1, 3])])))
    lstm_x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 1, 3])
    cases.append(("unsupported_lstm", "an LSTM node over a [4, 1, 3] sequence (not supported)", "LSTM",
                  model([N("LSTM", ["x", "W", "R"], ["y"], hidden_size=2)], [lstm_x], [yv([4, 1, 1, 2])],
                        [init("W", rand(91, [1, 8, 3], 0.3)), init("R", rand(92, [1, 8, 2], 0.3))])))
    # 6. No spatial input: [1, 10] → Gemm.
    cases.append(("no_spatial_input", "the only input is [1, 10] (no N×C×H×W image input) feeding a Gemm",
                  "spatial",
                  model([N("Gemm", ["x", "w", "c"], ["y"], transB=1)],
                        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 10])], [yv([1, 4])],
                        [init("w", rand(93, [4, 10], 0.3)), init("c", rand(94, [4], 0.1))])))
    # 7. A node input that nothing produces.
    cases.append(("undefined_input", "'relu_after' reads 'never_produced', which is no input, initializer "
                  "or node output", "never_produced",
                  model([N("Relu", ["x"], ["r"]), N("Add", ["r", "never_produced"], ["y"], name="relu_after")],
                        [x4()], [yv()])))
    # 8. Opsets outside the supported 7–28 (onnx 1.23's newest; the versions of padlens'
    # operators after 21 only add element types).
    cases.append(("opset6", "declares opset 6 (below the supported 7–28)", "opset",
                  model([N("Relu", ["x"], ["y"])], [x4()], [yv()], opset=6)))
    cases.append(("opset29", "declares opset 29 (above the supported 7–28)", "opset",
                  model([N("Relu", ["x"], ["y"])], [x4()], [yv()], opset=29)))
    return cases


def cmd_bad(_args):
    if os.path.isdir(BAD_DIR):
        shutil.rmtree(BAD_DIR)
    entries = []
    for name, wrong, phrase, model in bad_cases():
        data = model.SerializeToString()  # no checker: it would refuse most of these
        path = os.path.join(BAD_DIR, f"{name}.onnx")
        size = write_bytes(path, data)
        try:
            ort_session(data)
            ort_says = None
        except Exception as e:
            ort_says = first_line(e)
        try:
            onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
            checker_says = None
        except Exception as e:
            checker_says = first_line(e)
        entries.append({
            "file": f"{name}.onnx",
            "wrong": wrong,
            "phrase": phrase,
            "bytes": size,
            "onnx_checker": checker_says,
            "onnxruntime": ort_says,
        })
        print(f"  {name}: {size} B; checker: {checker_says}; ORT: {ort_says}", file=sys.stderr)
    doc = {
        "generator": "tools/onnx_models.py bad",
        "note": "phrase: a short text the importer's error message should contain "
                "(case-insensitive); onnx_checker / onnxruntime: what those say (null: accepted), "
                "for reference only. Truncated and random-byte files are made by the Rust tests.",
        "versions": versions(),
        "cases": entries,
    }
    write_compact_json(os.path.join(BAD_DIR, "cases.json"), doc, ("cases",))
    print(f"bad: {len(entries)} models, {folder_bytes(BAD_DIR)} bytes", file=sys.stderr)


# --------------------------------------------------------------------------------------------


def report_sizes():
    """Bytes under tests/onnx, on disk and as distinct contents (what git stores)."""
    total, blobs = 0, {}
    for d, _, fs in os.walk(ONNX_TESTS):
        for f in fs:
            path = os.path.join(d, f)
            data = open(path, "rb").read()
            total += len(data)
            blobs[hashlib.sha256(data).hexdigest()] = len(data)
    parts = []
    for sub in sorted(os.listdir(ONNX_TESTS)):
        if os.path.isdir(os.path.join(ONNX_TESTS, sub)):
            parts.append(f"{sub} {folder_bytes(os.path.join(ONNX_TESTS, sub)) / 1e6:.2f} MB")
    print(f"{rel(ONNX_TESTS)}/: {total / 1e6:.2f} MB ({', '.join(parts)}); "
          f"distinct contents {sum(blobs.values()) / 1e6:.2f} MB (budget {BUDGET / 1e6:.0f} MB)",
          file=sys.stderr)
    if total > BUDGET:
        print(f"warning: tests/onnx/ is over the {BUDGET / 1e6:.0f} MB budget", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("small", help="tests/onnx/models/").set_defaults(run=cmd_small)
    sub.add_parser("full", help="tools/.cache/models/ (not committed)").set_defaults(run=cmd_full)
    sub.add_parser("legacy", help="tests/onnx/legacy/").set_defaults(run=cmd_legacy)
    sub.add_parser("bad", help="tests/onnx/bad/").set_defaults(run=cmd_bad)
    sub.add_parser("padfold", help="tests/onnx/padfold/").set_defaults(run=cmd_padfold)
    sub.add_parser("all", help="small + legacy + bad + padfold").set_defaults(
        run=lambda a: (cmd_small(a), cmd_legacy(a), cmd_bad(a), cmd_padfold(a))
    )
    args = parser.parse_args()
    print(", ".join(f"{k} {v}" for k, v in versions().items()), file=sys.stderr)
    args.run(args)
    if args.command != "full":
        report_sizes()


if __name__ == "__main__":
    main()
