//! Padding modes (definitions.md §2): what a padded position reads.

use crate::error::{AxisError, Error};
use crate::geometry::PaddingSpec;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The eight padding modes. The names are the CLI's and the page's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PaddingMode {
    /// Zeros at the layer's own amounts (SAME or explicit).
    #[default]
    Zeros,
    /// No padding at all (amounts become 0).
    Valid,
    /// Zeros, `ke − 1` on each side.
    Full,
    /// Wrap around: `j mod n`.
    Circular,
    /// Mirror without repeating the edge (NumPy/PyTorch `reflect`, TF `REFLECT`).
    Reflect,
    /// Mirror repeating the edge (NumPy `symmetric`, TF `SYMMETRIC`).
    Symmetric,
    /// Repeat the edge pixel.
    Replicate,
    /// Partial convolution (Liu et al. 2018): zeros, each window rescaled by taps/valid taps.
    Partial,
}

impl PaddingMode {
    pub const ALL: [PaddingMode; 8] = [
        PaddingMode::Zeros,
        PaddingMode::Valid,
        PaddingMode::Full,
        PaddingMode::Circular,
        PaddingMode::Reflect,
        PaddingMode::Symmetric,
        PaddingMode::Replicate,
        PaddingMode::Partial,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PaddingMode::Zeros => "zeros",
            PaddingMode::Valid => "valid",
            PaddingMode::Full => "full",
            PaddingMode::Circular => "circular",
            PaddingMode::Reflect => "reflect",
            PaddingMode::Symmetric => "symmetric",
            PaddingMode::Replicate => "replicate",
            PaddingMode::Partial => "partial",
        }
    }

    /// The mode's name with what it puts in the padding, for a menu.
    pub fn label(self) -> &'static str {
        match self {
            PaddingMode::Zeros => "zeros",
            PaddingMode::Valid => "valid (no padding)",
            PaddingMode::Full => "full (zeros, as wide as the kernel)",
            PaddingMode::Circular => "circular (wrap around)",
            PaddingMode::Reflect => "reflect (mirror without the edge)",
            PaddingMode::Symmetric => "symmetric (mirror with the edge)",
            PaddingMode::Replicate => "replicate (repeat the edge)",
            PaddingMode::Partial => "partial convolution",
        }
    }

    /// What the mode puts in the padding, in plain words (definitions.md §2), for people
    /// who have never met these modes.
    pub fn does(self) -> &'static str {
        match self {
            PaddingMode::Zeros => "Fills the padding with zeros.",
            PaddingMode::Valid => {
                "Adds no padding: windows stay inside the image, so the output shrinks."
            }
            PaddingMode::Full => {
                "Pads with zeros on every side until each window that touches the image is \
                 computed."
            }
            PaddingMode::Circular => {
                "The padding wraps around: past the right edge comes the left edge again."
            }
            PaddingMode::Reflect => {
                "Mirrors the image at its edge without repeating the edge pixel (… c b | a b c …)."
            }
            PaddingMode::Symmetric => "Mirrors the image including the edge pixel (… b a | a b …).",
            PaddingMode::Replicate => "Repeats the edge pixel outwards (… a a | a b …).",
            PaddingMode::Partial => {
                "Zeros, but each window is scaled up by all taps ÷ taps on the image (Liu et \
                 al. 2018)."
            }
        }
    }

    /// What the mode does to the counts of a stride-1 layer (definitions.md §3).
    pub fn effect(self) -> &'static str {
        match self {
            PaddingMode::Zeros => {
                "Under-weights the border: edge pixels are read by fewer windows, corners \
                 least of all."
            }
            PaddingMode::Valid => {
                "Under-weights the border most: a corner pixel is read by one window only."
            }
            PaddingMode::Full => {
                "Uniform counts at stride 1, but the output grows and its border sees mostly \
                 zeros."
            }
            PaddingMode::Circular => {
                "Uniform counts, but the border is read next to pixels from the far side."
            }
            PaddingMode::Reflect => {
                "Over-weights the pixel next to the border, which is copied; under-weights \
                 the edge itself."
            }
            PaddingMode::Symmetric => {
                "Uniform counts at stride 1 — but edge pixels are read through other kernel \
                 cells."
            }
            PaddingMode::Replicate => {
                "Uniform for 3×3 with padding 1; wider padding over-weights the edge pixels."
            }
            PaddingMode::Partial => {
                "Lifts the border: corners stay under-weighted, the pixel next to the edge \
                 is over-weighted."
            }
        }
    }

    /// The padding amounts this mode uses in place of a layer's own: VALID drops them, FULL
    /// widens them to `effective − 1`, every other mode keeps the layer's amounts.
    pub fn amounts(self, own: PaddingSpec) -> PaddingSpec {
        match self {
            PaddingMode::Valid => PaddingSpec::Valid,
            PaddingMode::Full => PaddingSpec::Full,
            _ => own,
        }
    }

    /// Checks that the mode can pad an input of `input` pixels by these amounts.
    pub fn validate(self, input: usize, before: usize, after: usize) -> Result<(), AxisError> {
        let widest = before.max(after);
        let (widest_allowed, needs_more_than) = match self {
            // PyTorch and NumPy refuse reflect padding ≥ n: position −n would mirror to n,
            // outside the input.
            PaddingMode::Reflect => (input - 1, widest),
            PaddingMode::Symmetric => (input, widest.saturating_sub(1)),
            _ => return Ok(()),
        };
        if widest > widest_allowed {
            return Err(AxisError::PaddingTooWide {
                mode: self.name(),
                before,
                after,
                input,
                needs_more_than,
            });
        }
        Ok(())
    }

    /// The input pixel that padded position `position` reads from an input of `input`
    /// pixels, or `None` when it reads nothing (zeros). Assumes [`Self::validate`] passed.
    pub fn source(self, position: i64, input: usize) -> Option<usize> {
        let n = input as i64;
        if (0..n).contains(&position) {
            return Some(position as usize);
        }
        let mapped = match self {
            PaddingMode::Zeros | PaddingMode::Valid | PaddingMode::Full | PaddingMode::Partial => {
                return None
            }
            PaddingMode::Circular => position.rem_euclid(n),
            PaddingMode::Reflect if position < 0 => -position,
            PaddingMode::Reflect => 2 * (n - 1) - position,
            PaddingMode::Symmetric if position < 0 => -position - 1,
            PaddingMode::Symmetric => 2 * n - 1 - position,
            PaddingMode::Replicate => position.clamp(0, n - 1),
        };
        debug_assert!(
            (0..n).contains(&mapped),
            "validate() should have refused this"
        );
        Some(mapped as usize)
    }
}

