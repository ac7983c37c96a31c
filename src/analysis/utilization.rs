//! Utilization ("foveation") maps, definitions.md §3: how many ways each input pixel reaches the
//! last feature map. It is the gradient of the sum of the last map with every weight 1, one
//! channel, normalization and activations as identity and pooling as a sum, so it is computed
//! as that backward pass: start from ones on the output and push back through each layer.
//!
//! Each window layer is separable (its two axes are independent, definitions.md §2), so the pass
//! through it is two sparse matrix products, `Gᵢₙ = A_hᵀ · G · A_w`, done as row updates
//! (`axpy`, SIMD on wasm). [`super::reference`] does the same in the plain 2-D way, and the
//! property tests hold this path to it.

use super::axis_operator::AxisOperator;
use super::kernels::axpy;
use crate::error::{Error, Result};
use crate::net::{ModeOverride, Network, Plan, Size, Step};
use ndarray::Array2;

/// A map whose raw counts are `values · 2^log2_scale`.
///
/// Counts grow like `k²` per layer. Below 2^53 they are exact integers in f64 (VGG-19's
/// centre, 9¹⁶ ≈ 1.85·10¹⁵, is); above it they carry f64's relative rounding of ~1e-16
/// (ResNet-50 under replicate reaches 3·10¹⁶, DenseNet-121 ~10⁵⁹). A deep custom net would
/// overflow f64 altogether: whenever the largest value passes 2^[`RESCALE_ABOVE_LOG2`] the map
/// is divided by a power of two, which loses nothing. For every zoo net up to 1024×1024 the
/// scale stays 0.
#[derive(Clone, Debug, PartialEq)]
pub struct UtilizationMap {
    pub values: Array2<f64>,
    pub log2_scale: i32,
}

/// Far below f64's 2^1024, so a layer of any allowed kernel size cannot overflow after it.
const RESCALE_ABOVE_LOG2: i32 = 512;

/// The backward pass keeps, per level of block nesting, the gradient at the block's input and
/// the running branch sum, plus the pass's own two work buffers. The browser's wasm32 heap
/// is 4 GiB at most; a quarter of it leaves room for the page and the colour-mapped copy.
pub const MEMORY_LIMIT_MIB: usize = 1024;

impl UtilizationMap {
    pub fn size(&self) -> Size {
        let (h, w) = self.values.dim();
        [h, w]
    }
}

/// A dense gradient and an upper bound on its largest stored value. Scanning the map for its
/// maximum after every layer, to know when to rescale, took 15 % of ResNet-50's map (callgrind);
/// a bound carried along costs nothing, and the map is scanned only once the bound passes the
/// rescaling threshold (for the zoo, never).
#[derive(Clone, Debug)]
struct Dense {
    map: UtilizationMap,
    bound: f64,
}

impl Dense {
    fn rescale_if_large(mut self) -> Self {
        let limit = 2f64.powi(RESCALE_ABOVE_LOG2);
        if self.bound > limit {
            self.bound = self.map.values.iter().copied().fold(0.0, f64::max);
            if self.bound > limit {
                self.map.values *= 2f64.powi(-RESCALE_ABOVE_LOG2);
                self.map.log2_scale += RESCALE_ABOVE_LOG2;
                self.bound *= 2f64.powi(-RESCALE_ABOVE_LOG2);
            }
        }
        self
    }

    /// `self += other`, aligning scales (exactly, by powers of two).
    fn add(&mut self, mut other: Dense) {
        if other.map.log2_scale > self.map.log2_scale {
            std::mem::swap(self, &mut other);
        }
        let factor = 2f64.powi(other.map.log2_scale - self.map.log2_scale);
        self.map.values.scaled_add(factor, &other.map.values);
        self.bound += factor * other.bound;
    }
}

/// How much a layer's backward pass can multiply the largest value along one axis: the
/// largest total weight that reads any one input.
fn growth(operator: &AxisOperator) -> f64 {
    let mut totals = vec![0.0; operator.inputs];
    for read in &operator.reads {
        totals[read.input as usize] += read.weight;
    }
    totals.into_iter().fold(0.0, f64::max)
}

/// The utilization map of the first `depth` layers of `network` (all for `None`) at `input`,
/// with the network's own padding or one `mode` for every convolution.
pub fn utilization(
    network: &Network,
    input: Size,
    mode: ModeOverride,
    depth: Option<usize>,
) -> Result<UtilizationMap> {
    let plan = network.plan_explained(input, mode, depth)?;
    utilization_of_plan(&plan)
}

