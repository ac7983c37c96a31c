#!/usr/bin/env python3
"""ONNX's own backend node tests, for the operators padlens' ONNX engine supports.

    tools/.venv/bin/python tools/onnx_node_tests.py     # tests/onnx/node/

The onnx wheels on PyPI up to 1.21.0 ship the backend conformance cases
(`onnx/backend/test/data/node/test_*/model.onnx` and `test_data_set_*/{input,output}_*.pb`);
later wheels do not. This script downloads the onnx==1.21.0 wheel into tools/.cache/
(gitignored; only when it is not there already) with

    pip download onnx==1.21.0 --no-deps --only-binary=:all:

reads the zip directly (nothing is installed), and selects every case whose graph uses only
operators of SUPPORTED (default domain; subgraphs count too), `_expanded` variants included.
Cases with non-float dtypes, optional/sequence values or training-mode outputs are selected
all the same: the Rust runner decides what to skip and says why.

Each selected case folder is copied byte for byte into `tests/onnx/node/<case>/`, and
`tests/onnx/node/cases.json` describes them: for each case its op types, primary op type,
opset imports, and for every input and output of each data set its graph name, dtype and shape
(read from the .pb files), so that the runner knows which inputs are runtime f32 tensors and
which are int64 index tensors. If the cases together exceed SIZE_BUDGET bytes, the largest
are dropped and listed under "omitted" with the reason "size". The output is deterministic
(sorted, no timestamps; the onnx version is recorded).
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict

import onnx
from onnx import AttributeProto, TensorProto

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "tools", ".cache")
OUT = os.path.join(ROOT, "tests", "onnx", "node")

ONNX_VERSION = "1.21.0"
PREFIX = "onnx/backend/test/data/node/"

# The operators of padlens' ONNX importer (src/onnx), all in the default domain.
SUPPORTED = sorted(
    """Conv BatchNormalization Relu LeakyRelu PRelu Clip Sigmoid HardSigmoid HardSwish Tanh
    Add Sub Mul Div MaxPool AveragePool GlobalAveragePool GlobalMaxPool Concat Flatten Reshape
    Transpose Squeeze Unsqueeze Gemm MatMul Softmax Pad Resize Upsample Shape Gather Slice
    Constant ConstantOfShape Identity Dropout""".split()
)

# Total bytes of the copied case folders above which the largest cases are dropped.
SIZE_BUDGET = 6 * 1000 * 1000


def wheel_path():
    """The onnx 1.21.0 wheel in tools/.cache/, downloaded by pip when missing."""
    pattern = os.path.join(CACHE, f"onnx-{ONNX_VERSION}-*.whl")
    found = sorted(glob.glob(pattern))
    if not found:
        os.makedirs(CACHE, exist_ok=True)
        print(f"downloading onnx=={ONNX_VERSION} into {os.path.relpath(CACHE, ROOT)}/", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", f"onnx=={ONNX_VERSION}",
             "--no-deps", "--only-binary=:all:", "--dest", CACHE],
            check=True,
        )
        found = sorted(glob.glob(pattern))
    if not found:
        sys.exit(f"no wheel matching {pattern} after pip download")
    return found[0]


def graph_ops(graph):
    """(domain, op_type) of every node, subgraphs included."""
    for node in graph.node:
        yield node.domain, node.op_type
        for attr in node.attribute:
            if attr.type == AttributeProto.GRAPH:
                yield from graph_ops(attr.g)
            for sub in attr.graphs:
                yield from graph_ops(sub)


def dtype_name(elem_type):
    return TensorProto.DataType.Name(elem_type)


def describe_value(value_info, data):
    """{"name", "kind", "dtype", "shape"} of one graph input or output, from its .pb bytes.
    `kind` is "tensor", "sequence" or "optional" (the graph's declared type); for a sequence
    `shape` is the list of the element shapes; an empty optional has shape null."""
    name = value_info.name
    which = value_info.type.WhichOneof("value")
    if which == "tensor_type":
        tensor = TensorProto()
        tensor.ParseFromString(data)
        return {
            "name": name,
            "kind": "tensor",
            "dtype": dtype_name(tensor.data_type),
            "shape": list(tensor.dims),
        }
    if which == "sequence_type":
        seq = onnx.SequenceProto()
        seq.ParseFromString(data)
        assert seq.elem_type == onnx.SequenceProto.TENSOR, name
        return {
            "name": name,
            "kind": "sequence",
            "dtype": dtype_name(value_info.type.sequence_type.elem_type.tensor_type.elem_type),
            "shape": [list(t.dims) for t in seq.tensor_values],
        }
    if which == "optional_type":
        opt = onnx.OptionalProto()
        opt.ParseFromString(data)
        elem = value_info.type.optional_type.elem_type
        inner = elem.WhichOneof("value")
        out = {"name": name, "kind": "optional"}
        if inner == "tensor_type":
            out["dtype"] = dtype_name(elem.tensor_type.elem_type)
            out["shape"] = list(opt.tensor_value.dims) if opt.HasField("tensor_value") else None
        else:
            out["dtype"] = dtype_name(elem.sequence_type.elem_type.tensor_type.elem_type)
            out["shape"] = (
                [list(t.dims) for t in opt.sequence_value.tensor_values]
                if opt.HasField("sequence_value")
                else None
            )
            out["kind"] = "optional_sequence"
        return out
    raise ValueError(f"{name}: unexpected value type {which}")


def describe_case(zf, case, files):
    """The cases.json entry of one case (without its primary op, set later)."""
    model = onnx.load_from_string(zf.read(PREFIX + case + "/model.onnx"))
    graph = model.graph
    initializers = {t.name for t in graph.initializer}
    graph_inputs = [v for v in graph.input if v.name not in initializers]
    sets = sorted({f.split("/")[0] for f in files if f.startswith("test_data_set_")})
    data_sets = []
    for ds in sets:
        entry = {"name": ds}
        for kind, values in (("input", graph_inputs), ("output", list(graph.output))):
            pbs = sorted(
                (f for f in files if f.startswith(ds + f"/{kind}_") and f.endswith(".pb")),
                key=lambda f: int(f.rsplit("_", 1)[1][:-3]),
            )
            assert len(pbs) <= len(values), (case, ds, kind, pbs)
            # input_i.pb / output_i.pb is the i-th graph input (initializers excluded) /
            # output.
            entry[kind + "s"] = [
                describe_value(values[i], zf.read(PREFIX + case + "/" + f))
                for i, f in enumerate(pbs)
            ]
        data_sets.append(entry)
    return {
        "name": case,
        "ops": sorted({op for _, op in graph_ops(graph)}),
        "nodes": len(graph.node),
        "opset_import": {
            (o.domain or "ai.onnx"): o.version for o in sorted(model.opset_import, key=lambda o: o.domain)
        },
        "ir_version": model.ir_version,
        "data_sets": data_sets,
    }


def main():
    whl = wheel_path()
    print(f"reading {os.path.basename(whl)}", file=sys.stderr)
    supported = set(SUPPORTED)
    with zipfile.ZipFile(whl) as zf:
        members = [n for n in zf.namelist() if n.startswith(PREFIX) and not n.endswith("/")]
        by_case = defaultdict(list)
        for name in members:
            case, rest = name[len(PREFIX):].split("/", 1)
            by_case[case].append(rest)
        assert by_case, f"{whl} holds no node tests"

        def last_op(case):
            model = onnx.load_from_string(zf.read(PREFIX + case + "/model.onnx"))
            return model.graph.node[-1].op_type

        selected = {}
        for case in sorted(by_case):
            if "model.onnx" not in by_case[case]:
                continue
            model = onnx.load_from_string(zf.read(PREFIX + case + "/model.onnx"))
            ops = set(graph_ops(model.graph))
            if not all(d in ("", "ai.onnx") and op in supported for d, op in ops):
                continue
            info = describe_case(zf, case, sorted(by_case[case]))
            # The op a case tests: its graph's last node, or for an `_expanded` case (a
            # function body inlined) the op of the case it expands.
            base = case[: -len("_expanded")] if case.endswith("_expanded") else None
            if base and base in by_case:
                info["primary_op"] = last_op(base)
                info["expands"] = base
            else:
                info["primary_op"] = last_op(case)
            files = sorted(by_case[case])
            info["files"] = files
            info["bytes"] = sum(zf.getinfo(PREFIX + case + "/" + f).file_size for f in files)
            selected[case] = info

        # Budget: drop the largest cases (ties by name) until the rest fits.
        omitted = []
        total = sum(c["bytes"] for c in selected.values())
        for case in sorted(selected, key=lambda c: (-selected[c]["bytes"], c)):
            if total <= SIZE_BUDGET:
                break
            total -= selected[case]["bytes"]
            omitted.append({"name": case, "bytes": selected[case]["bytes"], "reason": "size"})
            del selected[case]
        omitted.sort(key=lambda o: o["name"])

        # Write: stale case folders go first, so that the folder is exactly the selection.
        os.makedirs(OUT, exist_ok=True)
        for old in sorted(glob.glob(os.path.join(OUT, "test_*"))):
            shutil.rmtree(old)
        for case, info in sorted(selected.items()):
            for f in info["files"]:
                path = os.path.join(OUT, case, f)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as out:
                    out.write(zf.read(PREFIX + case + "/" + f))

    cases = []
    for case, info in sorted(selected.items()):
        entry = {k: info[k] for k in ("name", "primary_op", "ops", "nodes", "opset_import", "ir_version")}
        if "expands" in info:
            entry["expands"] = info["expands"]
        entry["bytes"] = info["bytes"]
        entry["data_sets"] = info["data_sets"]
        cases.append(entry)
    doc = {
        "source": f"onnx=={ONNX_VERSION} wheel from PyPI, {PREFIX}",
        "onnx": ONNX_VERSION,
        "generator": "tools/onnx_node_tests.py",
        "supported_ops": SUPPORTED,
        "size_budget_bytes": SIZE_BUDGET,
        "total_bytes": total,
        "cases": cases,
        "omitted": omitted,
    }
    # One line per case: compact, and diffs stay readable.
    lines = ["{"]
    for key, value in doc.items():
        if key in ("cases", "omitted"):
            continue
        lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    for key in ("cases", "omitted"):
        items = [f"    {json.dumps(c, separators=(',', ':'))}" for c in doc[key]]
        body = ("[\n" + ",\n".join(items) + "\n  ]") if items else "[]"
        lines.append(f"  {json.dumps(key)}: {body}" + ("," if key == "cases" else ""))
    lines += ["}", ""]
    path = os.path.join(OUT, "cases.json")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    json.load(open(path))  # well-formed

    # Table: cases per primary op type; how many have only f32 tensors (the rest also have
    # int64 index inputs, other dtypes, sequences or optionals) and how many declare an opset
    # above 21 (ONNX's test generator stamps each case with its op's newest schema version).
    per_op = Counter(c["primary_op"] for c in cases)
    expanded = Counter(c["primary_op"] for c in cases if "expands" in c)
    f32_only = Counter(
        c["primary_op"]
        for c in cases
        if all(
            v.get("dtype") == "FLOAT" and v["kind"] == "tensor"
            for ds in c["data_sets"]
            for v in ds["inputs"] + ds["outputs"]
        )
    )
    above_21 = Counter(c["primary_op"] for c in cases if c["opset_import"].get("ai.onnx", 0) > 21)
    width = max(len(op) for op in per_op)
    header = f"{'op':<{width}}  cases  expanded  f32-only  opset>21"
    print(header)
    print("-" * len(header))
    for op in sorted(per_op):
        print(f"{op:<{width}}  {per_op[op]:5}  {expanded[op]:8}  {f32_only[op]:8}  {above_21[op]:8}")
    print(f"{'total':<{width}}  {len(cases):5}  {sum(expanded.values()):8}  "
          f"{sum(f32_only.values()):8}  {sum(above_21.values()):8}")
    unused = [op for op in SUPPORTED if op not in per_op]
    if unused:
        print(f"supported ops with no case of their own: {', '.join(unused)}")
    committed = total + os.path.getsize(path)
    print(f"committed: {committed} bytes ({committed / 1e6:.2f} MB) in {os.path.relpath(OUT, ROOT)}/ "
          f"(cases {total}, cases.json {os.path.getsize(path)})")
    if omitted:
        print("omitted for size: " + ", ".join(f"{o['name']} ({o['bytes']})" for o in omitted))


if __name__ == "__main__":
    main()
