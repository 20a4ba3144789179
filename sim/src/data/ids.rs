//! Object ids. Seeded objects get PagerDuty's classic `P` + six characters from
//! [`IdMint`]; incidents, log entries, alerts and notes get 14-character ids like
//! PagerDuty's newer ones (`Q0RIJJZL24RC6W`), computed from a number by a keyed bijection,
//! so they are unique, cost no bookkeeping and decode back to the number.

use std::collections::HashSet;

use super::rng::SplitMix64;

/// Alphabet of classic ids after the leading `P`.
const CLASSIC_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// Alphabet of long ids.
const LONG_ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Characters after the prefix of a long id (36^13 > 2^64).
const LONG_WIDTH: usize = 13;

/// Hands out unique classic ids (`P` + six characters).
#[derive(Default)]
pub struct IdMint {
    used: HashSet<String>,
}

impl IdMint {
    /// A fresh id, never returned before by this mint.
    pub fn next(&mut self, rng: &mut SplitMix64) -> String {
        loop {
            let id: String = std::iter::once('P')
                .chain((0..6).map(|_| char::from(CLASSIC_ALPHABET[rng.below(CLASSIC_ALPHABET.len())])))
                .collect();
            if self.used.insert(id.clone()) {
                return id;
            }
        }
    }
}

/// A family of long ids: a prefix letter and a key that scrambles the numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongIds {
    prefix: u8,
    key: u64,
}

const M1: u64 = 0xBF58_476D_1CE4_E5B9;
const M2: u64 = 0x94D0_49BB_1331_11EB;

impl LongIds {
    /// Ids starting with `prefix` (an ASCII capital), keyed by `seed` and `family`.
    pub fn new(prefix: u8, seed: u64, family: u64) -> Self {
        Self {
            prefix,
            key: SplitMix64::fork(seed, family).next_u64(),
        }
    }

    /// The id of number `n`.
    pub fn encode(&self, n: u64) -> String {
        let mut value = mix(n ^ self.key);
        let mut digits = [b'0'; LONG_WIDTH];
        for slot in digits.iter_mut().rev() {
            *slot = LONG_ALPHABET[(value % 36) as usize];
            value /= 36;
        }
        let mut id = String::with_capacity(LONG_WIDTH + 1);
        id.push(char::from(self.prefix));
        id.extend(digits.iter().map(|&b| char::from(b)));
        id
    }

    /// The number behind an id of this family, if it is one.
    pub fn decode(&self, id: &str) -> Option<u64> {
        let bytes = id.as_bytes();
        if bytes.len() != LONG_WIDTH + 1 || bytes[0] != self.prefix {
            return None;
        }
        let mut value: u64 = 0;
        for &b in &bytes[1..] {
            let digit = LONG_ALPHABET.iter().position(|&a| a == b)? as u64;
            value = value.checked_mul(36)?.checked_add(digit)?;
        }
        Some(unmix(value) ^ self.key)
    }
}

/// A bijection on u64 (xor-shifts and odd multipliers).
fn mix(mut x: u64) -> u64 {
    x ^= x >> 31;
    x = x.wrapping_mul(M1);
    x ^= x >> 29;
    x = x.wrapping_mul(M2);
    x ^ (x >> 32)
}

/// The inverse of [`mix`].
fn unmix(mut x: u64) -> u64 {
    x = unshift(x, 32);
    x = x.wrapping_mul(inverse(M2));
    x = unshift(x, 29);
    x = x.wrapping_mul(inverse(M1));
    unshift(x, 31)
}

/// Inverts `y = x ^ (x >> s)`.
fn unshift(y: u64, s: u32) -> u64 {
    let mut x = y;
    for _ in 0..(64 / s + 1) {
        x = y ^ (x >> s);
    }
    x
}

/// The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration).
const fn inverse(a: u64) -> u64 {
    let mut inv = a;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(inv)));
        i += 1;
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_ids_round_trip_and_reject_strangers() {
        let ids = LongIds::new(b'Q', 42, 1);
        for n in [0, 1, 2, 999, 1 << 40, u64::MAX] {
            let id = ids.encode(n);
            assert_eq!(id.len(), 14);
            assert!(id.starts_with('Q'));
            assert_eq!(ids.decode(&id), Some(n), "{id}");
        }
        assert_ne!(ids.encode(1), ids.encode(2));
        assert_ne!(ids.encode(1), LongIds::new(b'Q', 43, 1).encode(1), "keyed by seed");
        assert_eq!(ids.decode("R0000000000000"), None);
        assert_eq!(ids.decode("Qzzzzzzzzzzzzz"), None);
        assert_eq!(ids.decode("QZZZZZZZZZZZZZ"), None, "beyond 2^64");
        assert_eq!(ids.decode("Q"), None);
    }

    #[test]
    fn classic_ids_are_unique() {
        let mut mint = IdMint::default();
        let mut rng = SplitMix64::fork(1, 0);
        let ids: HashSet<String> = (0..5000).map(|_| mint.next(&mut rng)).collect();
        assert_eq!(ids.len(), 5000);
        assert!(ids.iter().all(|id| id.len() == 7 && id.starts_with('P')));
    }
}
