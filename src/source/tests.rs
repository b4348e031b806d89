//! The source loop's own tests.

use super::*;

#[test]
fn backoff_doubles_up_to_thirty_seconds() {
    let mut b = Backoff::new();
    let delays: Vec<u64> = (0..7).map(|_| b.next_delay().as_secs()).collect();
    assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30]);
    b.reset();
    assert_eq!(b.next_delay(), Duration::from_secs(1));
}
