//! The zoo is torchvision-exact: at every recorded input size, every convolution and pooling
//! layer of every zoo net has torchvision's name and torchvision's output size, and every
//! torchvision Conv2d / MaxPool2d / AvgPool2d is in the zoo (except the few listed below).
//!
//! `tests/golden/shapes.json` comes from `tools/golden.py shapes` (forward hooks on the
//! torchvision models); no Python runs here.

use padlens::net::{zoo, Step};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// torchvision modules the zoo leaves out on purpose, with the reason.
const LEFT_OUT: &[(&str, &str, &str)] = &[
    (
        "googlenet",
        "aux1.conv.conv",
        "auxiliary classifier: only runs in training, not on the path to the last feature map",
    ),
    (
        "googlenet",
        "aux2.conv.conv",
        "auxiliary classifier: only runs in training, not on the path to the last feature map",
    ),
];

fn golden() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/shapes.json");
    let text = std::fs::read_to_string(path).expect("tests/golden/shapes.json");
    serde_json::from_str(&text).expect("shapes.json is JSON")
}

/// Every window step's output, by name, visiting blocks recursively.
fn window_outputs(steps: &[Step]) -> Vec<(String, [usize; 2])> {
    let mut out = Vec::new();
    for step in steps {
        step.visit(&mut |s| {
            if let Step::Window { name, .. } = s {
                out.push((name.clone(), s.output()));
            }
        });
    }
    out
}

#[test]
fn every_zoo_net_is_recorded() {
    let golden = golden();
    let nets = golden["nets"].as_object().expect("nets");
    let zoo_names: BTreeSet<&str> = zoo::ZOO.iter().map(|e| e.name).collect();
    let golden_names: BTreeSet<&str> = nets.keys().map(String::as_str).collect();
    assert_eq!(
        zoo_names, golden_names,
        "regenerate tests/golden/shapes.json (tools/golden.py shapes) after changing the zoo"
    );
}

/// torchvision's modules at one size: `(name, output)` in the order they run, then the
/// modules that do not run in eval mode with `None`.
type Recorded = Vec<(String, Option<[usize; 2]>)>;

#[test]
fn zoo_matches_torchvision_shapes() {
    let golden = golden();
    let sizes: Vec<[usize; 2]> = serde_json::from_value(golden["sizes"].clone()).expect("sizes");
    assert!(sizes.len() >= 3);
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in zoo::ZOO {
        let net = zoo::build(entry.name).unwrap();
        for &[h, w] in &sizes {
            let key = format!("{h}x{w}");
            let recorded: Recorded =
                serde_json::from_value(golden["nets"][entry.name][&key].clone())
                    .unwrap_or_else(|e| panic!("{} {key}: {e}", entry.name));
            assert!(!recorded.is_empty(), "{} {key}: no modules", entry.name);
            let expected: BTreeMap<&str, Option<[usize; 2]>> =
                recorded.iter().map(|(n, s)| (n.as_str(), *s)).collect();
            let plan = net
                .plan([h, w], None, None)
                .unwrap_or_else(|e| panic!("{} at {key}: {e}", entry.name));
            let ours = window_outputs(&plan.steps);
            let mut seen = BTreeSet::new();
            for (name, output) in &ours {
                if !seen.insert(name.as_str()) {
                    failures.push(format!("{} {key}: `{name}` appears twice", entry.name));
                }
                match expected.get(name.as_str()) {
                    None => failures.push(format!(
                        "{} {key}: `{name}` is not a torchvision conv/pool",
                        entry.name
                    )),
                    Some(None) => failures.push(format!(
                        "{} {key}: `{name}` does not run in torchvision's eval forward",
                        entry.name
                    )),
                    Some(Some(theirs)) if theirs != output => failures.push(format!(
                        "{} {key}: `{name}` gives {}×{}, torchvision {}×{}",
                        entry.name, output[0], output[1], theirs[0], theirs[1]
                    )),
                    Some(Some(_)) => checked += 1,
                }
            }
            for (name, shape) in &recorded {
                let left_out = LEFT_OUT
                    .iter()
                    .any(|&(net, module, _)| net == entry.name && module == name);
                if left_out {
                    if seen.contains(name.as_str()) {
                        failures.push(format!(
                            "{} {key}: `{name}` is listed as left out but is in the zoo",
                            entry.name
                        ));
                    }
                    // Only what does not run may be left out: anything else would be missing.
                    if shape.is_some() {
                        failures.push(format!(
                            "{} {key}: `{name}` is left out but runs in torchvision's forward",
                            entry.name
                        ));
                    }
                } else if !seen.contains(name.as_str()) {
                    failures.push(format!("{} {key}: `{name}` is missing", entry.name));
                }
            }
            // Same order: the plan, visited depth first, runs the layers in torchvision's
            // order (branches of a block in the order torchvision's forward runs them).
            let theirs: Vec<&str> = recorded
                .iter()
                .filter(|(_, shape)| shape.is_some())
                .map(|(n, _)| n.as_str())
                .collect();
            let ours_names: Vec<&str> = ours.iter().map(|(n, _)| n.as_str()).collect();
            if theirs != ours_names {
                let at = theirs
                    .iter()
                    .zip(&ours_names)
                    .position(|(a, b)| a != b)
                    .unwrap_or(theirs.len().min(ours_names.len()));
                failures.push(format!(
                    "{} {key}: layer order differs from torchvision's at position {at}",
                    entry.name
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 1000, "only {checked} layers checked");
}

#[test]
fn left_out_modules_are_recorded() {
    let golden = golden();
    for (net, module, reason) in LEFT_OUT {
        assert!(!reason.is_empty());
        assert!(
            golden["nets"][net]["224x224"]
                .as_array()
                .unwrap()
                .iter()
                .any(|pair| pair[0] == *module),
            "{net}: `{module}` is not in torchvision any more"
        );
    }
}
