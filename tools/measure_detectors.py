"""Measures padlens' trained demo detectors (tools/train_detectors.py) and writes the numbers
and figures of DETECTORS.md: the held-out AP beside the paper's, detectability grids, the shift
experiment, mean filters and mean feature maps.

    tools/.venv/bin/python tools/measure_detectors.py     # about 5 minutes

Everything but the AP (measured by train_detectors.py with ONNX Runtime, read from the model
cards) is computed by padlens' own CLI, built here with cargo: the same numbers the pages
show. DETECTORS.md keeps its hand-written text; this script rewrites what lies between the
`<!-- measured:begin -->` and `<!-- measured:end -->` markers, and the figures in
docs/detectors/.
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ROOT / "www" / "models"
FIGURES = ROOT / "docs" / "detectors"
REPORT = ROOT / "DETECTORS.md"
VARIANTS = ["detector-zeros-224", "detector-mirror-224", "detector-zeros-225"]

# The grids: the slides' small traffic light (16 px in a 224 image), and a smaller one (10 px,
# near the smallest lights the detectors were trained on), every 4 px.
STIMULUS_SIZES = [16, 10]
# 3 px, prime to the heatmap's 8: the placements fall at every position modulo 8 alike. (At a
# stride of 4 they would sample two of the eight phases, and a detector's score depends on the
# phase: see `phases`.)
STRIDE = 3
OUTPUT_STRIDE = 8
BACKGROUNDS = {"grey": "grey", "noise": "noise:7", "scene": str(MODELS / "street-scene.png")}
# How close to a border (in pixels) a placement's box must come to count as "at" that border.
BORDER = 8
MAX_SHIFT = 24

# The paper's Table (Alsallakh et al., ICLR 2021, the slides' "detector AP"): a traffic-light
# detector trained with zero vs mirror padding, AP at IoU .20 / .50 / .75, in %.
PAPER = {"zeros": (80.24, 49.58, 3.7), "mirror": (83.20, 57.0, 8.44)}


def padlens_binary():
    """Builds the CLI (release) and returns its path, from cargo's own report."""
    result = subprocess.run(
        ["cargo", "build", "--release", "--bin", "padlens", "--message-format=json"],
        cwd=ROOT, check=True, capture_output=True, text=True)
    for line in result.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable"):
            if message["target"]["name"] == "padlens":
                return message["executable"]
    sys.exit("cargo built no padlens executable")


def run(binary, *args):
    result = subprocess.run([binary, *args], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"padlens {' '.join(args)}\n{result.stderr}")
    return result.stdout


def card(name):
    return json.loads((MODELS / f"{name}.json").read_text())


def grid(binary, name, background, stimulus, out_dir):
    """The grid as NumPy, and as a figure for the street scene."""
    model = str(MODELS / f"{name}.onnx")
    common = ["detect", "--model", model, "--background", BACKGROUNDS[background],
              "--stimulus", "traffic-light", "--stimulus-size", str(stimulus),
              "--stride", str(STRIDE), "--score", "heatmap:0", "--threshold", "0.5"]
    npy = out_dir / f"{name}-{background}-{stimulus}.npy"
    run(binary, *common, "--format", "npy", "--out", str(npy))
    if background == "scene":
        figure = FIGURES / f"grid-{name}-{stimulus}px.png"
        run(binary, *common, "--format", "png", "--out", str(figure))
    return np.load(npy)


def where(scores, size, stimulus, stride=STRIDE, threshold=0.5):
    """Detection rates of the placements at each border (the box within BORDER px of it), in
    the corners (two borders) and in the interior (none)."""
    rows, cols = scores.shape
    y0 = np.arange(rows)[:, None] * stride + np.zeros((1, cols))
    x0 = np.zeros((rows, 1)) + np.arange(cols)[None, :] * stride
    at = {"top": y0 < BORDER, "bottom": y0 + stimulus > size - BORDER,
          "left": x0 < BORDER, "right": x0 + stimulus > size - BORDER}
    borders = sum(a.astype(int) for a in at.values())
    detected = scores >= threshold
    rate = lambda mask: float(detected[mask].mean()) if mask.any() else float("nan")
    result = {side: rate(mask & (borders == 1)) for side, mask in at.items()}
    result["corners"] = rate(borders >= 2)
    result["interior"] = rate(borders == 0)
    return result


