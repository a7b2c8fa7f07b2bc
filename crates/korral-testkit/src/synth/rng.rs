//! A tiny deterministic PRNG (splitmix64) and the random-looking strings Kubernetes uses.
//!
//! Self-contained on purpose: dumps must stay byte-identical for a given seed across
//! dependency upgrades, which a `rand` version bump could silently break.

/// splitmix64: one add and three mixes per draw, good enough for test data and fast.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

/// The alphabet Kubernetes uses for generated names (`utilrand.String`): no vowels, so
/// suffixes never spell words, and no easily confused characters.
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

const HEX: &[u8] = b"0123456789abcdef";

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift rather than modulo to avoid bias.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// A number of seconds in `lo..=hi`.
    pub(crate) fn span(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A version-4 UUID, formatted as the API server prints `metadata.uid`.
    pub(crate) fn uid(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        // Version 4 and the RFC 4122 variant, so the strings parse as real UUIDs.
        let hi = (hi & !0xF000) | 0x4000;
        let lo = (lo & !(0xC << 60)) | (0x8 << 60);
        let digits = u128::from(hi) << 64 | u128::from(lo);
        let mut out = String::with_capacity(36);
        for i in 0..32 {
            if matches!(i, 8 | 12 | 16 | 20) {
                out.push('-');
            }
            let nibble = (digits >> (124 - 4 * i)) & 0xF;
            out.push(char::from(HEX[nibble as usize]));
        }
        out
    }

    /// A suffix like the ones in generated names (`web-7d9c8b5f6c-x2k4p`).
    pub(crate) fn suffix(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(*self.pick(NAME_ALPHABET)))
            .collect()
    }

    pub(crate) fn hex(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(*self.pick(HEX))).collect()
    }

    /// Random letters and digits, for fake passwords and tokens.
    pub(crate) fn alnum(&mut self, len: usize) -> String {
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len).map(|_| char::from(*self.pick(ALNUM))).collect()
    }

    /// `len` random bytes, base64-encoded like Secret data.
    pub(crate) fn base64(&mut self, len: usize) -> String {
        let bytes: Vec<u8> = (0..len).map(|_| self.next_u64() as u8).collect();
        base64(&bytes)
    }
}

/// A stable 64-bit hash (FNV-1a) of `text`, so digests derived from a name (image IDs)
/// agree wherever the name appears.
pub(crate) fn hash(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// A `sha256:`-style 64-hex digest that depends only on `text`.
pub(crate) fn digest(text: &str) -> String {
    Rng::new(hash(text)).hex(64)
}

/// Standard base64 with padding, as Secret `data` values are encoded.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[(n >> (18 - 6 * i)) as usize & 0x3F]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A PEM block of `len` random bytes, like a certificate or key.
pub(crate) fn pem(label: &str, rng: &mut Rng, len: usize) -> String {
    let body = rng.base64(len);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn uids_are_version_4_uuids() {
        let uid = Rng::new(7).uid();
        assert_eq!(uid.len(), 36);
        assert_eq!(&uid[14..15], "4");
        assert!(matches!(&uid[19..20], "8" | "9" | "a" | "b"), "{uid}");
    }
}
