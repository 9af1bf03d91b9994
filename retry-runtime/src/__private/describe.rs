//! How the default events format an error: `Display`, else `Debug`, else a placeholder.

use core::fmt;

use super::Probe;
use crate::call::Describe;

/// Formats an error for the default events: with `Display` when the type has it, else with
/// `Debug`, else as an opaque placeholder, resolved at the function's concrete error type.
/// The expansion writes `(&&&Describer::<E>::new()).describer()`.
pub type Describer<E> = Probe<E>;

/// Picks `Display`.
pub trait ViaDisplay<E> {
    /// The formatter.
    fn describer(&self) -> Describe<E>;
}
/// Picks `Debug`.
pub trait ViaDebug<E> {
    /// The formatter.
    fn describer(&self) -> Describe<E>;
}
/// Neither.
pub trait ViaNothing<E> {
    /// The formatter.
    fn describer(&self) -> Describe<E>;
}

impl<E: fmt::Display> ViaDisplay<E> for &&Probe<E> {
    fn describer(&self) -> Describe<E> {
        |e, f| fmt::Display::fmt(e, f)
    }
}
impl<E: fmt::Debug> ViaDebug<E> for &Probe<E> {
    fn describer(&self) -> Describe<E> {
        |e, f| fmt::Debug::fmt(e, f)
    }
}
impl<E> ViaNothing<E> for Probe<E> {
    fn describer(&self) -> Describe<E> {
        |_, f| f.write_str("<error without Display or Debug>")
    }
}