/// The utilization map of a resolved plan.
pub fn utilization_of_plan(plan: &Plan) -> Result<UtilizationMap> {
    utilization_with_rank_limit(plan, max_rank)
}

/// As [`utilization_of_plan`], with the rank past which the gradient turns dense chosen by
/// `max_rank` (`|_| 0` keeps it dense throughout; the tests hold both paths to the reference).
fn utilization_with_rank_limit(plan: &Plan, max_rank: fn(Size) -> usize) -> Result<UtilizationMap> {
    check_memory(plan)?;
    let ones = Gradient::constant(plan.output, 1.0, 0, max_rank);
    Ok(backward_sequence(&plan.steps, ones, max_rank)
        .into_dense()
        .map)
}

/// Refuses sizes whose buffers would not fit, before allocating any of them.
pub fn check_memory(plan: &Plan) -> Result<()> {
    let pixels = (plan.input[0] as u128) * (plan.input[1] as u128);
    let needed_mib = pixels * bytes_per_pixel(plan.nesting) as u128 / (1 << 20);
    if needed_mib > MEMORY_LIMIT_MIB as u128 {
        return Err(Error::TooMuchMemory {
            height: plan.input[0],
            width: plan.input[1],
            needed_mib: needed_mib.min(usize::MAX as u128) as usize,
            limit_mib: MEMORY_LIMIT_MIB,
            max_side: largest_square(plan.nesting),
        });
    }
    Ok(())
}

/// Bytes the backward pass holds per input pixel: four f64 buffers, and two more per level
/// of block nesting.
fn bytes_per_pixel(nesting: usize) -> usize {
    8 * (4 + 2 * nesting)
}

/// The largest square input whose map fits [`MEMORY_LIMIT_MIB`] for a network whose blocks
/// nest `nesting` deep (a plan's `nesting` does not depend on the size).
pub fn largest_square(nesting: usize) -> usize {
    let pixels = (MEMORY_LIMIT_MIB << 20) / bytes_per_pixel(nesting);
    pixels.isqrt()
}

/// `rows ⊗ cols · 2^log2_scale`: one rank-1 term of a gradient.
#[derive(Clone, Debug)]
struct OuterProduct {
    rows: Vec<f64>,
    cols: Vec<f64>,
    log2_scale: i32,
}

/// Each factor stays below 2^256, so their product stays below the dense map's 2^512.
const FACTOR_RESCALE_ABOVE_LOG2: i32 = RESCALE_ABOVE_LOG2 / 2;

impl OuterProduct {
    fn backward(&self, rows: &AxisOperator, cols: &AxisOperator) -> Self {
        let mut term = OuterProduct {
            rows: transpose_apply(rows, &self.rows),
            cols: transpose_apply(cols, &self.cols),
            log2_scale: self.log2_scale,
        };
        for factor in [&mut term.rows, &mut term.cols] {
            let max = factor.iter().copied().fold(0.0, f64::max);
            if max > 2f64.powi(FACTOR_RESCALE_ABOVE_LOG2) {
                factor
                    .iter_mut()
                    .for_each(|v| *v *= 2f64.powi(-FACTOR_RESCALE_ABOVE_LOG2));
                term.log2_scale += FACTOR_RESCALE_ABOVE_LOG2;
            }
        }
        term
    }
}

/// `Aᵀ · v` for one axis.
fn transpose_apply(operator: &AxisOperator, v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; operator.inputs];
    for read in &operator.reads {
        out[read.input as usize] += read.weight * v[read.out as usize];
    }
    out
}

/// The gradient flowing back through the network.
///
/// From the ones on the last map, through a plain sequence of layers, it stays one outer
/// product of a row profile and a column profile (each layer is separable), so a whole VGG
/// costs a few 1-D passes and one outer product at the end (vgg19@512: 3.4 ms dense, see
/// BENCHMARKS.md). Blocks add their branches' terms; once there are more terms than
/// [`max_rank`] allows the gradient becomes a dense map, which ResNets reach a few blocks
/// from the output. The dense path and [`super::reference`] check each other in the tests.
#[derive(Clone, Debug)]
enum Gradient {
    Factored(Vec<OuterProduct>),
    Dense(Dense),
}

/// Past this many terms a dense map is cheaper: a term costs `(h + w)·k` per layer and `h·w`
/// to materialize, the dense map `2·h·w·k` per layer.
fn max_rank(size: Size) -> usize {
    (size[0].min(size[1]) / 8).max(1)
}

