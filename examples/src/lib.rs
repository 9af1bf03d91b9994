//! What the runnable examples share with their tests; each scenario itself lives in a
//! file of its own beside `Cargo.toml`.

pub mod failover;
pub mod fleet;
pub mod herd;
pub mod outage;
pub mod plot;
pub mod rate_limit;
