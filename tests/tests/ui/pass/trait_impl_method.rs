// A method of a trait implementation.
use retry_runtime::retry;
use std::cell::Cell;

trait Source {
    fn read(&self) -> Result<u32, String>;
}

struct Flaky {
    calls: Cell<u32>,
}

impl Source for Flaky {
    #[retry(stop = attempts(3), wait = none)]
    fn read(&self) -> Result<u32, String> {
        self.calls.set(self.calls.get() + 1);
        if self.calls.get() < 2 { Err("flaky".into()) } else { Ok(7) }
    }
}

fn read_twice(source: &impl Source) -> u32 {
    source.read().unwrap() + source.read().unwrap()
}

fn main() {
    let source = Flaky { calls: Cell::new(0) };
    assert_eq!(read_twice(&source), 14);
    assert_eq!(source.calls.get(), 3);
}
