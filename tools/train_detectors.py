"""Trains padlens' demo traffic-light detectors (DETECTORS.md): three CenterNet-style
detectors, identical except for their padding, on procedurally drawn street scenes, exported to
ONNX with a JSON model card each under www/models/.

    tools/.venv/bin/python tools/train_detectors.py            # all three, about 40 minutes
    tools/.venv/bin/python tools/train_detectors.py --quick    # a smoke run to tools/.cache

Variants (the paper's experiment, claim 4):
- detector-zeros-224: zero padding at 224×224, where every stride-2 layer reads only its
  top/left padding (uneven, definitions.md §1);
- detector-mirror-224: mirror padding at 224×224. Mirror is `symmetric` (definitions.md §2);
  with the 1-pixel pads of 3×3 convolutions symmetric and `replicate` pad the same values, and
  PyTorch spells it `padding_mode="replicate"`, exported as ONNX `Pad` (mode `edge`);
- detector-zeros-225: zero padding at 225×225, where every stride-2 layer reads both sides.

Everything random is seeded; the three variants see the same scenes in the same order and
start from the same weights. The CPU kernels PyTorch uses are deterministic for a fixed thread
count, so a rerun on the same machine gives the same weights.
"""

import argparse
import json
import math
import pathlib
import platform
import time

import numpy as np
import onnx
import onnx.numpy_helper
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ROOT / "www" / "models"
TEST_DATA = ROOT / "tests" / "onnx" / "detectors"

# Scenes are drawn at 225×225; the 224 variants see the top-left 224×224 of the same scenes.
SCENE_SIZE = 225
# Three stride-2 layers: a heatmap cell per 8×8 input pixels.
OUTPUT_STRIDE = 8
# A placement or a held-out light counts as detected from this heatmap score up.
THRESHOLD = 0.5

VARIANTS = [
    {"name": "detector-zeros-224", "padding": "zeros", "size": 224,
     "label": "Traffic-light detector, zero padding, 224 (trained)"},
    {"name": "detector-mirror-224", "padding": "replicate", "size": 224,
     "label": "Traffic-light detector, mirror padding, 224 (trained)"},
    {"name": "detector-zeros-225", "padding": "zeros", "size": 225,
     "label": "Traffic-light detector, zero padding, 225 (trained)"},
]

LAMP_COLOURS = np.array([[0.95, 0.1, 0.1], [1.0, 0.75, 0.0], [0.1, 0.85, 0.3]], np.float32)


# --- Scenes ------------------------------------------------------------------------------

def coverage(y0, x0, y1, x1, inside, size):
    """Anti-aliased coverage of a shape inside the box [y0, y1) × [x0, x1): the share of each
    pixel's 4×4 sub-samples for which `inside(Y, X)` holds (as definitions.md §5 draws
    stimuli). Returns the pixel window and the coverage, or None when it misses the image."""
    r0, r1 = max(0, math.floor(y0)), min(size, math.ceil(y1))
    c0, c1 = max(0, math.floor(x0)), min(size, math.ceil(x1))
    if r0 >= r1 or c0 >= c1:
        return None
    sub = (np.arange(4) + 0.5) / 4
    ys = (np.arange(r0, r1)[:, None] + sub[None, :]).reshape(-1, 1)
    xs = (np.arange(c0, c1)[:, None] + sub[None, :]).reshape(1, -1)
    alpha = inside(ys, xs).reshape(r1 - r0, 4, c1 - c0, 4).mean(axis=(1, 3))
    return r0, r1, c0, c1, alpha.astype(np.float32)


def paint(img, y0, x0, y1, x1, inside, colour):
    cover = coverage(y0, x0, y1, x1, inside, img.shape[0])
    if cover is None:
        return
    r0, r1, c0, c1, alpha = cover
    a = alpha[..., None]
    img[r0:r1, c0:c1] = a * np.asarray(colour, np.float32) + (1 - a) * img[r0:r1, c0:c1]


def rect(img, y0, x0, y1, x1, colour):
    paint(img, y0, x0, y1, x1, lambda y, x: (y >= y0) & (y <= y1) & (x >= x0) & (x <= x1),
          colour)


def disk(img, cy, cx, r, colour):
    paint(img, cy - r, cx - r, cy + r, cx + r,
          lambda y, x: (y - cy) ** 2 + (x - cx) ** 2 <= r * r, colour)


