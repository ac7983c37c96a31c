#!/usr/bin/env python3
"""Golden data for padlens from the reference implementation (PyTorch + torchvision).

    tools/.venv/bin/python tools/golden.py shapes   # tests/golden/shapes.json
    tools/.venv/bin/python tools/golden.py maps     # tests/golden/<net>_<h>x<w>_<mode>.npy.gz
    tools/.venv/bin/python tools/golden.py all

`shapes`: runs every zoo architecture, as torchvision defines it (weights=None, eval mode,
batch 1, 3 channels), at a few input sizes and records the output height × width of every
Conv2d / MaxPool2d / AvgPool2d module under its torchvision name, in the order the modules
run (forward hooks), followed by the modules that do not run in eval mode with null (e.g.
GoogLeNet's auxiliary classifiers). tests/zoo_shapes.rs
holds padlens' zoo to it.

`maps`: utilization maps (definitions.md §3) by autograd. The torchvision model itself is
turned into the ONE-channel float64 network of definitions.md §3 by swapping its modules, so its
own forward code (residual additions, concatenations, ceil-mode pools) is what runs:

* every Conv2d becomes: sum over input channels, then a 1-in 1-out Conv2d with the same
  kernel, stride, padding and dilation, all weights 1, no bias, and `padding_mode` replaced
  by the requested mode. Summing the channels first is what a conv with all-one weights
  does to a concatenation, so concatenating blocks (Inception, DenseNet) add their
  branches, as definitions.md §3 says; a residual `out += identity` adds them anyway;
* every MaxPool2d / AvgPool2d becomes a sum over its window with its own zero padding:
  `F.avg_pool2d(x, k, s, p, ceil_mode, count_include_pad=True, divisor_override=1)`
  (max-pooling's -inf padding never wins, so it reads nothing, like zeros in a sum);
* BatchNorm, ReLU/ReLU6, Dropout, Linear and the adaptive average pool become identities,
  and so does a functional `F.relu` while the net runs (GoogLeNet's BasicConv2d calls it).

Then `x` (1×1×H×W, requires_grad) goes through, `y.sum().backward()`, and `x.grad` is the
map. For the nets whose classifier pools with a functional call (VGG, AlexNet, MobileNetV2,
DenseNet) only `model.features` runs; DenseNet's trailing functional ReLU is skipped with it.
Nothing here reads padlens' own zoo: the structure is torchvision's.

Maps are saved as .npy (float64, little-endian, C order) compressed with gzip (mtime 0, so
regenerating gives identical bytes).
"""

import argparse
import contextlib
import gzip
import io
import json
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torchvision import models

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden")

# Every architecture of padlens' zoo (src/net/zoo.rs), by its torchvision name.
ZOO = [
    "vgg11",
    "vgg13",
    "vgg16",
    "vgg19",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "mobilenet_v2",
    "googlenet",
    "densenet121",
    "alexnet",
]

SHAPE_SIZES = [(224, 224), (225, 225), (97, 131)]

# PyTorch's Conv2d padding modes (definitions.md §2 names them the same).
MODES = ["zeros", "reflect", "replicate", "circular"]

# (net, height, width, modes): the maps tests/golden.rs checks.
MAPS = [
    ("vgg19", 512, 512, MODES),
    ("resnet50", 224, 224, MODES),
    ("resnet50", 225, 225, MODES),
    # Small extras, so that every kind of block in the zoo (concatenations, ceil-mode pools,
    # flattened inverted residuals) is held to autograd too.
    ("alexnet", 97, 131, ["zeros", "reflect"]),
    ("mobilenet_v2", 97, 131, ["zeros", "reflect"]),
    ("googlenet", 97, 131, ["zeros", "reflect"]),
    ("densenet121", 97, 131, ["zeros", "reflect"]),
]

# Nets whose forward pools with a functional call after `features`: run `features` only.
FEATURES_ONLY = ("vgg", "alexnet", "mobilenet", "densenet")


