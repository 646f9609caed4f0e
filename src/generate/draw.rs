//! The portable random source of the exercise generator.
//!
//! The same (kind, seed, difficulty, plant) must give the same exercise on every machine
//! and in every version of the same major release, so nothing here depends on the
//! platform, on floating point or on a library's choice of algorithm that may change:
//!
//! - the stream is ChaCha8 (`rand_chacha::ChaCha8Rng`, whose output for a given key is
//!   fixed: it is the ChaCha8 keystream), keyed by 32 bytes: the seed as 8 little-endian
//!   bytes, then one byte each for the kind, the difficulty and the plant, then zeros;
//! - every draw takes 32-bit words from that stream and reduces them with integer
//!   arithmetic only (rejection sampling, below), never with `rand`'s range sampling;
//! - every number of an exercise is drawn as an integer (a weight as tenths) and only
//!   then written as a decimal.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

pub struct Draw {
    rng: ChaCha8Rng,
}

impl Draw {
    /// The stream of one exercise: `tags` are the kind, difficulty and plant, one byte each.
    pub fn new(seed: u64, tags: [u8; 3]) -> Draw {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..11].copy_from_slice(&tags);
        Draw {
            rng: ChaCha8Rng::from_seed(key),
        }
    }

    /// A uniform integer in `0..n` (n ≥ 1): words at or above the largest multiple of n
    /// that fits in 2^32 are rejected, so every value is equally likely.
    pub fn below(&mut self, n: u32) -> u32 {
        assert!(n > 0, "a draw from an empty range");
        let span = 1u64 << 32;
        let limit = span - span % u64::from(n);
        loop {
            let word = u64::from(self.rng.next_u32());
            if word < limit {
                return (word % u64::from(n)) as u32;
            }
        }
    }

    /// A uniform integer in `lo..=hi`.
    pub fn int(&mut self, lo: i32, hi: i32) -> i32 {
        let n = u32::try_from(hi - lo + 1).expect("lo <= hi");
        lo + self.below(n) as i32
    }

    /// A uniform non-zero integer in `-max..=max`: a weight of `±0.1 … ±max/10` as tenths.
    pub fn nonzero(&mut self, max: i32) -> i32 {
        let k = self.int(1, max);
        if self.below(2) == 0 { k } else { -k }
    }

    /// One of `options`, uniformly.
    pub fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        options[self.below(options.len() as u32) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_pinned() {
        // The first words of the stream for seed 7: if these change, every generated
        // exercise changes, which the same major release promises not to do.
        let mut d = Draw::new(7, [2, 2, 0]);
        let words: Vec<u32> = (0..4).map(|_| d.below(1000)).collect();
        let mut again = Draw::new(7, [2, 2, 0]);
        let same: Vec<u32> = (0..4).map(|_| again.below(1000)).collect();
        assert_eq!(words, same);
        assert_eq!(words, PINNED);
    }

    const PINNED: [u32; 4] = [962, 706, 645, 856];

    #[test]
    fn draws_stay_in_range_and_reach_both_ends() {
        let mut d = Draw::new(1, [0, 0, 0]);
        let values: Vec<i32> = (0..2000).map(|_| d.int(-3, 3)).collect();
        assert!(values.iter().all(|v| (-3..=3).contains(v)));
        assert!(values.contains(&-3) && values.contains(&3));
        let weights: Vec<i32> = (0..2000).map(|_| d.nonzero(9)).collect();
        assert!(!weights.contains(&0));
        assert!(weights.contains(&-9) && weights.contains(&9));
    }
}
