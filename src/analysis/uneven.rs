//! The uneven-padding report (definitions.md §1): for every layer that pads or down-samples, how
//! much padding its windows read on each side and whether it drops real input.

use crate::geometry::AxisResolution;
use crate::net::{Plan, Size, Step, WindowKind};
use crate::padding::PaddingMode;
use serde::Serialize;

/// Which side of an axis: before is top (height) or left (width).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Before,
    After,
}

/// The verdict for one axis of one layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AxisVerdict {
    /// Both sides' padding read equally and no real input dropped.
    pub even: bool,
    /// The side whose padding is read more, if the two differ.
    pub reads_more: Option<Side>,
    /// Real input pixels at the end of the axis that no window reads.
    pub drops: usize,
}

impl AxisVerdict {
    pub fn of(axis: &AxisResolution) -> Self {
        let reads_more = match axis.consumed_before.cmp(&axis.consumed_after) {
            std::cmp::Ordering::Greater => Some(Side::Before),
            std::cmp::Ordering::Less => Some(Side::After),
            std::cmp::Ordering::Equal => None,
        };
        AxisVerdict {
            even: reads_more.is_none() && axis.input_unread == 0,
            reads_more,
            drops: axis.input_unread,
        }
    }

    /// "even", "uneven: reads only the top padding", "drops 1 px at the right"…
    pub fn describe(&self, axis: &AxisResolution, height: bool) -> String {
        let (before, after) = if height {
            ("top", "bottom")
        } else {
            ("left", "right")
        };
        let mut parts = Vec::new();
        if let Some(side) = self.reads_more {
            let (more, less, more_n, less_n) = match side {
                Side::Before => (before, after, axis.consumed_before, axis.consumed_after),
                Side::After => (after, before, axis.consumed_after, axis.consumed_before),
            };
            parts.push(if less_n == 0 {
                format!("uneven: reads only the {more} padding ({more_n} px)")
            } else {
                format!("uneven: reads {more_n} px of {more} padding, {less_n} of {less}")
            });
        }
        if self.drops > 0 {
            parts.push(format!("drops {} px of input at the {after}", self.drops));
        }
        if parts.is_empty() {
            "even".into()
        } else {
            parts.join("; ")
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct LayerReport {
    pub name: String,
    pub kind: WindowKind,
    pub mode: PaddingMode,
    /// `[height, width]`.
    pub input: Size,
    pub output: Size,
    pub axes: [AxisResolution; 2],
    pub verdicts: [AxisVerdict; 2],
    pub description: [String; 2],
    /// Uneven or dropping input on either axis.
    pub offending: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct UnevenReport {
    pub network: String,
    pub input: Size,
    /// Layers that pad or down-sample, in order (branches included, depth first).
    pub layers: Vec<LayerReport>,
    /// How many of them read one side's padding more than the other's, per axis.
    pub uneven: [usize; 2],
    /// How many drop real input, per axis.
    pub dropping: [usize; 2],
}

impl UnevenReport {
    /// No layer is uneven or drops input on `axis` (0 height, 1 width).
    pub fn is_clean(&self, axis: usize) -> bool {
        self.uneven[axis] == 0 && self.dropping[axis] == 0
    }

    pub fn offending(&self) -> impl Iterator<Item = &LayerReport> {
        self.layers.iter().filter(|l| l.offending)
    }
}

/// Every layer of `plan` that pads or strides, with its verdicts.
pub fn report(plan: &Plan) -> UnevenReport {
    let mut layers = Vec::new();
    for step in &plan.steps {
        step.visit(&mut |step| {
            let Step::Window {
                name,
                kind,
                axes,
                mode,
            } = step
            else {
                return;
            };
            let relevant = axes
                .iter()
                .any(|a| a.stride > 1 || a.before + a.after > 0 || a.input_unread > 0);
            if !relevant {
                return;
            }
            let verdicts = [AxisVerdict::of(&axes[0]), AxisVerdict::of(&axes[1])];
            layers.push(LayerReport {
                name: name.clone(),
                kind: *kind,
                mode: *mode,
                input: [axes[0].input, axes[1].input],
                output: [axes[0].output, axes[1].output],
                axes: *axes,
                description: [
                    verdicts[0].describe(&axes[0], true),
                    verdicts[1].describe(&axes[1], false),
                ],
                offending: verdicts.iter().any(|v| !v.even),
                verdicts,
            });
        });
    }
    let count = |axis: usize, test: fn(&AxisVerdict) -> bool| {
        layers.iter().filter(|l| test(&l.verdicts[axis])).count()
    };
    let uneven = [0, 1].map(|a| count(a, |v| v.reads_more.is_some()));
    let dropping = [0, 1].map(|a| count(a, |v| v.drops > 0));
    UnevenReport {
        network: plan.network.clone(),
        input: plan.input,
        layers,
        uneven,
        dropping,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{resolve, AxisWindow, PaddingSpec};
    use crate::net::{spec::parse_network, zoo, Layer, Network};
    use proptest::prelude::*;

    #[test]
    fn resnet50_is_uneven_at_every_down_sampling_layer_at_224_and_even_at_225() {
        let net = zoo::build("resnet50").unwrap();
        let at_224 = report(&net.plan([224, 224], None, None).unwrap());
        let strided: Vec<&LayerReport> = at_224
            .layers
            .iter()
            .filter(|l| l.axes[0].stride > 1)
            .collect();
        // conv1, maxpool, and per stage 2–4 the 3×3 conv2 and the 1×1 downsample.
        assert_eq!(strided.len(), 8);
        for layer in &strided {
            assert!(layer.offending, "{} is not flagged", layer.name);
        }
        assert_eq!(
            at_224.layers[0].description[0],
            "uneven: reads 3 px of top padding, 2 of bottom"
        );
        let conv = at_224
            .layers
            .iter()
            .find(|l| l.name == "layer2.0.conv2")
            .unwrap();
        assert_eq!(conv.verdicts[1].reads_more, Some(Side::Before));
        let downsample = at_224
            .layers
            .iter()
            .find(|l| l.name == "layer2.0.downsample.0")
            .unwrap();
        assert_eq!(downsample.verdicts[0].drops, 1);
        let at_225 = report(&net.plan([225, 225], None, None).unwrap());
        assert!(at_225.is_clean(0) && at_225.is_clean(1));
        assert_eq!(at_225.offending().count(), 0);
    }

    #[test]
    fn vgg19_is_even_for_every_even_size() {
        let net = zoo::build("vgg19").unwrap();
        for n in (32..=1024).step_by(2) {
            if let Ok(plan) = net.plan([n, n], None, None) {
                let r = report(&plan);
                // Even sizes above 32 that are not multiples of 32 make a 2×2 pool drop a
                // row somewhere; what must hold is that no layer reads padding unevenly.
                assert_eq!(r.uneven, [0, 0], "vgg19 at {n}");
            }
        }
        let r = report(&net.plan([224, 224], None, None).unwrap());
        assert!(r.is_clean(0) && r.is_clean(1));
    }

    #[test]
    fn tf_same_and_pytorch_pad_opposite_sides_of_a_stride_two_3x3() {
        let net = |padding: &str| {
            parse_network(&format!(
                r#"{{"layers": [{{"type": "conv", "name": "c", "kernel": 3, "stride": 2, "padding": {padding}}}]}}"#
            ))
            .unwrap()
        };
        let torch = report(&net("1").plan([224, 224], None, None).unwrap());
        assert_eq!(torch.layers[0].verdicts[0].reads_more, Some(Side::Before));
        assert_eq!(
            (
                torch.layers[0].axes[0].consumed_before,
                torch.layers[0].axes[0].consumed_after
            ),
            (1, 0)
        );
        let tf = report(&net("\"same\"").plan([224, 224], None, None).unwrap());
        assert_eq!(tf.layers[0].verdicts[0].reads_more, Some(Side::After));
        assert_eq!(
            (
                tf.layers[0].axes[0].consumed_before,
                tf.layers[0].axes[0].consumed_after
            ),
            (0, 1)
        );
    }

    /// The verdict from first principles: mark every padded position a window reads.
    fn independent_verdict(
        n: usize,
        k: usize,
        s: usize,
        d: usize,
        pb: usize,
        pa: usize,
    ) -> Option<(usize, usize, usize)> {
        let ke = d * (k - 1) + 1;
        if ke > n + pb + pa {
            return None;
        }
        let mut read = vec![false; n + pb + pa];
        let mut start = 0;
        while start + ke <= n + pb + pa {
            for t in 0..k {
                read[start + t * d] = true;
            }
            start += s;
        }
        let last_read = read.iter().rposition(|&r| r).unwrap();
        let first_read = read.iter().position(|&r| r).unwrap();
        let before = pb - first_read.min(pb);
        let after = (last_read + 1).saturating_sub(pb + n);
        let dropped = (pb + n).saturating_sub(last_read + 1).min(n);
        Some((before, after, dropped))
    }

    proptest! {
        #[test]
        fn random_layer_stacks_match_an_independent_count(
            layers in prop::collection::vec((1usize..6, 1usize..4, 1usize..3, 0usize..4, 0usize..4), 1..5),
            n in 8usize..200,
        ) {
            let net = Network {
                name: "random".into(),
                layers: layers
                    .iter()
                    .enumerate()
                    .map(|(i, &(k, s, d, pb, pa))| {
                        let mut layer = Layer::conv(format!("l{i}"), k, s, 0);
                        if let Layer::Window(w) = &mut layer {
                            w.window = [AxisWindow::new(k, s, d); 2];
                            w.padding = [PaddingSpec::Explicit { before: pb, after: pa }; 2];
                        }
                        layer
                    })
                    .collect(),
            };
            let Ok(plan) = net.plan([n, n], None, None) else { return Ok(()) };
            let r = report(&plan);
            let mut size = n;
            let mut reported = r.layers.iter();
            for &(k, s, d, pb, pa) in &layers {
                let (before, after, dropped) = independent_verdict(size, k, s, d, pb, pa).unwrap();
                let axis = resolve(size, AxisWindow::new(k, s, d), PaddingSpec::Explicit { before: pb, after: pa }).unwrap();
                if s > 1 || pb + pa > 0 || dropped > 0 {
                    let layer = reported.next().unwrap();
                    let v = layer.verdicts[0];
                    // A window can skip padded positions (stride > kernel), so compare the
                    // extent read, which is what "consumed" means (definitions.md §1).
                    prop_assert_eq!(layer.axes[0].consumed_after, after);
                    prop_assert_eq!(v.drops, dropped);
                    prop_assert_eq!(v.even, pb == after && dropped == 0, "before extent {} pb {}", before, pb);
                }
                size = axis.output;
            }
        }
    }
}