impl Gradient {
    /// `value · 2^log2_scale` everywhere: one outer product, unless no term is allowed.
    fn constant(size: Size, value: f64, log2_scale: i32, max_rank: fn(Size) -> usize) -> Self {
        if max_rank(size) == 0 {
            return Gradient::Dense(Dense {
                map: UtilizationMap {
                    values: Array2::from_elem((size[0], size[1]), value),
                    log2_scale,
                },
                bound: value,
            });
        }
        Gradient::Factored(vec![OuterProduct {
            rows: vec![value; size[0]],
            cols: vec![1.0; size[1]],
            log2_scale,
        }])
    }

    fn into_dense(self) -> Dense {
        let terms = match self {
            Gradient::Dense(dense) => return dense,
            Gradient::Factored(terms) => terms,
        };
        let (h, w) = (terms[0].rows.len(), terms[0].cols.len());
        let log2_scale = terms.iter().map(|t| t.log2_scale).max().unwrap_or(0);
        let mut values = Array2::<f64>::zeros((h, w));
        let mut bound = 0.0;
        let largest = |factor: &[f64]| factor.iter().copied().fold(0.0, f64::max);
        for term in &terms {
            let factor = 2f64.powi(term.log2_scale - log2_scale);
            for (row, &weight) in values.rows_mut().into_iter().zip(&term.rows) {
                let mut row = row;
                if let Some(row) = row.as_slice_mut() {
                    axpy(row, &term.cols, weight * factor);
                }
            }
            bound += factor * largest(&term.rows) * largest(&term.cols);
        }
        Dense {
            map: UtilizationMap { values, log2_scale },
            bound,
        }
        .rescale_if_large()
    }
}

fn backward_sequence(steps: &[Step], mut grad: Gradient, max_rank: fn(Size) -> usize) -> Gradient {
    for step in steps.iter().rev() {
        grad = backward_step(step, grad, max_rank);
    }
    grad
}

