//! The attribute's compile-time contract: every supported function shape compiles and runs
//! (`ui/pass`), and every mistake of spec §6 is reported at its token (`ui/fail`).
//!
//! Bless after an intended change with `TRYBUILD=overwrite cargo test -p tests-integration --test ui`,
//! then read every `.stderr` that changed.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