def rounded_rect(img, y0, x0, y1, x1, radius, colour):
    cy, cx, hh, hw = (y0 + y1) / 2, (x0 + x1) / 2, (y1 - y0) / 2, (x1 - x0) / 2

    def inside(y, x):
        qy = np.maximum(np.abs(y - cy) - (hh - radius), 0)
        qx = np.maximum(np.abs(x - cx) - (hw - radius), 0)
        return (np.abs(y - cy) <= hh) & (np.abs(x - cx) <= hw) & (qy ** 2 + qx ** 2 <= radius ** 2)

    paint(img, y0, x0, y1, x1, inside, colour)


def traffic_light(img, rng, y0, x0, h, w):
    """A dark housing with three lamps (red, amber, green from the top): one lit, or (a
    quarter of the time) all three, as padlens' `traffic-light` stimulus draws them."""
    housing = np.full(3, rng.uniform(0.04, 0.22), np.float32) + rng.uniform(-0.02, 0.02, 3)
    rounded_rect(img, y0, x0, y0 + h, x0 + w, 0.08 * h, np.clip(housing, 0, 1))
    all_lit = rng.random() < 0.25
    lit = rng.integers(3)
    radius = h * rng.uniform(0.12, 0.15)
    for lamp, at in enumerate((0.2, 0.5, 0.8)):
        colour = LAMP_COLOURS[lamp] * rng.uniform(0.85, 1.05)
        if not (all_lit or lamp == lit):
            colour = colour * rng.uniform(0.12, 0.3) + housing * 0.5
        disk(img, y0 + at * h, x0 + w / 2, radius, np.clip(colour, 0, 1))


def random_colour(rng, low=0.0, high=1.0):
    return rng.uniform(low, high, 3).astype(np.float32)


def background(rng, size):
    """Sky, façades with windows, a road with markings, poles, signs and cars."""
    img = np.empty((size, size, 3), np.float32)
    horizon = rng.uniform(0.25, 0.65) * size
    kind = rng.integers(3)
    top = [np.array([0.3, 0.5, 0.85]), np.array([0.7, 0.72, 0.75]),
           np.array([0.85, 0.55, 0.4])][kind] + rng.uniform(-0.1, 0.1, 3)
    bottom = np.clip(top + rng.uniform(0.05, 0.25), 0, 1)
    t = np.linspace(0, 1, size, dtype=np.float32)[:, None, None]
    img[:] = np.clip(top * (1 - t) + bottom * t, 0, 1)
    for _ in range(rng.integers(2, 7)):
        x0 = rng.uniform(-0.2, 1.0) * size
        x1 = x0 + rng.uniform(0.15, 0.6) * size
        y0 = rng.uniform(0.0, 0.9) * horizon
        wall = random_colour(rng, 0.15, 0.85)
        rect(img, y0, x0, size, x1, wall)
        window = np.clip(wall * rng.uniform(0.3, 1.6), 0, 1)
        gap, pane = rng.uniform(6, 16), rng.uniform(0.3, 0.7)
        for wy in np.arange(y0 + gap / 2, horizon + 10, gap):
            for wx in np.arange(x0 + gap / 2, x1 - gap / 2, gap):
                rect(img, wy, wx, wy + gap * pane, wx + gap * pane, window)
    road_top = horizon + rng.uniform(0.0, 0.25) * size
    rect(img, road_top, -1, size + 1, size + 1, np.full(3, rng.uniform(0.18, 0.4), np.float32))
    marking = np.array([1.0, 1.0, 1.0]) if rng.random() < 0.6 else np.array([0.95, 0.8, 0.2])
    lane_y = rng.uniform(road_top, size)
    for x in np.arange(rng.uniform(-20, 0), size, rng.uniform(20, 40)):
        rect(img, lane_y, x, lane_y + rng.uniform(1, 3), x + rng.uniform(8, 18), marking)
    for _ in range(rng.integers(0, 5)):  # poles
        x = rng.uniform(0, size)
        rect(img, rng.uniform(0, horizon), x, size, x + rng.uniform(1, 4),
             np.full(3, rng.uniform(0.1, 0.5), np.float32))
    for _ in range(rng.integers(0, 4)):  # cars
        y = rng.uniform(road_top - 10, size)
        x, w = rng.uniform(-20, size), rng.uniform(20, 60)
        rounded_rect(img, y, x, y + w * rng.uniform(0.35, 0.6), x + w, 4, random_colour(rng))
    return img


