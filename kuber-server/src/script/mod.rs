//! Lua scripting (EVAL, SCRIPT): the one Lua VM with its script cache, and the state of the script
//! running now — when it started, whether it has written, whether SCRIPT KILL asked it to stop.
//!
//! How a script runs (see `cmd/script.rs`): on its own OS thread, never on a runtime thread, holding
//! the exec gate for writing for its whole run, so that it is atomic like EXEC. Other clients take
//! the gate with try-lock and an asynchronous wait (`cmd::gate`), so a runtime thread is never
//! blocked by a script; once the script has run past `busy-reply-threshold` they get `-BUSY`,
//! except the commands Redis flags `allow-busy` (SCRIPT KILL, SHUTDOWN, MULTI…), which run without
//! the gate. SCRIPT KILL only sets a flag: the VM's instruction-count hook sees it and stops the
//! script.

pub(crate) mod convert;
pub(crate) mod library;
pub(crate) mod libs;
pub(crate) mod msgpack;
pub(crate) mod vm;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

use kuber_protocol::Frame;
use parking_lot::Mutex;

pub(crate) use vm::Vm;

/// `-BUSY` for clients that arrive while a script runs past the threshold.
pub const BUSY: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
/// `-BUSY` while a function (FCALL) runs.
pub const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
/// SCRIPT KILL with no script running.
pub const NOTBUSY: &str = "NOTBUSY No scripts in execution right now.";
/// SCRIPT KILL after the script wrote: stopping it would leave half its writes.
pub const UNKILLABLE: &str = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
/// EVALSHA of an unknown script.
pub const NOSCRIPT: &str = "NOSCRIPT No matching script. Please use EVAL.";
/// The error a killed script's EVAL answers (before the position suffix).
pub const KILLED: &str = "ERR Script killed by user with SCRIPT KILL...";

/// What the hook and SCRIPT KILL share with the running script.
pub(crate) struct RunFlags {
    /// The clock `started_ms` and `load_deadline_ms` count from.
    epoch: Instant,
    /// The running script is a function (FCALL): BUSY and KILL then speak of FUNCTION KILL.
    pub function: AtomicBool,
    /// While FUNCTION LOAD runs a library's code: when it must have finished (0 = no limit).
    pub load_deadline_ms: AtomicU64,
    /// A script holds the gate and runs.
    pub running: AtomicBool,
    /// Milliseconds since `Scripts::epoch` when the current script started.
    pub started_ms: AtomicU64,
    /// SCRIPT KILL (or SHUTDOWN) asked the script to stop.
    pub kill: AtomicBool,
    /// The script has run a write command: it can no longer be killed.
    pub wrote: AtomicBool,
    /// The script line the hook stopped it at (for the error's position).
    pub killed_at_line: AtomicI64,
}

impl Default for RunFlags {
    fn default() -> Self {
        Self {
            epoch: Instant::now(),
            function: AtomicBool::new(false),
            load_deadline_ms: AtomicU64::new(0),
            running: AtomicBool::new(false),
            started_ms: AtomicU64::new(0),
            kill: AtomicBool::new(false),
            wrote: AtomicBool::new(false),
            killed_at_line: AtomicI64::new(-1),
        }
    }
}

impl RunFlags {
    /// Milliseconds since the flags were made.
    pub fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }
}

/// Scripting state shared by all connections.
pub struct Scripts {
    /// The VM with its script cache and libraries; created on first use.
    vm: Mutex<Option<Vm>>,
    /// The thread scripts run on, started on first use (see [`Scripts::on_script_thread`]).
    worker: Mutex<Option<std::sync::mpsc::Sender<Job>>>,
    pub(crate) flags: Arc<RunFlags>,
    /// `busy-reply-threshold` / `lua-time-limit` in milliseconds.
    pub time_limit_ms: AtomicU64,
}

impl Default for Scripts {
    fn default() -> Self {
        Self {
            vm: Mutex::new(None),
            worker: Mutex::new(None),
            flags: Arc::default(),
            time_limit_ms: AtomicU64::new(5000),
        }
    }
}

/// Work for the script thread.
type Job = Box<dyn FnOnce() + Send>;