def torchvision_model(name):
    """The torchvision architecture, untrained (weights=None, never downloads)."""
    kwargs = {"weights": None}
    if name == "googlenet":
        # Skips the slow truncated-normal initialisation (and its warning); the aux
        # classifiers are still built, as with the defaults.
        kwargs["init_weights"] = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(models, name)(**kwargs)


def window_modules(model):
    kinds = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)
    return [(n, m) for n, m in model.named_modules() if isinstance(m, kinds)]


def shapes_of(name, height, width):
    """[[module name, [h, w]], ...] in the order the modules run, then [name, None] for
    each module that does not run in eval mode (in module order)."""
    model = torchvision_model(name).eval()
    fired = []
    hooks = []
    for module_name, module in window_modules(model):

        def hook(_module, _inputs, output, module_name=module_name):
            fired.append([module_name, list(output.shape[-2:])])

        hooks.append(module.register_forward_hook(hook))
    with torch.no_grad():
        model(torch.zeros(1, 3, height, width))
    for h in hooks:
        h.remove()
    names = [n for n, _ in fired]
    assert len(set(names)) == len(names), f"{name}: a module ran twice"
    return fired + [[n, None] for n, _ in window_modules(model) if n not in names]


def cmd_shapes(_args):
    nets = {}
    for name in ZOO:
        nets[name] = {f"{h}x{w}": shapes_of(name, h, w) for h, w in SHAPE_SIZES}
        print(f"{name}: {len(nets[name]['224x224'])} modules", file=sys.stderr)
    # One line per net and size: small, and diffs stay readable.
    lines = [
        "{",
        f'  "torch": {json.dumps(torch.__version__)},',
        f'  "torchvision": {json.dumps(torchvision.__version__)},',
        f'  "sizes": {json.dumps([list(s) for s in SHAPE_SIZES])},',
        '  "nets": {',
    ]
    net_items = []
    for name, per_size in nets.items():
        size_items = [
            f"      {json.dumps(size)}: {json.dumps(mods, separators=(',', ':'))}"
            for size, mods in per_size.items()
        ]
        net_items.append(f"    {json.dumps(name)}: {{\n" + ",\n".join(size_items) + "\n    }")
    lines.append(",\n".join(net_items))
    lines += ["  }", "}", ""]
    os.makedirs(GOLDEN, exist_ok=True)
    path = os.path.join(GOLDEN, "shapes.json")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    json.load(open(path))  # well-formed
    print(f"wrote {path} ({os.path.getsize(path)} bytes)", file=sys.stderr)


class OneChannelConv(nn.Module):
    """Sum over channels, then a 1→1 conv with all-one weights and no bias."""

    def __init__(self, conv, mode):
        super().__init__()
        assert conv.transposed is False and isinstance(conv.padding, tuple), conv
        self.conv = nn.Conv2d(
            1,
            1,
            conv.kernel_size,
            stride=conv.stride,
            padding=conv.padding,
            dilation=conv.dilation,
            bias=False,
            padding_mode=mode,
            dtype=torch.float64,
        )
        with torch.no_grad():
            self.conv.weight.fill_(1.0)
        self.conv.weight.requires_grad_(False)

    def forward(self, x):
        return self.conv(x.sum(dim=1, keepdim=True))


class SumPool(nn.Module):
    """A pooling layer as a sum over its window, padding with zeros that read nothing."""

    def __init__(self, pool):
        super().__init__()
        pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)
        self.kernel = pair(pool.kernel_size)
        self.stride = pair(pool.stride if pool.stride is not None else pool.kernel_size)
        self.padding = pair(pool.padding)
        self.ceil_mode = pool.ceil_mode
        if isinstance(pool, nn.MaxPool2d):
            assert pair(pool.dilation) == (1, 1), pool

    def forward(self, x):
        return F.avg_pool2d(
            x,
            self.kernel,
            self.stride,
            self.padding,
            ceil_mode=self.ceil_mode,
            count_include_pad=True,
            divisor_override=1,
        )


