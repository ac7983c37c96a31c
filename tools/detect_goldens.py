#!/usr/bin/env python3
"""Golden stimulus-detectability grids (definitions.md §5) from ONNX Runtime, brute force.

    tools/.venv/bin/python tools/detect_goldens.py          # = all
    tools/.venv/bin/python tools/detect_goldens.py models   # tests/onnx/detect/<name>/model.onnx
    tools/.venv/bin/python tools/detect_goldens.py grids    # tests/golden/detect/*.npy + cases.json
    tools/.venv/bin/python tools/detect_goldens.py all      # both

An independent check of definitions.md §5: nothing here reads padlens' code. The scene is
re-implemented in NumPy from the definitions:

* backgrounds: `grey` (0.5 everywhere) and `noise:SEED` — PCG32 as definitions.md §6 names it
  (rand_pcg's `Pcg32::seed_from_u64(SEED)`: rand_core's `seed_from_u64` fills the 16-byte seed
  with four outputs of its own PCG32 step, multiplier 0x5851F42D4C957F2D, increment
  0xA17654E46FBE17F3; Lcg64Xsh32 takes state = bytes 0..8, increment = bytes 8..16 | 1, both
  little-endian, adds the increment and steps once; each draw is XSH-RR of the state before
  the step), each value the top 24 bits of a draw over 2^24, red plane row by row, then green,
  then blue;
* stimuli `traffic-light`, `disk`, `square` at s×s, each pixel's alpha the share of its 4×4
  sub-pixel samples at (y + (i + ½)/4, x + (j + ½)/4) inside the (closed) shape, its colour the
  mean colour of those samples (summed in f64, stored as f32). definitions.md names the
  traffic light's lamps "red, amber, green" only; their RGB values, (0.95, 0.1, 0.1),
  (1, 0.75, 0) and (0.1, 0.85, 0.3), and the housing's 0.12 grey are the page's;
* compositing `α·stimulus + (1 − α)·background` in f32 inside the stimulus's box, then the
  normalisation (`none` or ImageNet's `(v − mean)/std` per channel, f32).

Then for every placement (top-left corners (i·g, j·g), row-major) the composited 1×3×H×W input
runs through the WHOLE model in ONNX Runtime (CPUExecutionProvider, graph optimisations off,
one thread, sequential), and the score is evaluated in float64 as definitions.md §5 says:
`class:K` (softmax of the first [1, C] output, after subtracting its largest value),
`logit:K`, `heatmap:K` (largest value of channel K of the first [1, C, h, w] output over the
cells rows ⌊y0·h/H⌋ … ⌊(y0+s−1)·h/H⌋, columns ⌊x0·w/W⌋ … ⌊(x0+s−1)·w/W⌋) and `boxes:K@τ`
(best score among the first [1, N, 6] output's boxes of class round(·) = K with IoU ≥ τ with
[x0, y0, x0+s, y0+s]; 0 if none). The model always runs with its own padding (ONNX Runtime
cannot swap it); an input size other than the declared one is set in the graph's input (and
the output and intermediate shapes cleared) before the session is made.

`models` builds, with fixed seeds, the two tiny models no committed model provides outputs for
(tests/onnx/detect/): `heatmap` (three zero-padded 3×3 convolutions, two of stride 2, a
sigmoid: [1, 4, H/4, W/4]) and `boxes` (the same kind of trunk at 48×48 predicting per 4-px
cell a 12×12 anchor box's offsets (2·tanh), a sigmoid score and a fixed class pattern:
[1, 144, 6]), exported by PyTorch's TorchScript-based exporter at opset 17.

`grids` writes one `<case>.npy` per case (float64, rows × cols) into tests/golden/detect/ and
`cases.json` listing each case's model, size, padding, background, stimulus, stimulus size,
stride, score, normalisation, grid shape and the file. For a `boxes` score it also checks
that no box's IoU lies within 1e-3 of τ (where a float difference between engines could flip
a box in or out), and fails if one does. Everything is deterministic.
"""

