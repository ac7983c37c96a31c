//! What the core computes from a resolved [`Plan`](crate::net::Plan): utilization maps
//! (DESIGN 2.3) and their summary figures, the uneven-padding report and doctor (2.1), and
//! boundary marginalization (2.4).

pub mod axis_operator;
pub mod doctor;
pub mod explainer;
pub mod kernels;
pub mod marginalization;
pub mod reference;
pub mod summary;
pub mod uneven;
pub mod utilization;

pub use summary::Summary;
pub use utilization::{utilization, utilization_of_plan, UtilizationMap};