def distractors(img, rng, size):
    """Small coloured shapes a detector must not take for traffic lights: bare red, amber and
    green disks, dark boxes without lamps, signs."""
    for _ in range(rng.integers(2, 9)):
        y, x = rng.uniform(-4, size), rng.uniform(-4, size)
        kind = rng.integers(4)
        if kind == 0:
            disk(img, y, x, rng.uniform(1.5, 5), LAMP_COLOURS[rng.integers(3)] * rng.uniform(0.7, 1))
        elif kind == 1:
            h = rng.uniform(8, 28)
            rounded_rect(img, y, x, y + h, x + h * rng.uniform(0.3, 0.5), 0.08 * h,
                         np.full(3, rng.uniform(0.04, 0.22), np.float32))
        elif kind == 2:
            s = rng.uniform(5, 16)
            rect(img, y, x, y + s * rng.uniform(0.5, 1.5), x + s, random_colour(rng))
        else:
            r = rng.uniform(3, 8)
            disk(img, y, x, r, random_colour(rng))
            disk(img, y, x, r * 0.7, random_colour(rng))


def overlaps(box, boxes, margin=2):
    x0, y0, x1, y1 = box
    return any(x0 < b[2] + margin and b[0] < x1 + margin and y0 < b[3] + margin
               and b[1] < y1 + margin for b in boxes)


def scene(rng, size, with_lights=True):
    """One street scene: RGB f32 in [0, 1] (H×W×3) and its traffic lights' boxes, x0 y0 x1 y1
    in pixels. 0–4 lights, 8–28 px tall, anywhere including the borders and corners (a third
    are pushed against a border), a fifth partly occluded."""
    img = background(rng, size)
    distractors(img, rng, size)
    boxes = []
    for _ in range(rng.integers(0, 5) if with_lights else 0):
        for _attempt in range(10):
            h = rng.uniform(8, 28)
            w = h * rng.uniform(0.36, 0.44)
            y0, x0 = rng.uniform(0, size - h), rng.uniform(0, size - w)
            if rng.random() < 1 / 3:  # against a border, or two: a corner
                if rng.random() < 0.5:
                    x0 = 0.0 if rng.random() < 0.5 else size - w
                if rng.random() < 0.5:
                    y0 = 0.0 if rng.random() < 0.5 else size - h
            box = (x0, y0, x0 + w, y0 + h)
            if not overlaps(box, boxes):
                break
        else:
            continue
        traffic_light(img, rng, y0, x0, h, w)
        if rng.random() < 0.2:  # an occluder across one side of the light
            side = rng.integers(4)
            cut = rng.uniform(0.2, 0.5)
            colour = random_colour(rng, 0.1, 0.9)
            if side == 0:
                rect(img, y0 - 2, x0 - 2, y0 + cut * h, x0 + w + 2, colour)
            elif side == 1:
                rect(img, y0 + (1 - cut) * h, x0 - 2, y0 + h + 2, x0 + w + 2, colour)
            elif side == 2:
                rect(img, y0 - 2, x0 - 2, y0 + h + 2, x0 + cut * w, colour)
            else:
                rect(img, y0 - 2, x0 + (1 - cut) * w, y0 + h + 2, x0 + w + 2, colour)
        boxes.append(box)
    noise = rng.uniform(0.0, 0.04)
    img += rng.normal(0, noise, img.shape).astype(np.float32)
    img *= np.float32(rng.uniform(0.75, 1.15))
    return np.clip(img, 0, 1), boxes


def scenes(count, seed):
    """`count` scenes as uint8 (N×225×225×3; the models read them as value/255) and boxes."""
    rng = np.random.default_rng(seed)
    images = np.empty((count, SCENE_SIZE, SCENE_SIZE, 3), np.uint8)
    boxes = []
    for i in range(count):
        img, b = scene(rng, SCENE_SIZE)
        images[i] = np.round(img * 255).astype(np.uint8)
        boxes.append(b)
    return images, boxes


# --- The detector --------------------------------------------------------------------------

