//! Which formatter the default events use for an error type: `Display`, else `Debug`, else a
//! placeholder (the formatters themselves, `call::ByDisplay` and the rest, live with `Call`).

use core::fmt;

use super::Probe;
use crate::call::{ByDebug, ByDisplay, ByNothing};

/// Formats an error for the default events: with `Display` when the type has it, else with
/// `Debug`, else as an opaque placeholder, resolved at the function's concrete error type.
/// The expansion writes `(&&&Describer::<E>::new()).describer()`.
pub type Describer<E> = Probe<E>;

/// Picks `Display`.
pub trait ViaDisplay<E> {
    /// The formatter's marker.
    fn describer(&self) -> ByDisplay;
}
/// Picks `Debug`.
pub trait ViaDebug<E> {
    /// The formatter's marker.
    fn describer(&self) -> ByDebug;
}
/// Neither.
pub trait ViaNothing<E> {
    /// The formatter's marker.
    fn describer(&self) -> ByNothing;
}

impl<E: fmt::Display> ViaDisplay<E> for &&Probe<E> {
    fn describer(&self) -> ByDisplay {
        ByDisplay
    }
}
impl<E: fmt::Debug> ViaDebug<E> for &Probe<E> {
    fn describer(&self) -> ByDebug {
        ByDebug
    }
}
impl<E> ViaNothing<E> for Probe<E> {
    fn describer(&self) -> ByNothing {
        ByNothing
    }
}
