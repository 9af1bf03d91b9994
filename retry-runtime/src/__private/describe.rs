//! How the default events format an error: `Display`, else `Debug`, else a placeholder.

use core::fmt;

use super::Probe;
use crate::call::{Describe, Describes};

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

// The formatters are zero-sized markers rather than closures: a closure's type is its
// function's own, which made every annotated function's `Call` a type of its own, and
// every method of it compiled again for each function (the build cost per function).

/// Formats with `Display`.
#[derive(Debug, Clone, Copy)]
pub struct ByDisplay;
/// Formats with `Debug`.
#[derive(Debug, Clone, Copy)]
pub struct ByDebug;
/// Formats as a placeholder: the type has neither.
#[derive(Debug, Clone, Copy)]
pub struct ByNothing;
/// Formats as a placeholder: the expansion does not name the error type.
#[derive(Debug, Clone, Copy)]
pub struct Opaque;

impl<E: fmt::Display> Describes<E> for ByDisplay {
    #[inline]
    fn formatter(&self) -> Describe<E> {
        |e, f| fmt::Display::fmt(e, f)
    }
}
impl<E: fmt::Debug> Describes<E> for ByDebug {
    #[inline]
    fn formatter(&self) -> Describe<E> {
        |e, f| fmt::Debug::fmt(e, f)
    }
}
impl<E> Describes<E> for ByNothing {
    #[inline]
    fn formatter(&self) -> Describe<E> {
        |_, f| f.write_str("<error without Display or Debug>")
    }
}
impl<E> Describes<E> for Opaque {
    #[inline]
    fn formatter(&self) -> Describe<E> {
        |_, f| f.write_str("<error>")
    }
}