def cells(size):
    """Heatmap cells per axis: three stride-2 3×3 convolutions with 1-pixel pads."""
    for _ in range(3):
        size = (size - 1) // 2 + 1
    return size


class Detector(nn.Module):
    """CenterNet-style: a backbone of 3×3 convolutions (three of stride 2, 1-pixel pads, so
    224 is uneven and 225 even), a heatmap of traffic-light centres per 8×8 cell, and per cell
    the distances from the cell's centre to the box's four sides (as FCOS predicts boxes, so
    that a box is the cell's centre plus one 1×1 conv: no product or difference of two maps,
    which padlens' projection cannot take, definitions.md §8). The receptive field is 79 px."""

    def __init__(self, padding_mode):
        super().__init__()

        def block(cin, cout, stride):
            return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False, padding_mode=padding_mode),
                    nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

        layers = block(3, 16, 2) + block(16, 32, 2) + block(32, 48, 2)
        for _ in range(4):
            layers += block(48, 48, 1)
        self.features = nn.Sequential(*layers)
        self.heatmap = nn.Conv2d(48, 1, 1)
        self.sides = nn.Conv2d(48, 4, 1)
        nn.init.constant_(self.heatmap.bias, -2.19)  # a prior of 0.1 (CenterNet)

    def forward(self, x):
        f = self.features(x)
        return self.heatmap(f), self.sides(f)


class Exported(nn.Module):
    """The ONNX graph: `heatmap` [1, 1, h, w] (sigmoid) and `boxes` [1, h·w, 6], one box per
    cell, `x1 y1 x2 y2 score class` in input pixels (padlens' `boxes:K@τ`, definitions.md §5).
    Cell (i, j) sits at pixel (8i, 8j): the centre of its receptive field, as the stride-2
    windows with 1-pixel pads are centred on even pixels. Both outputs are read from one
    channel concatenation (the two heads' join), so that the model has one last feature map
    for padlens' projection (definitions.md §8)."""

    def __init__(self, detector, size):
        super().__init__()
        # The detector's own modules, not the detector: the ONNX nodes keep their names
        # (`features.0`, `heatmap`), which padlens shows.
        self.features, self.heatmap, self.sides = detector.features, detector.heatmap, detector.sides
        n = cells(size)
        grid = torch.arange(n, dtype=torch.float32) * OUTPUT_STRIDE + 0.5
        x, y = grid.view(1, n).expand(n, n), grid.view(n, 1).expand(n, n)
        self.register_buffer("centres", torch.stack([x, y, x, y]).unsqueeze(0).contiguous())
        # Left and top sides lie before the centre, right and bottom after it.
        self.register_buffer("signs", torch.tensor([-1.0, -1.0, 1.0, 1.0]).view(1, 4, 1, 1)
                             * OUTPUT_STRIDE)
        self.register_buffer("classes", torch.zeros(1, 1, n, n))

    def forward(self, x):
        f = self.features(x)
        logits, sides = self.heatmap(f), self.sides(f)
        corners = self.centres + sides * self.signs
        joined = torch.cat([corners, torch.sigmoid(logits), self.classes], 1)
        return joined[:, 4:5], joined.reshape(1, 6, -1).transpose(1, 2)


def targets(boxes_per_image, size):
    """CenterNet targets: a Gaussian heatmap peaking at 1 on each light's centre cell, and at
    those cells the distances from the cell's centre to the box's left, top, right and bottom
    sides (in cells)."""
    n = cells(size)
    count = len(boxes_per_image)
    heat = np.zeros((count, 1, n, n), np.float32)
    index = np.zeros((count, 4), np.int64)
    regression = np.zeros((count, 4, 4), np.float32)
    mask = np.zeros((count, 4), np.float32)
    ys, xs = np.mgrid[0:n, 0:n]
    for i, boxes in enumerate(boxes_per_image):
        for k, (x0, y0, x1, y1) in enumerate(boxes):
            x1, y1 = min(x1, size), min(y1, size)
            cx, cy = (x0 + x1) / 2 - 0.5, (y0 + y1) / 2 - 0.5
            cj = int(np.clip(round(cx / OUTPUT_STRIDE), 0, n - 1))
            ci = int(np.clip(round(cy / OUTPUT_STRIDE), 0, n - 1))
            sigma = max(0.6, (y1 - y0) / OUTPUT_STRIDE / 3)
            g = np.exp(-((xs - cj) ** 2 + (ys - ci) ** 2) / (2 * sigma ** 2))
            heat[i, 0] = np.maximum(heat[i, 0], g)
            index[i, k] = ci * n + cj
            # The cell's centre in pixel coordinates (a pixel's centre is at +0.5).
            centre_x, centre_y = cj * OUTPUT_STRIDE + 0.5, ci * OUTPUT_STRIDE + 0.5
            regression[i, k] = [(centre_x - x0) / OUTPUT_STRIDE, (centre_y - y0) / OUTPUT_STRIDE,
                                (x1 - centre_x) / OUTPUT_STRIDE, (y1 - centre_y) / OUTPUT_STRIDE]
            mask[i, k] = 1
    return heat, index, regression, mask


