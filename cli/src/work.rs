//! A tiny parallel map over scoped threads, for hashing, signing and writing receipts.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Worker threads of the parallel phases (the target machine has two cores).
pub(crate) const WORKERS: usize = 2;
/// Items a worker claims at once: large enough to keep the shared counter cold, small
/// enough that both workers finish together.
const CLAIM_ITEMS: usize = 32;

/// Runs `task(&mut state, i)` for every `i` in `0..count` on [`WORKERS`] threads, each with its
/// own `state` from `init` (e.g. a read buffer). Returns the results in index order, or the
/// error of the first failing item (the others then stop early).
pub(crate) fn parallel_map<S, T, E>(
    count: usize,
    init: impl Fn() -> S + Sync,
    task: impl Fn(&mut S, usize) -> Result<T, E> + Sync,
) -> Result<Vec<T>, E>
where
    T: Send,
    E: Send,
{
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<(usize, E)>> = Mutex::new(None);
    let parts: Vec<Vec<(usize, T)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS.min(count.max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut state = init();
                    let mut done = Vec::new();
                    while !failed.load(Ordering::Relaxed) {
                        let start = next.fetch_add(CLAIM_ITEMS, Ordering::Relaxed);
                        if start >= count {
                            break;
                        }
                        for index in start..(start + CLAIM_ITEMS).min(count) {
                            match task(&mut state, index) {
                                Ok(value) => done.push((index, value)),
                                Err(error) => {
                                    failed.store(true, Ordering::Relaxed);
                                    let mut slot =
                                        first_error.lock().unwrap_or_else(|e| e.into_inner());
                                    // Keep the lowest index seen, so a run with one bad item always names it.
                                    if !matches!(slot.as_ref(), Some((i, _)) if *i < index) {
                                        *slot = Some((index, error));
                                    }
                                    return done;
                                }
                            }
                        }
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    if let Some((_, error)) = first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(error);
    }
    let mut slots: Vec<Option<T>> = (0..count).map(|_| None).collect();
    for (index, value) in parts.into_iter().flatten() {
        slots[index] = Some(value);
    }
    Ok(slots
        .into_iter()
        .map(|slot| slot.expect("every index is claimed once and succeeded"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_in_order_with_per_worker_state() {
        let squares = parallel_map(
            1000,
            || 0u32,
            |calls, i| {
                *calls += 1;
                Ok::<_, ()>(i * i)
            },
        )
        .unwrap();
        assert_eq!(squares, (0..1000).map(|i| i * i).collect::<Vec<_>>());
        assert_eq!(
            parallel_map(0, || (), |_, i| Ok::<_, ()>(i)).unwrap(),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn reports_an_error() {
        let result = parallel_map(
            500,
            || (),
            |_, i| {
                if i == 7 {
                    Err(format!("item {i}"))
                } else {
                    Ok(i)
                }
            },
        );
        assert_eq!(result.unwrap_err(), "item 7");
    }
}
