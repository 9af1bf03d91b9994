// A by-value `self` is renamed to each attempt's clone in the body, and only there: a nested
// `impl`, `fn` or `trait` in the body (or in a macro's tokens) has a `self` of its own, and
// `self` inside `format!` / `println!` arguments is the clone's.
use retry_runtime::retry;
use std::sync::atomic::{AtomicU32, Ordering};

static CALLS: AtomicU32 = AtomicU32::new(0);

macro_rules! items {
    ($($item:item)*) => { $($item)* };
}

#[derive(Clone, Debug)]
struct Job {
    name: String,
    tries: u32,
}

impl Job {
    #[retry(stop = attempts(3), wait = none)]
    fn run(mut self) -> Result<String, String> {
        struct Doubler(u32);
        impl Doubler {
            fn get(&self) -> u32 {
                self.0 * 2
            }
            fn into_inner(self) -> u32 {
                self.0
            }
        }
        trait Shout {
            fn shout(&self) -> String;
        }
        impl Shout for str {
            fn shout(&self) -> String {
                self.to_uppercase()
            }
        }
        fn label(job: &Job) -> String {
            job.name.shout()
        }
        items! {
            struct Halver(u32);
            impl Halver {
                fn get(self) -> u32 {
                    self.0 / 2
                }
            }
        }
        // Each attempt starts from its own clone: a failed attempt's `tries` does not leak.
        self.tries += 1;
        println!("{} tries {} ({:?})", self.name, self.tries, self);
        let doubled = Doubler(self.tries).get() + Doubler(self.tries).into_inner() + Halver(self.tries).get();
        if CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(format!("{} failed on try {}", self.name, self.tries));
        }
        Ok(format!("{}:{}:{}", label(&self), self.tries, doubled))
    }

    #[retry(stop = attempts(2), wait = fixed(1s))]
    async fn run_async(self) -> Result<String, String> {
        fn own(this: Job) -> String {
            this.name
        }
        let shown = format!("{}", self.name);
        Ok(shown + &own(self))
    }
}

fn main() {
    let job = Job { name: "sync".into(), tries: 0 };
    assert_eq!(job.clone().run(), Ok("SYNC:1:3".to_owned()));
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
    assert_eq!(rt.block_on(job.run_async()), Ok("syncsync".to_owned()));
}