def loss(outputs, heat, index, regression, mask):
    logits, sides = outputs
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    positive = heat.eq(1).float()
    focal = (torch.log(p) * (1 - p) ** 2 * positive
             + torch.log(1 - p) * p ** 2 * (1 - heat) ** 4 * (1 - positive))
    objects = mask.sum().clamp(min=1)
    heat_loss = -focal.sum() / objects
    predicted = sides.flatten(2)  # B × 4 × cells
    gathered = predicted.gather(2, index.unsqueeze(1).expand(-1, 4, -1)).transpose(1, 2)
    regression_loss = ((gathered - regression).abs().sum(2) * mask).sum() / objects
    return heat_loss + regression_loss


def crop(images, size):
    return images[:, :size, :size]


def to_input(images_u8):
    return torch.from_numpy(images_u8).permute(0, 3, 1, 2).float().div(255)


def train(variant, images, boxes, args, seed):
    """Trains one variant from initial weights and a batch order drawn from `seed`."""
    size = variant["size"]
    torch.manual_seed(seed)
    model = Detector(variant["padding"])
    heat, index, regression, mask = (torch.from_numpy(a) for a in targets(
        [[(x0, y0, min(x1, size), min(y1, size)) for x0, y0, x1, y1 in b] for b in boxes], size))
    data = crop(images, size)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    warmup = min(300, args.steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1, (s + 1) / warmup)
                                                 * 0.5 * (1 + math.cos(math.pi * s / args.steps)))
    order = np.random.default_rng(seed + 1)
    started = time.time()
    model.train()
    for step in range(args.steps):
        batch = order.integers(0, len(data), args.batch)
        if order.random() < 0.5:  # a mirrored scene is a scene too
            x = to_input(data[batch]).flip(3)
            flipped = [[(size - x1, y0, size - x0, y1) for x0, y0, x1, y1 in boxes[b]]
                       for b in batch]
            h, i, r, m = (torch.from_numpy(a) for a in targets(flipped, size))
        else:
            x = to_input(data[batch])
            h, i, r, m = heat[batch], index[batch], regression[batch], mask[batch]
        value = loss(model(x), h, i, r, m)
        optimiser.zero_grad()
        value.backward()
        optimiser.step()
        schedule.step()
        if step % 100 == 0 or step == args.steps - 1:
            print(f"  {variant['name']} step {step}/{args.steps} loss {value.item():.4f} "
                  f"({time.time() - started:.0f} s)", flush=True)
    model.eval()
    return model, time.time() - started


# --- Evaluation ----------------------------------------------------------------------------

def detections(heatmap, boxes, top=50, floor=0.01):
    """CenterNet decoding of one image: the heatmap's local maxima (3×3) scoring ≥ `floor`,
    the best `top`, each with its cell's box. `boxes` is the model's [h·w, 6] output."""
    h = torch.from_numpy(heatmap)
    peaks = (h == F.max_pool2d(h, 3, 1, 1)) & (h >= floor)
    flat = np.flatnonzero(peaks.numpy().reshape(-1))
    scores = heatmap.reshape(-1)[flat]
    keep = flat[np.argsort(-scores, kind="stable")[:top]]
    return boxes[keep, :5]


def iou(box, others):
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda b: np.clip(b[..., 2] - b[..., 0], 0, None) * np.clip(b[..., 3] - b[..., 1], 0, None)
    return inter / np.maximum(area(box) + area(others) - inter, 1e-12)


