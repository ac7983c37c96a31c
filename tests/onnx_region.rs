//! The regions a change to the input can reach (`padlens::infer::region`, issue 9's
//! incremental grids), held to full runs: the committed torchvision models (width reduced,
//! same structure) under their own padding and every swapped mode that fits, with a stimulus
//! box changed at the corners, the borders and inside. Every value is kept; a position
//! outside its value's region must equal the baseline run's bit for bit, and the region must
//! not be everything where a change cannot reach that far.

#![cfg(not(target_arch = "wasm32"))]

#[path = "common/models.rs"]
mod models;

use models::{model, MODELS};

use padlens::infer::region::Changed;
use padlens::infer::{Model, Plan};
use padlens::padding::PaddingMode;

/// Stimulus boxes `(row, column, side)`: the corners, a border, one pixel on a border, inside.
const BOXES: [(usize, usize, usize); 5] = [
    (0, 0, 16),
    (208, 208, 16),
    (0, 101, 16),
    (117, 223, 1),
    (97, 61, 16),
];

/// The models' own padding and every mode swapped in (valid and full where they fit).
const MODES: [Option<PaddingMode>; 8] = [
    None,
    Some(PaddingMode::Circular),
    Some(PaddingMode::Reflect),
    Some(PaddingMode::Symmetric),
    Some(PaddingMode::Replicate),
    Some(PaddingMode::Partial),
    Some(PaddingMode::Valid),
    Some(PaddingMode::Full),
];

/// The model planned at 224×224 with every run-time value kept readable.
fn plan_keeping_all(model: &Model, padding: Option<PaddingMode>) -> Option<Plan> {
    let names: Vec<String> = model
        .plan(None, padding, &[])
        .ok()?
        .runtime_values()
        .map(|(name, _)| name.to_owned())
        .collect();
    model.plan(None, padding, &names).ok()
}

/// A deterministic pseudo-random image in [0, 1).
fn image(len: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 8) as f32 / (1u32 << 24) as f32
        })
        .collect()
}

/// Every kept value's data after a run, with its storage and that storage's layout: the shape
/// of the first value stored there in the graph's order, the one a step wrote (a reshaped
/// view shares its storage and memory, and a region is of the storage's layout).
fn snapshot(plan: &Plan) -> Vec<(String, usize, Vec<usize>, Vec<f32>)> {
    let mut layouts: Vec<(usize, Vec<usize>)> = Vec::new();
    plan.runtime_values()
        .filter_map(|(name, storage)| {
            let view = plan.value(name).ok()?;
            let layout = match layouts.iter().find(|(s, _)| *s == storage) {
                Some((_, shape)) => shape.clone(),
                None => {
                    layouts.push((storage, view.shape.to_vec()));
                    view.shape.to_vec()
                }
            };
            Some((name.to_owned(), storage, layout, view.data.to_vec()))
        })
        .collect()
}

/// Checks one stimulus box; returns how many values besides the input have a region smaller
/// than their plane, and how many N×C×H×W values with more than one pixel have a region of
/// everything.
fn check_box(
    plan: &mut Plan,
    baseline_input: &[f32],
    baseline: &[(String, usize, Vec<usize>, Vec<f32>)],
    (y0, x0, size): (usize, usize, usize),
    what: &str,
) -> (usize, usize) {
    let (h, w) = (224, 224);
    let mut input = baseline_input.to_vec();
    for c in 0..3 {
        for y in y0..y0 + size {
            for x in x0..x0 + size {
                input[c * h * w + y * w + x] += 0.75;
            }
        }
    }
    let regions = plan.changed_regions(y0..y0 + size, x0..x0 + size);
    plan.run(&[&input]).unwrap();
    let after = snapshot(plan);
    let input_storage = baseline[0].1;
    let (mut bounded, mut everything) = (0, 0);
    for ((name, storage, shape, before), (_, _, _, now)) in baseline.iter().zip(&after) {
        let region = &regions[*storage];
        // A global pool's 1×1 output is everything, rightly.
        let spatial = shape.len() == 4 && shape[2] * shape[3] > 1;
        everything += usize::from(spatial && *region == Changed::All);
        if shape.len() == 4 && *storage != input_storage {
            let (rows, cols) = (shape[2], shape[3]);
            bounded += usize::from(match region {
                Changed::Nothing => true,
                Changed::Rect { rows: r, cols: c } => r.len() < rows || c.len() < cols,
                Changed::All => false,
            });
        }
        if shape.len() != 4 {
            if *region != Changed::All {
                assert_eq!(
                    before, now,
                    "{what}: `{name}` changed, its region is {region:?}"
                );
            }
            continue;
        }
        let (rows, cols) = (shape[2], shape[3]);
        for (i, (a, b)) in before.iter().zip(now).enumerate() {
            let (y, x) = ((i / cols) % rows, i % cols);
            assert!(
                region.contains(y, x) || a.to_bits() == b.to_bits(),
                "{what}: `{name}` {shape:?} changed at ({y}, {x}) outside {region:?}: {a} → {b}"
            );
        }
    }
    (bounded, everything)
}

