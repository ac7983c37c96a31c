//! One-axis convolution arithmetic (definitions.md §1), in integer arithmetic only.
//!
//! A [`PaddingSpec`] says how padding is chosen (explicit amounts, TF's SAME, ONNX's
//! SAME_LOWER, VALID, FULL); [`resolve`] turns it, for one input length and one window, into an
//! [`AxisResolution`]: the amounts, the output length, and how much of the padding the windows
//! actually read. tract's `core/src/ops/cnn/padding.rs` is the model for the split.

use crate::error::AxisError;
use serde::{Deserialize, Serialize};

/// Every length, kernel, stride, dilation or padding amount is capped here so that all the
/// arithmetic below fits in `i64` with room to spare, whatever a spec file says.
pub const MAX_EXTENT: usize = 1 << 20;

/// How the padding of one axis is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaddingSpec {
    /// PyTorch style: fixed amounts before and after (usually equal).
    Explicit { before: usize, after: usize },
    /// TF/Keras `SAME`: output `⌈n/s⌉`; an odd total puts the extra pixel after.
    Same,
    /// ONNX `SAME_LOWER`: as `Same`, with the extra pixel before.
    SameLower,
    /// No padding.
    Valid,
    /// `ke − 1` on each side: every window that overlaps the input at all.
    Full,
}

impl PaddingSpec {
    pub const fn symmetric(amount: usize) -> Self {
        PaddingSpec::Explicit {
            before: amount,
            after: amount,
        }
    }
}

/// The window of a convolution or pooling layer along one axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxisWindow {
    pub kernel: usize,
    pub stride: usize,
    pub dilation: usize,
    /// Pooling's `ceil_mode`: the output length rounds up, as long as the last window starts
    /// inside the input or the before-padding (PyTorch's rule).
    pub ceil_mode: bool,
}

impl AxisWindow {
    pub const fn new(kernel: usize, stride: usize, dilation: usize) -> Self {
        AxisWindow {
            kernel,
            stride,
            dilation,
            ceil_mode: false,
        }
    }

    /// `d·(k−1)+1`, the span one window covers. Only meaningful once validated (k, d ≥ 1).
    pub fn effective(&self) -> usize {
        self.dilation * (self.kernel - 1) + 1
    }

    fn validate(&self) -> Result<(), AxisError> {
        for (field, value) in [
            ("kernel", self.kernel),
            ("stride", self.stride),
            ("dilation", self.dilation),
        ] {
            if value == 0 {
                return Err(AxisError::Zero { field });
            }
            if value > MAX_EXTENT {
                return Err(AxisError::TooLarge {
                    field,
                    value,
                    max: MAX_EXTENT,
                });
            }
        }
        Ok(())
    }
}

/// One axis of one layer, fully resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxisResolution {
    pub input: usize,
    pub kernel: usize,
    pub stride: usize,
    pub dilation: usize,
    pub ceil_mode: bool,
    /// Padding amounts.
    pub before: usize,
    pub after: usize,
    pub output: usize,
    /// Padding the windows read: all of `before` (the first window starts at `−before`), and
    /// after-padding up to where the last window ends. In ceil mode the last window may run
    /// past `after`; the overhang is counted here too, as PyTorch pads it implicitly.
    pub consumed_before: usize,
    pub consumed_after: usize,
    /// Padded positions past the end of the last window: `(n + pb + pa − ke) mod s` in floor
    /// mode (docs/definitions.md §2), 0 when a ceil-mode window overhangs. When the last window
    /// ends inside the before-padding, the before-padding behind it counts too.
    pub unread_tail: usize,
    /// Real input pixels past the end of the last window: information the layer drops.
    pub input_unread: usize,
}

impl AxisResolution {
    pub fn window(&self) -> AxisWindow {
        AxisWindow {
            kernel: self.kernel,
            stride: self.stride,
            dilation: self.dilation,
            ceil_mode: self.ceil_mode,
        }
    }

    pub fn effective_kernel(&self) -> usize {
        self.window().effective()
    }

    /// Padded position read by tap `tap` of output `out`: `out·s − before + tap·d`.
    /// Negative positions are before-padding, positions `≥ input` after-padding.
    pub fn position(&self, out: usize, tap: usize) -> i64 {
        (out * self.stride) as i64 - self.before as i64 + (tap * self.dilation) as i64
    }

    /// Both sides of the padding are read equally.
    pub fn is_even(&self) -> bool {
        self.consumed_before == self.consumed_after
    }
}