import argparse
import io
import json
import os
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden", "detect")
DETECT_MODELS = os.path.join(ROOT, "tests", "onnx", "detect")

MASK64 = (1 << 64) - 1

# --------------------------------------------------------------------------------------------
# PCG32 (definitions.md §6): rand_pcg's Pcg32::seed_from_u64, draws of next_u32.


def _seed_step(state):
    """rand_core's SeedableRng::seed_from_u64 helper: advance, then XSH-RR of the new state."""
    state = (state * 0x5851F42D4C957F2D + 0xA17654E46FBE17F3) & MASK64
    xorshifted = (((state >> 18) ^ state) >> 27) & 0xFFFFFFFF
    rot = state >> 59
    return state, ((xorshifted >> rot) | (xorshifted << ((32 - rot) & 31))) & 0xFFFFFFFF


class Pcg32:
    MULTIPLIER = 6364136223846793005

    def __init__(self, seed):
        state = seed & MASK64
        words = []
        for _ in range(4):
            state, word = _seed_step(state)
            words.append(word)
        # 16 little-endian seed bytes read back as two little-endian u64.
        s0 = words[0] | (words[1] << 32)
        s1 = words[2] | (words[3] << 32)
        self.increment = s1 | 1
        self.state = (s0 + self.increment) & MASK64
        self._step()

    def _step(self):
        self.state = (self.state * self.MULTIPLIER + self.increment) & MASK64

    def next_u32(self):
        state = self.state
        self._step()
        rot = state >> 59
        xsh = (((state >> 18) ^ state) >> 27) & 0xFFFFFFFF
        return ((xsh >> rot) | (xsh << ((32 - rot) & 31))) & 0xFFFFFFFF


def noise(seed, count):
    """`count` uniform values in [0, 1): top 24 bits of each draw over 2^24, as f32."""
    rng = Pcg32(seed)
    draws = np.array([rng.next_u32() >> 8 for _ in range(count)], dtype=np.float64)
    return (draws / float(1 << 24)).astype(np.float32)


# --------------------------------------------------------------------------------------------
# The scene (definitions.md §5)

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

WHITE = np.array([1.0, 1.0, 1.0], dtype=np.float32)
HOUSING = np.array([0.12, 0.12, 0.12], dtype=np.float32)
LAMPS = np.array([[0.95, 0.1, 0.1], [1.0, 0.75, 0.0], [0.1, 0.85, 0.3]], dtype=np.float32)
SUPERSAMPLING = 4


def background(text, h, w):
    """3×H×W f32 in [0, 1]."""
    if text == "grey":
        return np.full((3, h, w), 0.5, dtype=np.float32)
    kind, seed = text.split(":")
    assert kind == "noise", text
    return noise(int(seed), 3 * h * w).reshape(3, h, w)


def shape_colours(name, s, y, x):
    """For sample coordinates y, x (arrays), the colour index per sample: −1 outside, else a
    row of `palette`; and the palette."""
    s = float(s)
    if name == "disk":
        r = s / 2.0
        inside = (y - r) ** 2 + (x - r) ** 2 <= r * r
        return np.where(inside, 0, -1), WHITE[None, :]
    if name == "square":
        inside = (y >= 0) & (y <= s) & (x >= 0) & (x <= s)
        return np.where(inside, 0, -1), WHITE[None, :]
    assert name == "traffic-light", name
    # Housing: as tall as the stimulus, 0.4 s wide, centred, corners rounded to 0.08 s.
    top, bottom = 0.0, s
    left, right = s / 2.0 - 0.2 * s, s / 2.0 + 0.2 * s
    radius = 0.08 * s
    dy = np.maximum(np.maximum(top + radius - y, y - (bottom - radius)), 0.0)
    dx = np.maximum(np.maximum(left + radius - x, x - (right - radius)), 0.0)
    housing = (
        (y >= top)
        & (y <= bottom)
        & (x >= left)
        & (x <= right)
        & (dy * dy + dx * dx <= radius * radius)
    )
    index = np.where(housing, 0, -1)
    # Lamps of radius 0.13 s at 0.2 s, 0.5 s, 0.8 s from the top, on the centre line; drawn
    # over the housing (the first lamp whose disk holds the sample).
    lamp_radius = 0.13 * s
    taken = np.zeros_like(housing)
    for i, at in enumerate([0.2, 0.5, 0.8]):
        lamp = ((y - at * s) ** 2 + (x - s / 2.0) ** 2 <= lamp_radius * lamp_radius) & ~taken
        index = np.where(lamp, 1 + i, index)
        taken |= lamp
    return index, np.concatenate([HOUSING[None, :], LAMPS])