#[test]
fn changes_stay_inside_their_regions() {
    let input = image(3 * 224 * 224, 7);
    let mut checked = 0;
    for name in MODELS {
        let model = model(name);
        for padding in MODES {
            // Valid and full do not fit every graph (definitions.md §7).
            let Some(mut plan) = plan_keeping_all(&model, padding) else {
                continue;
            };
            plan.run(&[&input]).unwrap();
            let baseline = snapshot(&plan);
            for b in BOXES {
                let what = format!("{name}, {padding:?}, box {b:?}");
                // The first layers' regions are smaller than their planes: the check has teeth.
                // Not at a corner under circular padding: a corner's change wraps to the
                // opposite borders, and a region is one rectangle (their hull).
                let (bounded, everything) = check_box(&mut plan, &input, &baseline, b, &what);
                // Under zero padding no spatial value of these pure CNNs is lost to
                // "everything" (a concatenation or an element-wise join that widened it).
                if padding.is_none() {
                    assert_eq!(
                        everything, 0,
                        "{what}: spatial values regioned as everything"
                    );
                }
                let corner = b.0 == 0 && b.1 == 0 || b.0 + b.2 == 224 && b.1 + b.2 == 224;
                assert!(
                    bounded > 0 || corner && padding == Some(PaddingMode::Circular),
                    "{what}: every region was the whole value"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 6 * 6 * BOXES.len(), "only {checked} cases ran");
}

/// A run that recomputes only the changed regions ([`Plan::run_changed`]) equals a full run,
/// bit for bit, for every value; [`Plan::restore`] between boxes brings back the baseline, so
/// each box after the first also checks the restore before it.
#[test]
fn incremental_runs_equal_full_runs() {
    let input = image(3 * 224 * 224, 11);
    let mut checked = 0;
    for name in MODELS {
        let model = model(name);
        for padding in MODES {
            let Ok(mut incremental) = model.plan_incremental(None, padding) else {
                continue;
            };
            let mut full = model.plan_incremental(None, padding).unwrap();
            incremental.run(&[&input]).unwrap();
            let baseline = incremental.baseline().unwrap();
            for (y0, x0, size) in BOXES {
                let what = format!("{name}, {padding:?}, box {:?}", (y0, x0, size));
                let mut changed = input.clone();
                for c in 0..3 {
                    for y in y0..y0 + size {
                        for x in x0..x0 + size {
                            changed[c * 224 * 224 + y * 224 + x] =
                                1.0 - changed[c * 224 * 224 + y * 224 + x];
                        }
                    }
                }
                let regions = incremental.changed_regions(y0..y0 + size, x0..x0 + size);
                incremental
                    .run_changed(&baseline, &changed, &regions)
                    .unwrap();
                full.run(&[&changed]).unwrap();
                for ((name, _, _, a), (_, _, _, b)) in
                    snapshot(&incremental).iter().zip(&snapshot(&full))
                {
                    let same = a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
                    assert!(same, "{what}: `{name}` differs from a full run");
                }
                incremental.restore(&baseline, &regions);
                checked += 1;
            }
        }
    }
    assert!(checked >= 6 * 6 * BOXES.len(), "only {checked} cases ran");
}

#[test]
fn a_plan_that_shares_buffers_has_no_baseline() {
    let model = model("resnet18");
    let plan = model.plan(None, None, &[]).unwrap();
    assert!(plan.baseline().is_err());
}
