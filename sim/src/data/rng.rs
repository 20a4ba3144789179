//! SplitMix64: the small, fast generator every seeded value comes from, fully determined
//! by its seed.

/// A deterministic pseudo-random sequence.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// An independent generator for one purpose (`stream`), so adding draws to one part of
    /// the account does not change the others.
    pub fn fork(seed: u64, stream: u64) -> Self {
        let mut base = Self(seed ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        Self(base.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        let n = n.max(1) as u64;
        usize::try_from(self.next_u64() % n).unwrap_or(0)
    }

    /// A number in `low..=high` (`low` when `high < low`).
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = u64::try_from(high - low).unwrap_or(0).saturating_add(1);
        low + i64::try_from(self.next_u64() % span.max(1)).unwrap_or(0)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One element of a non-empty slice (the first when `items` has one).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    /// `count` distinct indices in `0..len`, in random order (at most `len`).
    pub fn distinct(&mut self, len: usize, count: usize) -> Vec<usize> {
        let mut pool: Vec<usize> = (0..len).collect();
        for i in (1..pool.len()).rev() {
            let j = self.below(i + 1);
            pool.swap(i, j);
        }
        pool.truncate(count.min(len));
        pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_forks_differ() {
        let mut a = SplitMix64::fork(3, 0);
        let mut b = SplitMix64::fork(3, 0);
        assert_eq!(a.next_u64(), b.next_u64());
        let mut f1 = SplitMix64::fork(3, 1);
        let mut f2 = SplitMix64::fork(3, 2);
        assert_ne!(f1.next_u64(), f2.next_u64());
        for _ in 0..1000 {
            let v = a.between(-5, 5);
            assert!((-5..=5).contains(&v));
            assert!(a.below(7) < 7);
        }
        assert_eq!(a.between(9, 2), 9);
        let picks = a.distinct(10, 4);
        assert_eq!(picks.len(), 4);
        assert!(picks.iter().all(|&i| i < 10));
    }
}