fn backward_step(step: &Step, grad: Gradient, max_rank: fn(Size) -> usize) -> Gradient {
    match step {
        Step::Window { axes, mode, .. } => {
            let rows = AxisOperator::new(&axes[0], *mode);
            let cols = AxisOperator::new(&axes[1], *mode);
            match grad {
                Gradient::Factored(terms) => {
                    Gradient::Factored(terms.iter().map(|t| t.backward(&rows, &cols)).collect())
                }
                Gradient::Dense(dense) => Gradient::Dense(
                    Dense {
                        map: UtilizationMap {
                            values: separable_backward(&dense.map.values, &rows, &cols),
                            log2_scale: dense.map.log2_scale,
                        },
                        bound: dense.bound * growth(&rows) * growth(&cols),
                    }
                    .rescale_if_large(),
                ),
            }
        }
        Step::GlobalPool { input, .. } => {
            // Every input pixel reaches the single output once.
            let single = grad.into_dense().map;
            Gradient::constant(*input, single.values[(0, 0)], single.log2_scale, max_rank)
        }
        Step::Block {
            branches, input, ..
        } => {
            let parts: Vec<Gradient> = branches
                .iter()
                .map(|branch| backward_sequence(branch, grad.clone(), max_rank))
                .collect();
            let factored: Option<Vec<&OuterProduct>> = parts
                .iter()
                .map(|p| match p {
                    Gradient::Factored(terms) => Some(terms),
                    Gradient::Dense(_) => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(|lists| lists.into_iter().flatten().collect());
            if let Some(terms) = factored.filter(|t| t.len() <= max_rank(*input)) {
                Gradient::Factored(terms.into_iter().cloned().collect())
            } else {
                let mut parts = parts.into_iter().map(Gradient::into_dense);
                // A plan's block always has a branch (`Network::plan` refuses empty blocks).
                let Some(mut total) = parts.next() else {
                    return grad;
                };
                for part in parts {
                    total.add(part);
                }
                Gradient::Dense(total.rescale_if_large())
            }
        }
    }
}

/// `Aᵣᵀ · grad · A꜀`, where `grad` is outputs × outputs and the result inputs × inputs.
///
/// One pass moves whole rows (`axpy`, SIMD on wasm); the other scatters within rows, one
/// scalar at a time, so it runs on whichever intermediate has fewer rows. A strided layer's
/// input has twice its output's rows: for ResNet's conv1 (112 → 224) scattering within the
/// 112 output rows and moving whole 224-wide rows is about half the scalar work of the other
/// order.
pub(crate) fn separable_backward(
    grad: &Array2<f64>,
    rows: &AxisOperator,
    cols: &AxisOperator,
) -> Array2<f64> {
    // The scatter costs `cols.reads` per row: before the height pass there are
    // `grad.nrows()` rows, after it `rows.inputs`.
    if grad.nrows() < rows.inputs {
        rows_pass(&columns_pass(grad, cols), rows)
    } else {
        columns_pass(&rows_pass(grad, rows), cols)
    }
}

/// `Aᵣᵀ · grad`: row `input` of the result gathers whole gradient rows (`axpy`).
fn rows_pass(grad: &Array2<f64>, rows: &AxisOperator) -> Array2<f64> {
    let mut out = Array2::<f64>::zeros((rows.inputs, grad.ncols()));
    for read in &rows.reads {
        let source = grad.row(read.out as usize);
        let mut target = out.row_mut(read.input as usize);
        // Both arrays are in standard (row-major) layout, so the rows are contiguous.
        if let (Some(t), Some(s)) = (target.as_slice_mut(), source.as_slice()) {
            axpy(t, s, read.weight);
        }
    }
    out
}

/// `grad · A꜀`, within each row. Transposing to reuse `axpy` here cost more than it saved: a
/// strided transpose of a 512-wide map thrashes the cache (vgg19@512 took 12 ms that way,
/// BENCHMARKS.md), while the taps of one row walk both rows forward.
fn columns_pass(grad: &Array2<f64>, cols: &AxisOperator) -> Array2<f64> {
    let mut out = Array2::<f64>::zeros((grad.nrows(), cols.inputs));
    for (source, mut target) in grad.rows().into_iter().zip(out.rows_mut()) {
        if let (Some(s), Some(t)) = (source.as_slice(), target.as_slice_mut()) {
            for read in &cols.reads {
                t[read.input as usize] += read.weight * s[read.out as usize];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::reference::reference_utilization;
    use crate::net::{spec::parse_network, zoo, Layer, WindowKind};
    use crate::padding::PaddingMode;
    use proptest::prelude::*;

    #[test]
    fn vgg19_centre_is_nine_to_the_sixteen() {
        let net = zoo::build("vgg19").unwrap();
        let map = utilization(&net, [512, 512], None, None).unwrap();
        assert_eq!(map.log2_scale, 0);
        assert_eq!(map.values[(256, 256)], 9f64.powi(16));
        assert_eq!(map.values[(255, 255)], 9f64.powi(16));
        assert!(map.values[(0, 0)] < map.values[(256, 256)] / 10.0);
    }

    fn stride_one_net(k: usize) -> Network {
        Network {
            name: "stride1".into(),
            layers: (0..4)
                .map(|i| Layer::conv(format!("c{i}"), k, 1, k / 2))
                .collect(),
        }
    }

    #[test]
    fn symmetric_circular_and_replicate_3x3_are_uniform() {
        for (mode, k) in [
            (PaddingMode::Symmetric, 3),
            (PaddingMode::Symmetric, 5),
            (PaddingMode::Circular, 5),
            (PaddingMode::Replicate, 3),
        ] {
            let map = utilization(&stride_one_net(k), [17, 23], Some(mode), None).unwrap();
            let first = map.values[(0, 0)];
            assert!(
                map.values.iter().all(|&v| v == first),
                "{mode} k={k} is not uniform"
            );
        }
        // 5×5 replicate over-weights the border (the backup slide).
        let map = utilization(
            &stride_one_net(5),
            [17, 17],
            Some(PaddingMode::Replicate),
            None,
        )
        .unwrap();
        assert!(map.values[(0, 8)] > map.values[(8, 8)]);
    }

    #[test]
    fn reflect_over_weights_the_pixel_next_to_the_border() {
        let net = Network {
            name: "one".into(),
            layers: vec![Layer::conv("c", 3, 1, 1)],
        };
        let map = utilization(&net, [6, 6], Some(PaddingMode::Reflect), None).unwrap();
        let row: Vec<f64> = map.values.row(3).to_vec();
        // Per axis: border 2, next 4 (read by its own 3 windows and the mirror of −1), inner 3.
        assert_eq!(row, vec![6.0, 12.0, 9.0, 9.0, 12.0, 6.0]);
    }

    #[test]
    fn resnet50_is_skewed_at_224_and_mirror_symmetric_at_225() {
        let net = zoo::build("resnet50").unwrap();
        let skewed = utilization(&net, [224, 224], None, None).unwrap().values;
        let flipped = skewed.slice(ndarray::s![..;-1, ..;-1]).to_owned();
        assert_ne!(skewed, flipped);
        // Top-left is read more than bottom-right: the bottom/right padding goes unread.
        assert!(skewed[(0, 0)] > skewed[(223, 223)]);
        let even = utilization(&net, [225, 225], None, None).unwrap().values;
        let flipped = even.slice(ndarray::s![..;-1, ..;-1]).to_owned();
        assert_eq!(even, flipped);
        let transposed = even.t().to_owned();
        assert_eq!(even, transposed);
    }

    #[test]
    fn resnet152_at_1024_does_not_overflow() {
        let net = zoo::build("resnet152").unwrap();
        let map = utilization(&net, [1024, 1024], None, None).unwrap();
        assert!(map.values.iter().all(|v| v.is_finite() && *v > 0.0));
    }

    #[test]
    fn deep_nets_rescale_instead_of_overflowing() {
        let net = Network {
            name: "deep".into(),
            layers: (0..250)
                .map(|i| Layer::conv(format!("c{i}"), 7, 1, 3))
                .collect(),
        };
        let map = utilization(&net, [16, 16], None, None).unwrap();
        assert!(map.log2_scale > 0);
        assert!(map.values.iter().all(|v| v.is_finite()));
        // 49^250 ≈ 2^1404 at the centre when every window of a 7×7 stride-1 layer reads
        // the centre: check the scale accounts for that magnitude.
        let log2_centre = map.values[(8, 8)].log2() + map.log2_scale as f64;
        assert!(log2_centre > 1024.0, "{log2_centre}");
        // The dense path rescales too, and agrees once the scales are aligned.
        let dense =
            utilization_with_rank_limit(&net.plan([16, 16], None, None).unwrap(), |_| 0).unwrap();
        let shift = 2f64.powi(dense.log2_scale - map.log2_scale);
        for (a, b) in map.values.iter().zip(dense.values.iter()) {
            assert!(
                (a - b * shift).abs() <= 1e-9 * a.abs(),
                "{a} vs {}",
                b * shift
            );
        }
    }

    #[test]
    fn too_much_memory_is_an_error_not_an_allocation() {
        let net = zoo::build("resnet50").unwrap();
        let err = utilization(&net, [60000, 60000], None, None).unwrap_err();
        assert!(matches!(err, Error::TooMuchMemory { .. }), "{err}");
    }

    #[test]
    fn per_layer_maps() {
        let net = zoo::build("vgg19").unwrap();
        let first = utilization(&net, [32, 32], None, Some(1)).unwrap();
        assert_eq!(first.values[(0, 0)], 4.0);
        assert_eq!(first.values[(10, 10)], 9.0);
    }

    fn arbitrary_net() -> impl Strategy<Value = (Network, Size)> {
        let window = (
            1usize..5,
            1usize..4,
            1usize..3,
            0usize..3,
            0usize..3,
            0usize..3,
        );
        (
            prop::collection::vec(window, 1..4),
            0usize..8,
            prop::bool::ANY,
            8usize..20,
            8usize..20,
        )
            .prop_map(|(windows, mode, residual, h, w)| {
                let mode = PaddingMode::ALL[mode];
                let mut layers: Vec<Layer> = windows
                    .iter()
                    .enumerate()
                    .map(|(i, &(k, s, d, pb, pa, kind))| {
                        let mut layer = Layer::conv(format!("l{i}"), k, s, 0);
                        if let Layer::Window(wl) = &mut layer {
                            wl.window[0].dilation = d;
                            wl.padding[0] = crate::geometry::PaddingSpec::Explicit {
                                before: pb,
                                after: pa,
                            };
                            wl.padding[1] = crate::geometry::PaddingSpec::Same;
                            wl.mode = mode;
                            if kind == 2 {
                                wl.kind = WindowKind::MaxPool;
                            }
                        }
                        layer
                    })
                    .collect();
                if residual {
                    let text = r#"{"layers": [{"type": "residual",
                        "main": [{"type": "conv", "kernel": 3, "padding": 1, "padding_mode": "reflect"}],
                        "shortcut": [{"type": "avg_pool", "kernel": 1, "stride": 1}]}]}"#;
                    layers.extend(parse_network(text).unwrap().layers);
                }
                (
                    Network {
                        name: "random".into(),
                        layers,
                    },
                    [h, w],
                )
            })
    }

    proptest! {
        #[test]
        fn fast_path_matches_reference((net, size) in arbitrary_net()) {
            if let Ok(plan) = net.plan(size, None, None) {
                let slow = reference_utilization(&plan);
                // Factored as far as possible, dense throughout, and the default mix.
                let limits: [fn(Size) -> usize; 3] = [|_| usize::MAX, |_| 0, max_rank];
                for limit in limits {
                    let fast = utilization_with_rank_limit(&plan, limit).unwrap();
                    prop_assert_eq!(fast.log2_scale, 0);
                    for (a, b) in fast.values.iter().zip(slow.iter()) {
                        prop_assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{} vs {}", a, b);
                    }
                }
            }
        }
    }
}
