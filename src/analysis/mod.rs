//! What the core computes from a resolved [`Plan`](crate::net::Plan): utilization maps
//! (DESIGN 2.3) and their summary figures.

pub mod axis_operator;
pub mod kernels;
pub mod reference;
pub mod summary;
pub mod utilization;

pub use summary::Summary;
pub use utilization::{utilization, utilization_of_plan, UtilizationMap};