def phases(scores, stimulus, stride=STRIDE, threshold=0.5):
    """The detection rate of the placements grouped by where the light's centre falls within
    an 8×8 heatmap cell (its position modulo the output stride, per axis): the lowest and the
    highest of the 64 groups. Away from the borders a stride-8 network sees a light moved by
    8 px exactly as before, one cell on, so a score that changes with the phase is aliasing,
    not padding."""
    rows, cols = scores.shape
    centre = stimulus / 2
    py = ((np.arange(rows) * stride + centre) // 1 % OUTPUT_STRIDE).astype(int)
    px = ((np.arange(cols) * stride + centre) // 1 % OUTPUT_STRIDE).astype(int)
    detected = scores >= threshold
    rates = [detected[np.ix_(py == a, px == b)].mean()
             for a in range(OUTPUT_STRIDE) for b in range(OUTPUT_STRIDE)
             if (py == a).any() and (px == b).any()]
    return min(rates), max(rates)


def shift(binary, name, background, stimulus, corner, out_dir):
    path = out_dir / "shift.json"
    run(binary, "shift", "--model", str(MODELS / f"{name}.onnx"), "--background",
              BACKGROUNDS[background], "--stimulus", "traffic-light", "--stimulus-size",
              str(stimulus),
              "--score", "heatmap:0", "--threshold", "0.5", "--corner", f"{corner[0]},{corner[1]}",
              "--max-shift", str(MAX_SHIFT), "--format", "json", "--out", str(path))
    return json.loads(path.read_text())


def filters(binary, name):
    return json.loads(run(binary, "filters", "--model", str(MODELS / f"{name}.onnx")))


def feature_lines(binary, name, out_dir):
    """Mean feature maps (definitions.md §6, 16 random inputs): per conv layer, how far the mean
    of its outermost row or column at each border lies from the mean of the interior (rows and
    columns 2 … n−3), as a share of the map's range; 0 is no line. (A ratio of the two means
    is meaningless where the interior's mean is near 0, as in a head's map.) Also the last
    backbone layer's map as a figure."""
    maps_dir = out_dir / f"features-{name}"
    model = str(MODELS / f"{name}.onnx")
    run(binary, "features", "--model", model, "--samples", "16", "--format", "npy",
        "--out", str(maps_dir))
    png_dir = out_dir / f"png-{name}"
    run(binary, "features", "--model", model, "--samples", "16", "--format", "png",
        "--out", str(png_dir))
    layers = []
    for path in sorted(maps_dir.glob("*.npy")):
        m = np.load(path).astype(np.float64)
        inner, spread = m[2:-2, 2:-2].mean(), max(m.max() - m.min(), 1e-12)
        layers.append({
            "layer": path.stem.split("_", 1)[1],
            "size": list(m.shape),
            "top": (m[0].mean() - inner) / spread, "bottom": (m[-1].mean() - inner) / spread,
            "left": (m[:, 0].mean() - inner) / spread, "right": (m[:, -1].mean() - inner) / spread,
        })
    backbone = [p for p in sorted(png_dir.glob("*.png")) if "features" in p.name]
    (FIGURES / f"features-{name}.png").write_bytes(backbone[-1].read_bytes())
    return layers


def pct(v):
    return "–" if v != v else f"{100 * v:.1f} %"


def report(binary):
    FIGURES.mkdir(parents=True, exist_ok=True)
    lines = []
    cards = {name: card(name) for name in VARIANTS}
    out = lambda s="": lines.append(s)

    out("### Held-out AP (ONNX Runtime, the exported models)")
    out()
    first = cards[VARIANTS[0]]["metrics"]
    runs = len(cards[VARIANTS[0]]["repeats"])
    out(f"{first['scenes']} held-out scenes with {first['lights']} traffic lights "
        "(`tools/train_detectors.py`); AP at IoU .20 / .50 / .75 in %, VOC all-point; the "
        "detection rate is the share of lights found with a heatmap score ≥ 0.5 at IoU ≥ .5. "
        f"Each cell: the shipped model, then in brackets the lowest and highest of the {runs} "
        "training runs (other initial weights and batch orders, the same scenes).")
    out()
    out("| model | padding | input | AP@.20 | AP@.50 | AP@.75 | detection rate |")
    out("|---|---|---|---|---|---|---|")
    for name, c in cards.items():
        def cell(key):
            values = [100 * r[key] for r in c["repeats"]]
            return f"{100 * c['metrics'][key]:.1f} ({min(values):.1f}–{max(values):.1f})"
        out(f"| `{name}` | {c['padding']['mode']} | {c['input']['shape'][2]} | "
            f"{cell('ap20')} | {cell('ap50')} | {cell('ap75')} | {cell('detection_rate')} % |")
    for mode, (a, b, c) in PAPER.items():
        out(f"| the paper's detector | {mode} | – | {a} | {b} | {c} | – |")
    out()

    out("### Detectability grids (`padlens detect`)")
    out()
    out(f"A traffic light (`--stimulus traffic-light`) of 16 px (the slides') and of 10 px every "
        f"{STRIDE} px, scored by the heatmap's largest value under it (`heatmap:0`), detected "
        f"from 0.5 up. After the overall rate: the rates of the placements within {BORDER} px of "
        "one border, of two (the corners) and of none (the interior); the lowest and highest "
        "rate over the light's 64 phases (its centre's position modulo the heatmap's 8-px "
        "cells); then the lowest score.")
    out()
    out("| model | light | background | grid | detected | top | bottom | left | right "
        "| corners | interior | by phase | min score |")
    out("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    grids = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for name in VARIANTS:
            size = cards[name]["input"]["shape"][2]
            for stimulus in STIMULUS_SIZES:
                for background in BACKGROUNDS:
                    scores = grid(binary, name, background, stimulus, tmp)
                    grids[name, background, stimulus] = scores
                    w = where(scores, size, stimulus)
                    low, high = phases(scores, stimulus)
                    out(f"| `{name}` | {stimulus} px | {background} | "
                        f"{scores.shape[0]}×{scores.shape[1]} | "
                        f"{pct(float((scores >= 0.5).mean()))} | {pct(w['top'])} | "
                        f"{pct(w['bottom'])} | {pct(w['left'])} | {pct(w['right'])} | "
                        f"{pct(w['corners'])} | {pct(w['interior'])} | "
                        f"{pct(low)} – {pct(high)} | {scores.min():.3f} |")
        out()
        out("Figures: `docs/detectors/grid-<model>-<light>px.png`, the street scene (viridis "
            "over each grid's own range).")
        out()

        out("### The shift experiment (`padlens shift`)")
        out()
        zeros = VARIANTS[0]
        # Its least-detected grid, and that grid's lowest cell.
        background, stimulus = min(
            ((b, s) for b in BACKGROUNDS for s in STIMULUS_SIZES),
            key=lambda k: ((grids[(zeros, *k)] >= 0.5).mean(), grids[(zeros, *k)].min()))
        scores = grids[zeros, background, stimulus]
        i, j = np.unravel_index(np.argmin(scores), scores.shape)
        corner = (int(i) * STRIDE, int(j) * STRIDE)
        curve = shift(binary, zeros, background, stimulus, corner, tmp)
        out(f"`{zeros}`'s worst blind spot: the lowest cell of its least-detected grid "
            f"({stimulus}-px light, {background} background), corner {corner[0]},{corner[1]}, score "
            f"{scores[i, j]:.3f}. The whole image shifted by 0 … {MAX_SHIFT} px, circularly "
            "(definitions.md §5), each direction as far as the light stays inside:")
        out()
        out("| direction | shifts run | detected (≥ 0.5) | score range |")
        out("|---|---|---|---|")
        for series in curve["directions"]:
            s = series["scores"][1:]
            if not s:
                out(f"| {series['direction']} | 0 | – | – |")
                continue
            hit = sum(v >= 0.5 for v in s)
            out(f"| {series['direction']} | {len(s)} | {hit} ({pct(hit / len(s))}) | "
                f"{min(s):.3f} … {max(s):.3f} |")
        out()

        out("### Mean 3×3 filters (`padlens filters`)")
        out()
        out("Left ÷ right and top ÷ bottom of the mean |weight| (definitions.md §6; 1 is "
            "balanced). The first three layers have stride 2; the 1×1 heads have no "
            "3×3 filter.")
        out()
        out("| layer | " + " | ".join(f"`{n}` L÷R | T÷B" for n in VARIANTS) + " |")
        out("|---|" + "---|---|" * len(VARIANTS))
        per_model = {n: {f["layer"]: f for f in filters(binary, n)} for n in VARIANTS}
        for layer in per_model[VARIANTS[0]]:
            cells = []
            for n in VARIANTS:
                f = per_model[n].get(layer)
                cells += [f"{f['left_right']:.3f}", f"{f['top_bottom']:.3f}"] if f else ["–", "–"]
            out(f"| `{layer}` | " + " | ".join(cells) + " |")
        out()

        out("### Mean feature maps (`padlens features`, 16 random inputs)")
        out()
        out("How far each conv layer's outermost row or column lies from its interior, as a "
            "share of the map's range (0: no line; below 0 a dark line, above a bright one), "
            "top / bottom / left / right.")
        out()
        out("| layer | size | " + " | ".join(f"`{n}`" for n in VARIANTS) + " |")
        out("|---|---|" + "---|" * len(VARIANTS))
        lines_per_model = {n: feature_lines(binary, n, tmp) for n in VARIANTS}
        for k, layer in enumerate(lines_per_model[VARIANTS[0]]):
            cells = []
            for n in VARIANTS:
                l = lines_per_model[n][k]
                cells.append(" / ".join(f"{100 * l[k]:+.0f} %"
                                        for k in ("top", "bottom", "left", "right")))
            size = "×".join(map(str, layer["size"]))
            out(f"| `{layer['layer']}` | {size} | " + " | ".join(cells) + " |")
        out()
        out("Figures: `docs/detectors/features-<model>.png`, the last backbone layer's mean map.")
    return "\n".join(lines)


def main():
    global MODELS, FIGURES, REPORT
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=pathlib.Path, default=MODELS,
                        help="the detectors and their cards (train_detectors.py --quick writes "
                             "tools/.cache/detectors)")
    parser.add_argument("--report", type=pathlib.Path, default=REPORT)
    parser.add_argument("--figures", type=pathlib.Path, default=FIGURES)
    args = parser.parse_args()
    MODELS, FIGURES, REPORT = args.models, args.figures, args.report
    BACKGROUNDS["scene"] = str(MODELS / "street-scene.png")
    binary = padlens_binary()
    measured = report(binary)
    text = REPORT.read_text()
    begin, end = "<!-- measured:begin -->", "<!-- measured:end -->"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    REPORT.write_text(f"{head}{begin}\n{measured}\n{end}{tail}")
    print(measured)


if __name__ == "__main__":
    main()
