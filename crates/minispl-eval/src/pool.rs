//! The worker loop shared by the reader's threads and [`crate::program::Program::run_parallel`]
//! (issue 6): numbered jobs in, numbered answers out, so the caller can put the answers
//! back in input order.

use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Mutex;

/// Take numbered jobs from `jobs` and answer each on `done` under the same number, until
/// either channel closes. The lock is held only while taking one job, so several workers
/// share one queue.
pub(crate) fn serve<J, R>(
    jobs: &Mutex<Receiver<(u64, J)>>,
    done: SyncSender<(u64, R)>,
    mut work: impl FnMut(J) -> R,
) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((seq, job)) = job else { return };
        if done.send((seq, work(job))).is_err() {
            return;
        }
    }
}
