//! `std::io` errors: transient by [`ErrorKind`].

use std::io::{Error, ErrorKind};

use super::Transient;

/// Transient when the same operation may succeed later: the connection or the network
/// failed, or the call was interrupted or timed out.
///
/// | kind | transient | why |
/// |---|---|---|
/// | `TimedOut` | yes | the peer or network was slow |
/// | `Interrupted` | yes | a signal interrupted the call; retrying is the documented answer |
/// | `WouldBlock` | yes | not ready yet |
/// | `ConnectionReset`, `ConnectionAborted` | yes | the connection dropped |
/// | `ConnectionRefused` | yes | the server is (re)starting or overloaded |
/// | `NotConnected`, `BrokenPipe`, `UnexpectedEof` | yes | the peer went away mid-exchange |
/// | `HostUnreachable`, `NetworkUnreachable`, `NetworkDown` | yes | a network blip |
/// | `ResourceBusy` | yes | the resource is held for now |
/// | everything else | no | `NotFound`, `PermissionDenied`, `InvalidInput`, `InvalidData`, `AlreadyExists`, `AddrInUse`, `StorageFull`, `Unsupported`, `OutOfMemory`, `Other`, and kinds std adds later: retrying gives the same error |
///
/// ```
/// use retry_runtime::classify::Transient;
/// use std::io::ErrorKind;
/// assert!(ErrorKind::ConnectionReset.is_transient());
/// assert!(!ErrorKind::PermissionDenied.is_transient());
/// ```
impl Transient for ErrorKind {
    fn is_transient(&self) -> bool {
        matches!(
            self,
            ErrorKind::TimedOut
                | ErrorKind::Interrupted
                | ErrorKind::WouldBlock
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::ConnectionRefused
                | ErrorKind::NotConnected
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof
                | ErrorKind::HostUnreachable
                | ErrorKind::NetworkUnreachable
                | ErrorKind::NetworkDown
                | ErrorKind::ResourceBusy
        )
    }
}

/// By its [`ErrorKind`] (see the table there).
///
/// ```
/// use retry_runtime::classify::Transient;
/// use std::io::{Error, ErrorKind};
/// assert!(Error::from(ErrorKind::TimedOut).is_transient());
/// assert!(!Error::new(ErrorKind::NotFound, "no such file").is_transient());
/// ```
impl Transient for Error {
    fn is_transient(&self) -> bool {
        self.kind().is_transient()
    }
}