def average_precision(dets, truths, threshold):
    """VOC all-point average precision: detections of all images sorted by score, each matched
    greedily to the unmatched ground-truth box it overlaps most (IoU ≥ `threshold`)."""
    flat = [(d[4], image, d[:4]) for image, ds in enumerate(dets) for d in ds]
    flat.sort(key=lambda t: -t[0])
    used = [np.zeros(len(t), bool) for t in truths]
    total = sum(len(t) for t in truths)
    tp = np.zeros(len(flat))
    for k, (_, image, box) in enumerate(flat):
        gt = truths[image]
        if len(gt) == 0:
            continue
        overlap = iou(box, gt)
        overlap[used[image]] = -1
        best = int(np.argmax(overlap))
        if overlap[best] >= threshold:
            used[image][best] = True
            tp[k] = 1
    recall = np.cumsum(tp) / max(total, 1)
    precision = np.cumsum(tp) / np.arange(1, len(flat) + 1)
    recall = np.concatenate([[0], recall, [1]])
    precision = np.concatenate([[0], precision, [0]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    changes = np.flatnonzero(recall[1:] != recall[:-1])
    return float(np.sum((recall[changes + 1] - recall[changes]) * precision[changes + 1]))


def detection_rate(dets, truths, threshold=0.5):
    """The share of held-out lights with a detection scoring ≥ THRESHOLD at IoU ≥ threshold."""
    found = total = 0
    for ds, gt in zip(dets, truths):
        total += len(gt)
        confident = np.array([d[:4] for d in ds if d[4] >= THRESHOLD]).reshape(-1, 4)
        for box in gt:
            found += bool(len(confident)) and iou(np.asarray(box), confident).max() >= threshold
    return found / max(total, 1)


def evaluate(session, images, boxes, size):
    data = crop(images, size)
    truths = [np.array([(x0, y0, min(x1, size), min(y1, size)) for x0, y0, x1, y1 in b],
                       np.float32).reshape(-1, 4) for b in boxes]
    dets = []
    for img in data:
        x = to_input(img[None]).numpy()
        heatmap, box_rows = session.run(None, {"image": x})
        dets.append(detections(heatmap, box_rows[0]))
    return {
        "ap20": average_precision(dets, truths, 0.2),
        "ap50": average_precision(dets, truths, 0.5),
        "ap75": average_precision(dets, truths, 0.75),
        "detection_rate": detection_rate(dets, truths),
        "lights": int(sum(len(t) for t in truths)),
        "scenes": len(truths),
    }


# --- Export --------------------------------------------------------------------------------

def export(model, size, path):
    wrapped = Exported(model, size).eval()
    example = torch.zeros(1, 3, size, size)
    torch.onnx.export(wrapped, (example,), str(path), input_names=["image"],
                      output_names=["heatmap", "boxes"], opset_version=17, dynamo=False,
                      do_constant_folding=True)
    constant_pads(path)
    return wrapped


def constant_pads(path):
    """Gives each Pad its amounts as one constant. The TorchScript exporter computes a
    `padding_mode="replicate"` conv's Pad amounts from torch's order with a chain of about 15
    nodes (Constant, ConstantOfShape, Concat, Reshape, Slice with step -1, Transpose, Cast)
    that its constant folding skips; padlens folds such a chain too (definitions.md §8), but
    the same numbers, stored, make a smaller graph of Pad and Conv pairs that any engine and
    any reader takes in at a glance."""
    model = onnx.load(str(path))
    graph = model.graph
    for node in graph.node:
        if node.op_type == "Pad":
            name = f"{node.name or node.output[0]}_pads"
            graph.initializer.append(onnx.numpy_helper.from_array(
                np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), name))
            node.input[1] = name
    needed = {o.name for o in graph.output}
    kept = []
    for node in reversed(graph.node):  # the nodes are in execution order
        if any(o in needed for o in node.output):
            kept.append(node)
            needed.update(node.input)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def card(variant, path, metrics, seconds, runs, args):
    size, n = variant["size"], cells(variant["size"])
    mirror = variant["padding"] == "replicate"
    return {
        "name": variant["name"],
        "file": path.name,
        "label": variant["label"],
        "task": "detects traffic lights (a dark housing with red, amber and green lamps, 8–28 px "
                "tall) in street scenes",
        "input": {"name": "image", "shape": [1, 3, size, size], "range": [0, 1],
                  "normalization": "none", "channels": "RGB"},
        "padding": {
            "mode": "symmetric" if mirror else "zeros",
            "onnx": ("each 3×3 convolution reads an ONNX Pad (mode edge, 1 pixel): with 1-pixel "
                     "pads, symmetric mirror padding and edge/replicate pad the same values"
                     if mirror else "each 3×3 convolution's own pads (1 pixel of zeros)"),
            "even": size % 2 == 1,
            "why": ("at 225 every stride-2 layer's input is odd, so its windows read the padding "
                    "on both sides" if size % 2 else
                    "at 224 every stride-2 layer's input is even, so its windows read the top and "
                    "left padding and never the bottom and right (definitions.md §1)"),
        },
        "outputs": [
            {"name": "heatmap", "shape": [1, 1, n, n],
             "meaning": "traffic-light centre confidence (sigmoid) per 8×8-pixel cell; cell "
                        "(i, j) is centred on pixel (8i, 8j)",
             "score": "heatmap:0"},
            {"name": "boxes", "shape": [1, n * n, 6],
             "meaning": "one box per heatmap cell, x1 y1 x2 y2 score class in input pixels "
                        "(class 0: traffic light; the score is the cell's heatmap value); no "
                        "non-maximum suppression",
             "score": "boxes:0@0.2"},
        ],
        "detect": {"score": "heatmap:0", "threshold": THRESHOLD, "stimulus": "traffic-light",
                   "note": "The heatmap's largest value under the stimulus: a light counts as "
                           f"detected from {THRESHOLD} up, as in the held-out detection rate."},
        "architecture": "3×3 conv + BN + ReLU: 16 (stride 2), 32 (stride 2), 48 (stride 2), "
                        "4 × 48; then 1×1 convs to the heatmap (1) and the distances from the "
                        "cell's centre to the box's four sides (4), joined by a channel "
                        "concatenation both outputs read. BN folded into the convolutions on "
                        "export.",
        "training": {
            "script": "tools/train_detectors.py",
            "scenes": args.train, "held_out": args.test, "scene_seed": args.seed,
            "held_out_seed": args.seed + 1000, "weight_seed": args.seed,
            "steps": args.steps, "batch": args.batch, "optimizer": "AdamW",
            "learning_rate": args.lr, "schedule": "linear warm-up, cosine decay",
            "loss": "CenterNet focal loss on the heatmap + L1 on the four side distances",
            "augmentation": "horizontal mirror, half the batches",
            "seconds": round(seconds), "threads": torch.get_num_threads(),
            "torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
        },
        "metrics": rounded(metrics),
        "repeats": [rounded(r) for r in runs],
    }


def rounded(metrics):
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in metrics.items()}


