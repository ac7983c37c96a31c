//! One data set of an ONNX backend node test, from its bytes: shared by the native harness
//! (tests/onnx_node.rs, every case, read from disk) and the browser one (tests/wasm_node.rs, a
//! sample compiled in). The first input is fed at run time when it is float32; the others
//! (weights, indices, shapes) are bound as constants, as a model would hold them.

use padlens::infer::tensor::{Data, Tensor};
use padlens::infer::{Plan, PlanOptions};

fn read_tensor(bytes: &[u8]) -> Result<Tensor, String> {
    padlens::onnx::load_tensor(bytes.to_vec()).map_err(|e| e.to_string())
}

/// The planned case and the value it is fed (none for a graph without inputs).
pub struct Planned {
    pub plan: Plan,
    pub fed: Option<Vec<f32>>,
}

impl Planned {
    /// One run; allocates nothing itself, so a caller can count the plan's allocations.
    pub fn run(&mut self) -> Result<(), String> {
        let result = match &self.fed {
            Some(input) => self.plan.run(&[input]),
            None => self.plan.run(&[]),
        };
        result.map_err(|e| e.to_string())
    }
}

pub fn plan(model: &[u8], inputs: &[&[u8]]) -> Result<Planned, String> {
    let mut graph = padlens::onnx::load(model.to_vec()).map_err(|e| e.to_string())?;
    let names: Vec<String> = graph
        .inputs
        .iter()
        .map(|i| graph.values[i.value].clone())
        .collect();
    let mut fed = None;
    for (k, (name, bytes)) in names.iter().zip(inputs).enumerate() {
        let tensor = read_tensor(bytes)?;
        match (&tensor.data, k) {
            (Data::F32(_), 0) => fed = Some(tensor),
            _ => {
                graph.bind(name, tensor);
            }
        }
    }
    if fed.is_none() && !graph.inputs.is_empty() {
        return Err(format!(
            "the first input `{}` is not float32 (padlens feeds float32 only)",
            names[0]
        ));
    }
    let options = PlanOptions {
        input_shapes: Some(fed.iter().map(|t| t.shape.clone()).collect()),
        ..PlanOptions::default()
    };
    let plan = Plan::new(&graph, &options).map_err(|e| e.to_string())?;
    Ok(Planned {
        plan,
        fed: fed.as_ref().map(Tensor::to_f32),
    })
}

/// Within the backend tests' own tolerance: rtol 1e-3, atol 1e-7 (NaN matches NaN).
fn close(actual: &Tensor, expected: &Tensor) -> Result<(), String> {
    if actual.shape != expected.shape {
        return Err(format!(
            "shape {:?}, expected {:?}",
            actual.shape, expected.shape
        ));
    }
    let (a, e) = (actual.to_f32(), expected.to_f32());
    for (index, (&x, &y)) in a.iter().zip(&e).enumerate() {
        let ok = (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-7 + 1e-3 * y.abs() || x == y;
        if !ok {
            return Err(format!("element {index}: {x}, expected {y}"));
        }
    }
    Ok(())
}

/// Compares the plan's outputs, in order, with the expected ones.
pub fn check_outputs(plan: &Plan, outputs: &[&[u8]]) -> Result<(), String> {
    let names: Vec<String> = plan.output_names().map(str::to_owned).collect();
    for (name, bytes) in names.iter().zip(outputs) {
        let expected = read_tensor(bytes)?;
        let actual = plan.tensor(name).map_err(|e| e.to_string())?;
        close(&actual, &expected).map_err(|e| format!("output `{name}`: {e}"))?;
    }
    Ok(())
}