/// Resolves a padding spec for input length `input` and the given window.
pub fn resolve(
    input: usize,
    window: AxisWindow,
    spec: PaddingSpec,
) -> Result<AxisResolution, AxisError> {
    window.validate()?;
    if input == 0 {
        return Err(AxisError::EmptyInput);
    }
    if input > MAX_EXTENT {
        return Err(AxisError::TooLarge {
            field: "input",
            value: input,
            max: MAX_EXTENT,
        });
    }
    let effective = window.effective();
    let (before, after) = match spec {
        PaddingSpec::Explicit { before, after } => (before, after),
        PaddingSpec::Valid => (0, 0),
        PaddingSpec::Full => (effective - 1, effective - 1),
        PaddingSpec::Same | PaddingSpec::SameLower => {
            let output = input.div_ceil(window.stride);
            let total = ((output - 1) * window.stride + effective).saturating_sub(input);
            let small = total / 2;
            if spec == PaddingSpec::Same {
                (small, total - small)
            } else {
                (total - small, small)
            }
        }
    };
    for amount in [before, after] {
        if amount > MAX_EXTENT {
            return Err(AxisError::TooLarge {
                field: "padding",
                value: amount,
                max: MAX_EXTENT,
            });
        }
    }
    let padded = input + before + after;
    if effective > padded {
        return Err(AxisError::KernelLargerThanInput {
            kernel: window.kernel,
            dilation: window.dilation,
            effective,
            input,
            before,
            after,
            padded,
        });
    }
    let span = padded - effective;
    let mut output = if window.ceil_mode {
        span.div_ceil(window.stride) + 1
    } else {
        span / window.stride + 1
    };
    if window.ceil_mode && output > 1 && (output - 1) * window.stride >= input + before {
        output -= 1;
    }
    let last_end = ((output - 1) * window.stride + effective) as i64 - before as i64 - 1;
    let n = input as i64;
    Ok(AxisResolution {
        input,
        kernel: window.kernel,
        stride: window.stride,
        dilation: window.dilation,
        ceil_mode: window.ceil_mode,
        before,
        after,
        output,
        consumed_before: before,
        consumed_after: (last_end - n + 1).max(0) as usize,
        // Measured on the padded axis, so it is the definition's `mod s` in floor mode even
        // when the last window ends in the before-padding; a ceil-mode overhang leaves none.
        unread_tail: (n + after as i64 - 1 - last_end).max(0) as usize,
        // A last window that ends in the before-padding (stride past a tiny input) leaves
        // all of the input unread, not more: clamp to what there is.
        input_unread: (n - 1 - last_end).clamp(0, n) as usize,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn conv(k: usize, s: usize, d: usize) -> AxisWindow {
        AxisWindow::new(k, s, d)
    }

    #[test]
    fn resnet_stride_two_at_224_leaves_after_padding_unread() {
        // ResNet's 3×3 stride-2 pad-1 conv on 56 px: windows start at −1, 1, …, 53; the last
        // ends at 55 = n − 1, so the after-padding is never read.
        let r = resolve(56, conv(3, 2, 1), PaddingSpec::symmetric(1)).unwrap();
        assert_eq!((r.output, r.consumed_before, r.consumed_after), (28, 1, 0));
        assert_eq!((r.unread_tail, r.input_unread), (1, 0));
        assert!(!r.is_even());
        let odd = resolve(57, conv(3, 2, 1), PaddingSpec::symmetric(1)).unwrap();
        assert_eq!(
            (odd.output, odd.consumed_before, odd.consumed_after),
            (29, 1, 1)
        );
        assert!(odd.is_even());
    }

    #[test]
    fn tf_same_puts_the_extra_pixel_after_and_same_lower_before() {
        // 224 px, 3×3 stride 2: output 112, total padding (111·2 + 3) − 224 = 1.
        let same = resolve(224, conv(3, 2, 1), PaddingSpec::Same).unwrap();
        assert_eq!((same.before, same.after, same.output), (0, 1, 112));
        assert_eq!((same.consumed_before, same.consumed_after), (0, 1));
        let lower = resolve(224, conv(3, 2, 1), PaddingSpec::SameLower).unwrap();
        assert_eq!((lower.before, lower.after, lower.output), (1, 0, 112));
        assert_eq!((lower.consumed_before, lower.consumed_after), (1, 0));
    }

    #[test]
    fn valid_and_full() {
        let valid = resolve(10, conv(3, 1, 2), PaddingSpec::Valid).unwrap();
        assert_eq!(valid.output, 6);
        let full = resolve(10, conv(3, 1, 2), PaddingSpec::Full).unwrap();
        assert_eq!((full.before, full.after, full.output), (4, 4, 14));
    }

    #[test]
    fn ceil_mode_matches_pytorch() {
        // GoogLeNet's maxpool1: 3×3 stride 2, ceil mode, on 112 px → 56 (floor would be 55).
        let mut w = conv(3, 2, 1);
        w.ceil_mode = true;
        let r = resolve(112, w, PaddingSpec::Valid).unwrap();
        assert_eq!(r.output, 56);
        assert_eq!(r.consumed_after, 1);
        // The last window must start inside the input or the before-padding:
        // n=5, k=2, s=2, p=1 → ceil((7−2)/2)+1 = 4, but window 3 starts at 5 ≥ n + before − … .
        w = conv(2, 2, 1);
        w.ceil_mode = true;
        let r = resolve(5, w, PaddingSpec::symmetric(1)).unwrap();
        assert_eq!(r.output, 3);
    }

    #[test]
    fn a_window_wholly_in_the_padding_leaves_the_input_unread_not_more() {
        // 1 px, a 1×1 window of stride 3 with 2 px of padding before: the one window reads
        // position −2, so the one input pixel goes unread (it was reported as 2 of 1); the
        // unread tail is the definition's (1 + 2 + 0 − 1) mod 3 = 2 padded positions.
        let r = resolve(
            1,
            conv(1, 3, 1),
            PaddingSpec::Explicit {
                before: 2,
                after: 0,
            },
        )
        .unwrap();
        assert_eq!(
            (r.output, r.consumed_after, r.input_unread, r.unread_tail),
            (1, 0, 1, 2)
        );
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            resolve(5, conv(3, 0, 1), PaddingSpec::Valid),
            Err(AxisError::Zero { field: "stride" })
        );
        assert!(matches!(
            resolve(2, conv(5, 1, 1), PaddingSpec::symmetric(1)),
            Err(AxisError::KernelLargerThanInput { padded: 4, .. })
        ));
        assert_eq!(
            resolve(0, conv(1, 1, 1), PaddingSpec::Valid),
            Err(AxisError::EmptyInput)
        );
        assert!(matches!(
            resolve(usize::MAX, conv(1, 1, 1), PaddingSpec::Valid),
            Err(AxisError::TooLarge { .. })
        ));
    }

    /// Independent count: walk the windows one by one.
    fn walk(r: &AxisResolution) -> (usize, usize, usize) {
        let n = r.input as i64;
        let mut max_end = i64::MIN;
        let mut min_start = i64::MAX;
        for o in 0..r.output {
            min_start = min_start.min(r.position(o, 0));
            max_end = max_end.max(r.position(o, r.kernel - 1));
        }
        let consumed_before = (-min_start).max(0) as usize;
        let consumed_after = (max_end - n + 1).max(0) as usize;
        let input_unread = (n - 1 - max_end).clamp(0, n) as usize;
        (consumed_before, consumed_after, input_unread)
    }

    proptest! {
        #[test]
        fn floor_mode_matches_definition(
            n in 1usize..80, k in 1usize..8, s in 1usize..5, d in 1usize..4,
            pb in 0usize..8, pa in 0usize..8,
        ) {
            let w = conv(k, s, d);
            let spec = PaddingSpec::Explicit { before: pb, after: pa };
            match resolve(n, w, spec) {
                Ok(r) => {
                    let ke = d * (k - 1) + 1;
                    prop_assert_eq!(r.output, (n + pb + pa - ke) / s + 1);
                    prop_assert_eq!(r.unread_tail, (n + pb + pa - ke) % s);
                    let (cb, ca, unread) = walk(&r);
                    prop_assert_eq!(r.consumed_before, cb);
                    prop_assert_eq!(r.consumed_after, ca);
                    prop_assert_eq!(r.input_unread, unread);
                }
                Err(_) => prop_assert!(d * (k - 1) + 1 > n + pb + pa),
            }
        }

        #[test]
        fn same_keeps_ceil_n_over_s(n in 1usize..300, k in 1usize..8, s in 1usize..5, d in 1usize..4) {
            for spec in [PaddingSpec::Same, PaddingSpec::SameLower] {
                let r = resolve(n, conv(k, s, d), spec).unwrap();
                prop_assert_eq!(r.output, n.div_ceil(s));
                prop_assert!(r.before.abs_diff(r.after) <= 1);
            }
        }

        #[test]
        fn ceil_mode_last_window_starts_inside(n in 1usize..80, k in 1usize..6, s in 1usize..5, p in 0usize..3) {
            prop_assume!(p <= k / 2);
            let mut w = conv(k, s, 1);
            w.ceil_mode = true;
            if let Ok(r) = resolve(n, w, PaddingSpec::symmetric(p)) {
                let floor = (n + 2 * p - k) / s + 1;
                prop_assert!(r.output == floor || r.output == floor + 1);
                prop_assert!(r.position(r.output - 1, 0) < n as i64);
            }
        }
    }
}