def stimulus(name, s):
    """(rgb 3×s×s f32, alpha s×s f32), 4×4 supersampled."""
    n = SUPERSAMPLING
    offsets = (np.arange(n, dtype=np.float64) + 0.5) / n
    # Sample coordinates, shape (s, s, n, n): pixel (py, px), sample (sy, sx).
    py = np.arange(s, dtype=np.float64)[:, None, None, None]
    px = np.arange(s, dtype=np.float64)[None, :, None, None]
    y = py + offsets[None, None, :, None] + 0 * px
    x = px + offsets[None, None, None, :] + 0 * py
    index, palette = shape_colours(name, s, y, x)
    covered = (index >= 0).sum(axis=(2, 3))
    alpha = (covered / float(n * n)).astype(np.float32)
    colours = palette.astype(np.float64)[np.maximum(index, 0)]  # (s, s, n, n, 3)
    sums = np.where((index >= 0)[..., None], colours, 0.0).sum(axis=(2, 3))  # (s, s, 3)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(covered[..., None] > 0, sums / np.maximum(covered, 1)[..., None], 0.0)
    rgb = mean.astype(np.float32).transpose(2, 0, 1).copy()
    return rgb, alpha


def normalise(image, normalization):
    if normalization == "none":
        return image
    assert normalization == "imagenet", normalization
    return ((image - IMAGENET_MEAN[:, None, None]) / IMAGENET_STD[:, None, None]).astype(np.float32)


def composite(bg, rgb, alpha, y0, x0):
    """α·stimulus + (1 − α)·background inside the box, f32."""
    image = bg.copy()
    s = alpha.shape[0]
    box = image[:, y0 : y0 + s, x0 : x0 + s]
    one = np.float32(1.0)
    image[:, y0 : y0 + s, x0 : x0 + s] = alpha[None] * rgb + (one - alpha[None]) * box
    return image


def placements(h, w, s, g):
    rows, cols = (h - s) // g + 1, (w - s) // g + 1
    return rows, cols, [(i * g, j * g) for i in range(rows) for j in range(cols)]


# --------------------------------------------------------------------------------------------
# Scores (definitions.md §5), float64


def iou(a, b):
    """a, b: [x1, y1, x2, y2]; a box whose corners are not in order is empty."""

    def area(r):
        return max(r[2] - r[0], 0.0) * max(r[3] - r[1], 0.0)

    if not (a[2] > a[0] and a[3] > a[1] and b[2] > b[0] and b[3] > b[1]):
        return 0.0
    inter = area([max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])])
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0


def round_half_away(v):
    return float(np.sign(v) * np.floor(abs(v) + 0.5))


def parse_score(text):
    kind, arg = text.split(":")
    if kind == "boxes":
        k, _, tau = arg.partition("@")
        return kind, int(k), float(tau) if tau else 0.5
    return kind, int(arg), None


class Margin:
    """The smallest |IoU − τ| seen among boxes of class K (boxes scores)."""

    def __init__(self):
        self.value = float("inf")