impl fmt::Display for PaddingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PaddingMode {
    type Err = Error;
    fn from_str(name: &str) -> Result<Self, Error> {
        PaddingMode::ALL
            .into_iter()
            .find(|mode| mode.name() == name)
            .ok_or_else(|| Error::UnknownPaddingMode {
                name: name.to_owned(),
                known: PaddingMode::ALL.map(PaddingMode::name).join(", "),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row(mode: PaddingMode, n: usize, pad: i64) -> Vec<Option<usize>> {
        (-pad..n as i64 + pad).map(|j| mode.source(j, n)).collect()
    }

    #[test]
    fn slides_examples() {
        // The backup slide's first row a..e under each mode, padding 2 (a=0 … e=4).
        let s = |v: &[usize]| v.iter().map(|&i| Some(i)).collect::<Vec<_>>();
        assert_eq!(
            row(PaddingMode::Replicate, 5, 2),
            s(&[0, 0, 0, 1, 2, 3, 4, 4, 4])
        );
        assert_eq!(
            row(PaddingMode::Reflect, 5, 2),
            s(&[2, 1, 0, 1, 2, 3, 4, 3, 2])
        );
        assert_eq!(
            row(PaddingMode::Symmetric, 5, 2),
            s(&[1, 0, 0, 1, 2, 3, 4, 4, 3])
        );
        assert_eq!(
            row(PaddingMode::Circular, 5, 2),
            s(&[3, 4, 0, 1, 2, 3, 4, 0, 1])
        );
        assert_eq!(
            row(PaddingMode::Zeros, 2, 1),
            vec![None, Some(0), Some(1), None]
        );
    }

    #[test]
    fn reflect_wider_than_input_is_refused() {
        assert!(PaddingMode::Reflect.validate(3, 2, 2).is_ok());
        assert!(matches!(
            PaddingMode::Reflect.validate(3, 3, 1),
            Err(AxisError::PaddingTooWide { .. })
        ));
        assert!(PaddingMode::Symmetric.validate(3, 3, 3).is_ok());
        assert!(PaddingMode::Symmetric.validate(3, 4, 0).is_err());
    }

    #[test]
    fn names_round_trip() {
        for mode in PaddingMode::ALL {
            assert_eq!(mode.name().parse::<PaddingMode>().unwrap(), mode);
        }
        let err = "mirror".parse::<PaddingMode>().unwrap_err().to_string();
        assert!(err.contains("mirror") && err.contains("symmetric"), "{err}");
    }

    proptest! {
        #[test]
        fn every_valid_position_maps_inside(n in 1usize..40, pad in 0i64..40, m in 0usize..8) {
            let mode = PaddingMode::ALL[m];
            prop_assume!(mode.validate(n, pad as usize, pad as usize).is_ok());
            for j in -pad..n as i64 + pad {
                if let Some(i) = mode.source(j, n) {
                    prop_assert!(i < n);
                }
            }
        }
    }
}
