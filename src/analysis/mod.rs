//! What the core computes from a resolved [`Plan`](crate::net::Plan): utilization maps
//! (docs/definitions.md §3) and their summary figures, the uneven-padding report and doctor (§1), and
//! boundary marginalization (§4); [`request`] finds the nearest request a bad one can be
//! turned into.

pub mod axis_operator;
pub mod doctor;
pub mod explainer;
pub mod kernels;
pub mod marginalization;
pub mod reference;
pub mod request;
pub mod summary;
pub mod uneven;
pub mod utilization;

pub use summary::{centre_profiles, CentreProfiles, Summary};
pub use utilization::{utilization, utilization_of_plan, UtilizationMap};