def evaluate(score, outputs, y0, x0, s, h, w, margin):
    kind, k, tau = parse_score(score)
    if kind in ("class", "logit"):
        out = outputs[0]
        assert out.ndim == 2 and out.shape[0] == 1 and k < out.shape[1], out.shape
        v = out[0].astype(np.float64)
        if kind == "logit":
            return float(v[k])
        e = np.exp(v - v.max())
        return float(e[k] / e.sum())
    if kind == "heatmap":
        out = next(o for o in outputs if o.ndim == 4 and o.shape[0] == 1)
        _, c, hh, ww = out.shape
        assert k < c
        rows = range(y0 * hh // h, (y0 + s - 1) * hh // h + 1)
        cols = range(x0 * ww // w, (x0 + s - 1) * ww // w + 1)
        return float(max(float(out[0, k, r, q]) for r in rows for q in cols))
    assert kind == "boxes", kind
    out = next(o for o in outputs if o.ndim == 3 and o.shape[0] == 1 and o.shape[2] == 6)
    placed = [float(x0), float(y0), float(x0 + s), float(y0 + s)]
    best = None
    for row in out[0].astype(np.float64):
        if round_half_away(row[5]) != k:
            continue
        overlap = iou([float(v) for v in row[:4]], placed)
        margin.value = min(margin.value, abs(overlap - tau))
        if overlap >= tau:
            best = row[4] if best is None else max(best, row[4])
    return 0.0 if best is None else float(best)


# --------------------------------------------------------------------------------------------
# ONNX Runtime


def ort_session(model_bytes):
    """ONNX Runtime on the CPU, graph optimisations off, one thread (as tools/onnx_models.py)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


def declared_size(model):
    dims = model.graph.input[0].type.tensor_type.shape.dim
    return [dims[2].dim_value, dims[3].dim_value]


def at_size(model, h, w):
    """The model with its input declared 1×3×H×W and every other shape left to inference."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    dims = model.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_value, dims[3].dim_value = h, w
    for out in model.graph.output:
        out.type.tensor_type.ClearField("shape")
    del model.graph.value_info[:]
    return model.SerializeToString()


# --------------------------------------------------------------------------------------------
# The tiny models (models)

HEATMAP_SIZE = (48, 48)
BOXES_SIZE = (48, 48)
BOX_CELL, BOX_ANCHOR = 4, 12


def tiny_models():
    import torch
    from torch import nn

    class Heatmap(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(3, 8, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(8, 8, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(8, 4, 3, padding=1),
                nn.Sigmoid(),
            )

        def forward(self, x):
            return self.body(x)

    class Boxes(nn.Module):
        def __init__(self, h, w):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(3, 8, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(8, 8, 3, stride=2, padding=1),
                nn.ReLU(),
                nn.Conv2d(8, 5, 3, padding=1),
            )
            hh, ww = h // BOX_CELL, w // BOX_CELL
            cy = (torch.arange(hh, dtype=torch.float32) + 0.5) * BOX_CELL
            cx = (torch.arange(ww, dtype=torch.float32) + 0.5) * BOX_CELL
            cy, cx = cy[:, None].expand(hh, ww), cx[None, :].expand(hh, ww)
            half = BOX_ANCHOR / 2.0
            anchors = torch.stack([cx - half, cy - half, cx + half, cy + half])[None]
            i = torch.arange(hh)[:, None]
            j = torch.arange(ww)[None, :]
            classes = ((i + 2 * j) % 3).to(torch.float32)[None, None]
            self.register_buffer("anchors", anchors.contiguous())
            self.register_buffer("classes", classes.contiguous())

        def forward(self, x):
            f = self.body(x)
            boxes = self.anchors + 2.0 * torch.tanh(f[:, 0:4])
            score = torch.sigmoid(f[:, 4:5])
            out = torch.cat([boxes, score, self.classes], dim=1)
            return out.reshape(1, 6, -1).transpose(1, 2)

    torch.manual_seed(20251130)
    heatmap = Heatmap().eval()
    torch.manual_seed(20251131)
    boxes = Boxes(*BOXES_SIZE).eval()
    return [("heatmap", heatmap, HEATMAP_SIZE), ("boxes", boxes, BOXES_SIZE)]


def export(module, size):
    import torch

    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (torch.zeros(1, 3, *size),),
            buf,
            dynamo=False,
            opset_version=17,
            input_names=["input"],
            output_names=["output"],
            do_constant_folding=True,
        )
    data = buf.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
    return data


def cmd_models(_args):
    import torch

    for name, module, size in tiny_models():
        data = export(module, size)
        path = os.path.join(DETECT_MODELS, name, "model.onnx")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        # The export must agree with PyTorch.
        x = np.random.default_rng(0).random((1, 3, *size), dtype=np.float32)
        with torch.no_grad():
            expected = module(torch.from_numpy(x)).numpy()
        got = ort_session(data).run(None, {"input": x})[0]
        err = float(np.abs(got - expected).max())
        assert err < 1e-5, (name, err)
        ops = sorted({n.op_type for n in onnx.load_from_string(data).graph.node})
        print(
            f"wrote {os.path.relpath(path, ROOT)}: {len(data)} bytes, output {list(got.shape)}, "
            f"ops {', '.join(ops)}, max|ORT − torch| {err:.1e}"
        )


# --------------------------------------------------------------------------------------------
# The cases (grids)

# name, model (path from the repository root), input size [H, W] or None (declared), background,
# stimulus, stimulus size, stride, score, normalisation.
CASES = [
    # 64×64, stride 8 divides 64 − 16: the last row and column touch the bottom and right.
    dict(name="resnet18_grey_disk_class", model="tests/onnx/models/resnet18/model.onnx",
         size=[64, 64], background="grey", stimulus="disk", stimulus_size=16, stride=8,
         score="class:616", normalization="imagenet"),
    # Not square; 7 divides 48 − 20 = 28 (rows touch the bottom) but not 64 − 20 = 44.
    dict(name="resnet18_noise_traffic_logit", model="tests/onnx/models/resnet18/model.onnx",
         size=[48, 64], background="noise:7", stimulus="traffic-light", stimulus_size=20,
         stride=7, score="logit:3", normalization="none"),
    # A seed above 2^32; 9 does not divide 56 − 10 = 46.
    dict(name="mobilenet_v2_noise_square_class", model="tests/onnx/models/mobilenet_v2/model.onnx",
         size=[56, 56], background="noise:12345678901234", stimulus="square", stimulus_size=10,
         stride=9, score="class:7", normalization="imagenet"),
    # The heatmap model at another size than its declared 48×48: h/H = 10/40, w/W = 14/56;
    # an odd stimulus (11) and stride 5 dividing 56 − 11 = 45 but not 40 − 11 = 29.
    dict(name="heatmap_noise_disk", model="tests/onnx/detect/heatmap/model.onnx",
         size=[40, 56], background="noise:3", stimulus="disk", stimulus_size=11, stride=5,
         score="heatmap:2", normalization="imagenet"),
    # Boxes at the declared 48×48 (the anchors are fixed): stride 4 divides 48 − 12.
    dict(name="boxes_grey_traffic", model="tests/onnx/detect/boxes/model.onnx",
         size=None, background="grey", stimulus="traffic-light", stimulus_size=12, stride=4,
         score="boxes:1@0.5", normalization="none"),
    dict(name="boxes_noise_square", model="tests/onnx/detect/boxes/model.onnx",
         size=[48, 48], background="noise:11", stimulus="square", stimulus_size=12, stride=6,
         score="boxes:2@0.6", normalization="imagenet"),
]


SCENE_KEYS = ("background", "stimulus", "stimulus_size", "stride", "score", "normalization")


def versions():
    return {"onnx": onnx.__version__, "onnxruntime": ort.__version__, "numpy": np.__version__}


def run_case(case):
    model = onnx.load(os.path.join(ROOT, case["model"]))
    h, w = case["size"] or declared_size(model)
    session = ort_session(at_size(model, h, w))
    name = session.get_inputs()[0].name
    s, g = case["stimulus_size"], case["stride"]
    bg = background(case["background"], h, w)
    rgb, alpha = stimulus(case["stimulus"], s)
    rows, cols, corners = placements(h, w, s, g)
    grid = np.zeros(rows * cols, dtype=np.float64)
    margin = Margin()
    for index, (y0, x0) in enumerate(corners):
        x = normalise(composite(bg, rgb, alpha, y0, x0), case["normalization"])[None]
        outputs = session.run(None, {name: np.ascontiguousarray(x, dtype=np.float32)})
        grid[index] = evaluate(case["score"], outputs, y0, x0, s, h, w, margin)
    if case["score"].startswith("boxes"):
        if margin.value < 1e-3:
            sys.exit(
                f"{case['name']}: a box's IoU is within {margin.value:.1e} of τ; change the case"
            )
    return [h, w], grid.reshape(rows, cols), margin.value


def npy_bytes(array):
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array, dtype="<f8"), allow_pickle=False)
    return buf.getvalue()


def cmd_grids(_args):
    os.makedirs(GOLDEN, exist_ok=True)
    listed = []
    total = 0
    for case in CASES:
        size, grid, margin = run_case(case)
        file = case["name"] + ".npy"
        data = npy_bytes(grid)
        with open(os.path.join(GOLDEN, file), "wb") as f:
            f.write(data)
        total += len(data)
        entry = dict(
            name=case["name"],
            model=case["model"],
            size=size,
            padding="model",
            **{k: case[k] for k in SCENE_KEYS},
            grid=list(grid.shape),
            file=file,
        )
        listed.append(entry)
        extra = f", min |IoU − τ| {margin:.3f}" if np.isfinite(margin) else ""
        print(
            f"wrote tests/golden/detect/{file}: {grid.shape[0]}×{grid.shape[1]} grid, "
            f"{len(data)} bytes, scores {grid.min():.6g} … {grid.max():.6g}{extra}"
        )
    doc = {
        "about": "Stimulus-detectability grids (definitions.md §5) by ONNX Runtime, one full run "
        "per placement; made by tools/detect_goldens.py grids, checked by tests/detect_golden.rs.",
        "versions": versions(),
        "cases": listed,
    }
    # One line per case.
    head = json.dumps({k: doc[k] for k in ("about", "versions")}, indent=2, ensure_ascii=False)
    lines = ",\n".join("    " + json.dumps(c, ensure_ascii=False) for c in listed)
    text = head[:-2] + ',\n  "cases": [\n' + lines + "\n  ]\n}\n"
    assert json.loads(text) == doc
    with open(os.path.join(GOLDEN, "cases.json"), "w", encoding="utf-8") as f:
        f.write(text)
    total += len(text.encode())
    print(f"wrote tests/golden/detect/cases.json: {len(listed)} cases; {total} bytes in all")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("models", help="tests/onnx/detect/<name>/model.onnx").set_defaults(
        run=cmd_models
    )
    sub.add_parser("grids", help="tests/golden/detect/").set_defaults(run=cmd_grids)
    sub.add_parser("all", help="models, then grids (the default)").set_defaults(
        run=lambda a: (cmd_models(a), cmd_grids(a))
    )
    args = parser.parse_args()
    if args.command is None:
        args.command = "all"
        args.run = lambda a: (cmd_models(a), cmd_grids(a))
    print(", ".join(f"{k} {v}" for k, v in versions().items()), file=sys.stderr)
    args.run(args)


if __name__ == "__main__":
    main()