IDENTITY = (
    nn.BatchNorm2d,
    nn.ReLU,
    nn.ReLU6,
    nn.Dropout,
    nn.Linear,
    nn.AdaptiveAvgPool2d,
)
CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)


def to_one_channel(module, mode):
    """Replaces, in place, every leaf module as the module docstring says."""
    for child_name, child in list(module.named_children()):
        if isinstance(child, nn.Conv2d):
            replacement = OneChannelConv(child, mode)
        elif isinstance(child, (nn.MaxPool2d, nn.AvgPool2d)):
            replacement = SumPool(child)
        elif isinstance(child, IDENTITY):
            replacement = nn.Identity()
        else:
            to_one_channel(child, mode)
            continue
        setattr(module, child_name, replacement)
    return module


def one_channel_net(name, mode):
    """The one-channel float64 utilization network of torchvision's `name`: a callable
    from a 1×1×H×W tensor to the last feature map (or maps, concatenated)."""
    model = torchvision_model(name).eval()
    net = model.features if name.startswith(FEATURES_ONLY) else model
    to_one_channel(net, mode)
    net = net.to(torch.float64).eval()
    # Nothing with weights may be left over from the original model.
    leftovers = [n for n, p in net.named_parameters() if p.requires_grad]
    assert not leftovers, f"{name}: unconverted parameters {leftovers[:5]}"
    return net


@contextlib.contextmanager
def functional_relu_is_identity():
    """Some forwards call `F.relu` rather than a module (GoogLeNet's BasicConv2d): make it
    the identity too while the one-channel net runs (definitions.md §3)."""
    saved = F.relu
    F.relu = lambda x, inplace=False: x
    try:
        yield
    finally:
        F.relu = saved


def utilization(net, height, width):
    """The map as a float64 NumPy array: d sum(net(x)) / dx. The net is linear, so the
    gradient does not depend on x."""
    x = torch.zeros(1, 1, height, width, dtype=torch.float64, requires_grad=True)
    with functional_relu_is_identity():
        y = net(x)
    y.sum().backward()
    return x.grad[0, 0].numpy()


def save_npy_gz(path, array):
    array = np.ascontiguousarray(array, dtype="<f8")
    raw = io.BytesIO()
    np.save(raw, array, allow_pickle=False)
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz:
            gz.write(raw.getvalue())


def map_file(name, height, width, mode):
    return os.path.join(GOLDEN, f"{name}_{height}x{width}_{mode}.npy.gz")


def cmd_maps(_args):
    os.makedirs(GOLDEN, exist_ok=True)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    for name, height, width, modes in MAPS:
        for mode in modes:
            values = utilization(one_channel_net(name, mode), height, width)
            if name == "vgg19" and mode == "zeros":
                # definitions.md §3: the centre of VGG-19 is 9^16.
                assert values[height // 2, width // 2] == 9.0**16, values[height // 2, width // 2]
            # Every pixel of these nets is read, except where a layer drops real input (the
            # map is 0 there); an all-zero map means something (a ReLU at 0) cut the graph.
            assert values.max() > 0, f"{name} {mode}: the map is all zeros"
            path = map_file(name, height, width, mode)
            save_npy_gz(path, values)
            print(
                f"{os.path.relpath(path, ROOT)}: max {values.max():.6g}, "
                f"min {values.min():.6g}, {os.path.getsize(path)} bytes",
                file=sys.stderr,
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("shapes", help="tests/golden/shapes.json").set_defaults(run=cmd_shapes)
    sub.add_parser("maps", help="tests/golden/*.npy.gz").set_defaults(run=cmd_maps)
    sub.add_parser("all", help="both").set_defaults(
        run=lambda args: (cmd_shapes(args), cmd_maps(args))
    )
    args = parser.parse_args()
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}", file=sys.stderr)
    args.run(args)


if __name__ == "__main__":
    main()