def test_data(session, name, size, images, out_dir):
    """The committed check of the engine (tests/onnx_detectors.rs): a held-out scene with
    lights as PNG, `scene-<size>.png` (one per input size, shared), and ONNX Runtime's outputs
    on it, `<name>/heatmap.npy` and `<name>/boxes.npy`."""
    (out_dir / name).mkdir(parents=True, exist_ok=True)
    img = crop(images[:1], size)[0]
    Image.fromarray(img).save(out_dir / f"scene-{size}.png", optimize=True)
    heatmap, boxes = session.run(None, {"image": to_input(img[None]).numpy()})
    np.save(out_dir / name / "heatmap.npy", heatmap.astype(np.float32))
    np.save(out_dir / name / "boxes.npy", boxes.astype(np.float32))


# A card's padding mode in the demo list's words.
PADDING_WORDS = {"zeros": "zero padding", "symmetric": "mirror (symmetric) padding"}


def update_index(out):
    """Lists the cards in `index.json` (the pages' demo list), each entry built from its card,
    after the entries that are not detectors."""
    path = out / "index.json"
    index = json.loads(path.read_text()) if path.exists() else {"models": []}
    kept = [m for m in index["models"] if "card" not in m]
    for variant in VARIANTS:
        card_path = out / f"{variant['name']}.json"
        if not card_path.exists():
            continue
        c = json.loads(card_path.read_text())
        size = (out / c["file"]).stat().st_size
        kept.append({
            "file": c["file"],
            "card": card_path.name,
            "label": c["label"],
            "about": (f"Trained here (tools/train_detectors.py, DETECTORS.md) to find traffic "
                      f"lights in drawn street scenes; {PADDING_WORDS[c['padding']['mode']]} at "
                      f"{c['input']['shape'][2]}×{c['input']['shape'][3]}, "
                      f"{'even' if c['padding']['even'] else 'uneven'}: {c['padding']['why']}. "
                      f"Held-out AP@.5 {100 * c['metrics']['ap50']:.1f} %; "
                      f"{size / 1e6:.1f} MB."),
            "normalization": c["input"]["normalization"],
            "detect": {"score": c["detect"]["score"], "threshold": c["detect"]["threshold"],
                       "background": "street-scene.png", "note": c["detect"]["note"]},
        })
    index["models"] = kept
    index["backgrounds"] = [{
        "file": "street-scene.png",
        "label": "street scene (drawn as the detectors' training scenes, no lights)",
    }]
    path.write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=8000, help="training scenes")
    parser.add_argument("--test", type=int, default=500, help="held-out scenes")
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs per variant from other initial weights (the first is shipped)")
    parser.add_argument("--only", help="train one variant, by name")
    parser.add_argument("--out", type=pathlib.Path,
                        help="write models, cards and test data here instead (a rerun to "
                             "compare with the shipped files)")
    parser.add_argument("--index", action="store_true",
                        help="only rewrite index.json's detector entries from the cards")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run (few scenes and steps) into tools/.cache/detectors")
    args = parser.parse_args()
    if args.quick:
        args.train, args.test, args.steps, args.repeats = 200, 40, 30, 2
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    out = args.out or (ROOT / "tools" / ".cache" / "detectors" if args.quick else MODELS)
    tests = TEST_DATA if out == MODELS else out / "tests"
    out.mkdir(parents=True, exist_ok=True)
    if args.index:
        update_index(out)
        return

    started = time.time()
    images, boxes = scenes(args.train, args.seed)
    test_images, test_boxes = scenes(args.test, args.seed + 1000)
    print(f"{args.train} + {args.test} scenes drawn in {time.time() - started:.0f} s", flush=True)
    # The grids' `scene` background: a held-out street without traffic lights.
    empty, _ = scene(np.random.default_rng(args.seed + 2000), SCENE_SIZE, with_lights=False)
    Image.fromarray(np.round(empty * 255).astype(np.uint8)).save(out / "street-scene.png",
                                                                 optimize=True)

    for variant in VARIANTS:
        if args.only and variant["name"] != args.only:
            continue
        # The first run is the shipped model; the others, from other initial weights and batch
        # orders on the same scenes, measure how much of a difference between variants is
        # training noise.
        runs = []
        for repeat in range(args.repeats):
            seed = args.seed + 100 * repeat
            model, seconds = train(variant, images, boxes, args, seed)
            path = (out / f"{variant['name']}.onnx" if repeat == 0 else
                    ROOT / "tools" / ".cache" / "detectors" / f"{variant['name']}-{seed}.onnx")
            path.parent.mkdir(parents=True, exist_ok=True)
            wrapped = export(model, variant["size"], path)
            session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            with torch.no_grad():  # the export computes what PyTorch computes
                x = to_input(crop(test_images[:2], variant["size"]))
                for k in range(2):
                    theirs = session.run(None, {"image": x[k:k + 1].numpy()})
                    ours = wrapped(x[k:k + 1])
                    for a, b in zip(theirs, ours):
                        assert np.allclose(a, b.numpy(), atol=1e-4), "ONNX export differs"
            metrics = evaluate(session, test_images, test_boxes, variant["size"])
            print(f"{variant['name']} seed {seed}: {json.dumps(metrics)} ({seconds:.0f} s)",
                  flush=True)
            runs.append({"weight_seed": seed, "seconds": round(seconds), **metrics})
            if repeat == 0:
                shipped, shipped_seconds = metrics, seconds
                test_data(session, variant["name"], variant["size"], test_images, tests)
        (out / f"{variant['name']}.json").write_text(json.dumps(
            card(variant, out / f"{variant['name']}.onnx", shipped, shipped_seconds, runs, args),
            indent=2, ensure_ascii=False) + "\n")
    update_index(out)
    print(f"done in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
