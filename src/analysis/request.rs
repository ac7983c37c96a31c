//! What a user interface asks about one configuration — an input size, a padding mode, a
//! depth — and, for a request the core cannot answer (a link with a size of 0, a depth of 999,
//! reflect padding too wide for the input), the nearest one it can. A page opened from a bad
//! link then shows the nearest valid view with the reason beside the control at fault,
//! instead of nothing.

use super::utilization::{check_memory, largest_square};
use crate::error::{Error, Result, Subject};
use crate::geometry::MAX_EXTENT;
use crate::net::{ModeOverride, Network, Plan, Size};
use crate::padding::PaddingMode;

/// One map of one network: the part every request about a configuration shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapQuery {
    pub size: Size,
    /// One padding mode for every convolution, or `None` for the network's own.
    pub mode: ModeOverride,
    /// The first `depth` top-level layers, or `None` for all.
    pub depth: Option<usize>,
}

impl MapQuery {
    /// The plan of the query, checked as a map would be (fits the network, fits memory).
    pub fn plan(&self, network: &Network) -> Result<Plan> {
        let plan = network.plan_explained(self.size, self.mode, self.depth)?;
        check_memory(&plan)?;
        Ok(plan)
    }
}

/// The nearest query to `query` that `network` can answer, and why `query` itself cannot be
/// answered; `None` when it can. Each failure changes the one setting it is about: a depth
/// out of range becomes all layers, a padding mode that does not fit becomes the network's
/// own, a size is clamped into the sizes the network takes (its smallest input, the largest
/// that fits memory). `Err` when no change helps (a network that runs at no size).
pub fn nearest_valid(network: &Network, query: MapQuery) -> Result<Option<(MapQuery, Error)>> {
    let first = match query.plan(network) {
        Ok(_) => return Ok(None),
        Err(error) => error,
    };
    let mut current = query;
    let mut error_now = first.location();
    // Each round fixes one setting; there are three, and a size may need two rounds (up to
    // the minimum, then down for memory).
    for _ in 0..4 {
        current = match error_now.subject {
            Subject::Depth => MapQuery {
                depth: None,
                ..current
            },
            Subject::Padding => MapQuery {
                mode: None,
                ..current
            },
            Subject::Size => MapQuery {
                size: clamp_size(network, current)?,
                ..current
            },
            _ => return Err(first),
        };
        match current.plan(network) {
            Ok(_) => return Ok(Some((current, first))),
            Err(error) => error_now = error.location(),
        }
    }
    Err(first)
}

/// As [`nearest_valid`], for a query whose padding mode is still a name (from a link): a name
/// this build does not know becomes the network's own padding, and is the first thing said.
pub fn nearest_valid_named(
    network: &Network,
    size: Size,
    mode: Option<&str>,
    depth: Option<usize>,
) -> Result<Option<(MapQuery, Error)>> {
    let (mode, unknown) = match mode.map(str::parse::<PaddingMode>) {
        Some(Err(error)) => (None, Some(error)),
        Some(Ok(mode)) => (Some(mode), None),
        None => (None, None),
    };
    let query = MapQuery { size, mode, depth };
    let nearest = nearest_valid(network, query)?;
    Ok(match unknown {
        None => nearest,
        Some(unknown) => Some((nearest.map_or(query, |(q, _)| q), unknown)),
    })
}

/// The size clamped into what the network takes at this mode and depth.
fn clamp_size(network: &Network, query: MapQuery) -> Result<Size> {
    let largest = largest_square(network.nesting()).min(MAX_EXTENT);
    let smallest = network
        .minimum_input(query.mode, query.depth)
        .ok_or_else(|| Error::InputSize {
            height: query.size[0],
            width: query.size[1],
            reason: format!(
                "`{}` runs at no input size with this padding and depth",
                network.name
            ),
        })?;
    let clamp = |side: usize, axis: usize| side.clamp(smallest[axis], largest.max(smallest[axis]));
    Ok([clamp(query.size[0], 0), clamp(query.size[1], 1)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::zoo;

    fn query(size: Size, mode: ModeOverride, depth: Option<usize>) -> MapQuery {
        MapQuery { size, mode, depth }
    }

    #[test]
    fn bad_links_land_on_the_nearest_view() {
        let vgg = zoo::build("vgg19").unwrap();
        let (fixed, why) = nearest_valid(&vgg, query([0, 0], None, None))
            .unwrap()
            .unwrap();
        assert_eq!(fixed.size, [32, 32]);
        assert_eq!(why.subject(), Subject::Size);
        let (fixed, why) = nearest_valid(&vgg, query([7, 300], None, None))
            .unwrap()
            .unwrap();
        assert_eq!(fixed.size, [32, 300]);
        assert!(why.to_string().contains("at least 32×32"), "{why}");
        let (fixed, _) = nearest_valid(&vgg, query([99_999_999, 224], None, None))
            .unwrap()
            .unwrap();
        assert_eq!(fixed.size, [largest_square(0), 224]);
        let (fixed, why) = nearest_valid(&vgg, query([224, 224], None, Some(999)))
            .unwrap()
            .unwrap();
        assert_eq!(fixed.depth, None);
        assert_eq!(why.subject(), Subject::Depth);
        assert!(nearest_valid(&vgg, query([224, 224], None, None))
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_mode_too_wide_for_the_size_is_dropped() {
        // ResNet's 7×7 stem pads 3; at 1 px reflect cannot pad 3, and the nearest view keeps
        // the size the network needs anyway.
        let resnet = zoo::build("resnet18").unwrap();
        let (fixed, why) = nearest_valid(&resnet, query([2, 2], Some(PaddingMode::Reflect), None))
            .unwrap()
            .unwrap();
        assert!(fixed.plan(&resnet).is_ok());
        assert!(matches!(why.subject(), Subject::Size | Subject::Padding));
    }

    #[test]
    fn an_unknown_mode_in_a_link_becomes_the_networks_own() {
        let vgg = zoo::build("vgg19").unwrap();
        let (fixed, why) = nearest_valid_named(&vgg, [224, 224], Some("mirror"), None)
            .unwrap()
            .unwrap();
        assert_eq!(fixed.mode, None);
        assert!(why.to_string().contains("mirror"), "{why}");
        assert_eq!(why.subject(), Subject::Padding);
        assert!(nearest_valid_named(&vgg, [224, 224], Some("reflect"), None)
            .unwrap()
            .is_none());
    }

    #[test]
    fn nesting_matches_the_plan() {
        for entry in zoo::ZOO {
            let net = zoo::build(entry.name).unwrap();
            let plan = net.plan([224, 224], None, None).unwrap();
            assert_eq!(net.nesting(), plan.nesting, "{}", entry.name);
        }
    }
}