impl Scripts {
    /// Runs `job` on the script thread: one long-lived OS thread, never a runtime thread, since a
    /// script may run until SCRIPT KILL. Scripts run one at a time anyway (each holds the exec gate
    /// for writing), so one thread serves them all without queuing more than the gate would. A job
    /// that panics is caught there, so the thread lives on; if it is gone all the same, a new one
    /// starts.
    pub(crate) fn on_script_thread(&self, job: Job) -> std::io::Result<()> {
        let mut worker = self.worker.lock();
        let job = match worker.as_ref() {
            Some(tx) => match tx.send(job) {
                Ok(()) => return Ok(()),
                Err(std::sync::mpsc::SendError(job)) => job,
            },
            None => job,
        };
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("kuber-script".into())
            .spawn(move || {
                for job in rx {
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                        tracing::error!("a script job panicked");
                    }
                }
            })?;
        tx.send(job).expect("the new script thread is receiving");
        *worker = Some(tx);
        Ok(())
    }

    /// Runs `f` with the VM, creating it first if needed.
    pub(crate) fn with_vm<R>(&self, f: impl FnOnce(&mut Vm) -> R) -> Result<R, Frame> {
        let mut guard = self.vm.lock();
        if guard.is_none() {
            let vm = Vm::new(self.flags.clone()).map_err(|e| {
                tracing::error!(error = %e, "cannot create the Lua VM");
                Frame::error(format!("ERR cannot create the Lua VM: {e}"))
            })?;
            *guard = Some(vm);
        }
        Ok(f(guard.as_mut().expect("created above")))
    }

    /// SCRIPT FLUSH: forgets every cached script.
    pub fn flush(&self) {
        if let Some(vm) = self.vm.lock().as_mut() {
            vm.flush_scripts();
        }
    }

    /// True when `sha` (any case) is cached.
    pub fn exists(&self, sha: &[u8]) -> bool {
        let sha = String::from_utf8_lossy(sha).to_ascii_lowercase();
        self.vm.lock().as_ref().is_some_and(|vm| vm.has(&sha))
    }

    /// How many scripts are cached (INFO memory `number_of_cached_scripts`).
    pub fn cached(&self) -> usize {
        self.vm.lock().as_ref().map_or(0, Vm::len)
    }

    /// Marks the start of a run (called with the exec gate held for writing); the run ends when
    /// the guard drops, however it ends.
    pub(crate) fn run_guard(&self, function: bool) -> RunGuard<'_> {
        self.begin(function);
        RunGuard(self)
    }

    fn begin(&self, function: bool) {
        let f = &self.flags;
        f.kill.store(false, Ordering::Relaxed);
        f.wrote.store(false, Ordering::Relaxed);
        f.function.store(function, Ordering::Relaxed);
        f.started_ms.store(f.now_ms(), Ordering::Relaxed);
        f.running.store(true, Ordering::Release);
    }

    fn end(&self) {
        self.flags.running.store(false, Ordering::Release);
        self.flags.kill.store(false, Ordering::Relaxed);
    }

    /// True while a script runs.
    pub fn is_running(&self) -> bool {
        self.flags.running.load(Ordering::Acquire)
    }

    /// True when a script has run longer than the threshold: other clients get `-BUSY` now.
    pub fn is_busy(&self) -> bool {
        if !self.is_running() {
            return false;
        }
        let elapsed = self
            .flags
            .now_ms()
            .saturating_sub(self.flags.started_ms.load(Ordering::Relaxed));
        elapsed >= self.time_limit_ms.load(Ordering::Relaxed)
    }

    /// The `-BUSY` reply while the running script is busy: it names the KILL that stops it.
    pub fn busy_reply(&self) -> &'static str {
        if self.flags.function.load(Ordering::Relaxed) {
            BUSY_FUNCTION
        } else {
            BUSY
        }
    }

    /// SCRIPT KILL (`function` false) or FUNCTION KILL (true): each stops only its own kind.
    pub fn kill(&self, function: bool) -> Frame {
        if !self.is_running() {
            return Frame::error(NOTBUSY);
        }
        if self.flags.wrote.load(Ordering::Relaxed) {
            return Frame::error(UNKILLABLE);
        }
        if self.flags.function.load(Ordering::Relaxed) != function {
            return Frame::error(self.busy_reply());
        }
        self.flags.kill.store(true, Ordering::Relaxed);
        Frame::ok()
    }

    /// SHUTDOWN stops a running script whether or not it wrote (Redis exits without finishing it).
    pub fn kill_for_shutdown(&self) {
        if self.is_running() {
            self.flags.kill.store(true, Ordering::Relaxed);
        }
    }
}

/// Ends a run when dropped (before the gate is released: it is taken after the gate).
pub(crate) struct RunGuard<'a>(&'a Scripts);

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// The lower-case hex SHA1 of a script body, as Redis names scripts.
pub fn sha1_hex(body: &[u8]) -> String {
    use sha1::Digest;
    let digest = sha1::Sha1::digest(body);
    let mut out = String::with_capacity(40);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}
