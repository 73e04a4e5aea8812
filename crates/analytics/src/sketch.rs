//! A mergeable quantile sketch: a thin wrapper over `sketches-ddsketch` (DDSketch with the
//! default 1 % relative accuracy) that validates its binary form before decoding it, so that
//! corrupt bytes give an error, never a panic or a huge allocation.

use sketches_ddsketch::{Config, DDSketch};

/// Why bytes could not be decoded (into a sketch or a cell).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unexpected end of input")]
    Eof,
    #[error("unsupported cell format version {0}")]
    Version(u8),
    #[error("invalid sketch: {0}")]
    Sketch(String),
    #[error("invalid cell: {0}")]
    Cell(String),
}

/// Keys of the default mapping: ln(v)/ln(gamma) with gamma = 1.01/0.99. Values from 1e-9 to
/// 1e15 map to keys within about ±1,750, so anything outside ±4,000 is corrupt.
const MAX_ABS_KEY: i64 = 4_000;
/// The default sketch collapses beyond 2,048 bins; an encoding with more bins is corrupt.
const MAX_BINS: u64 = 4_096;
/// Counts are stored as doubles in the encoding; above 2^53 they are not exact.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// A DDSketch of non-negative values (seconds, here).
#[derive(Clone)]
pub struct Sketch(DDSketch);

impl std::fmt::Debug for Sketch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sketch")
            .field("count", &self.count())
            .field("p50", &self.quantile(0.5))
            .finish()
    }
}

impl Default for Sketch {
    fn default() -> Self {
        Sketch(DDSketch::new(Config::defaults()))
    }
}

impl PartialEq for Sketch {
    /// Two sketches are equal when their encodings are (same bins, count, min, max, sum).
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes() == other.to_bytes()
    }
}

impl Sketch {
    /// Adds a value; non-finite values are ignored, negative ones count as zero.
    pub fn add(&mut self, v: f64) {
        if v.is_finite() {
            self.0.add(v.max(0.0));
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        // Both sketches always use the default config, so merging cannot fail; if it ever
        // did, the other sketch is left out rather than corrupting this one.
        let _ = self.0.merge(&other.0);
    }

    pub fn count(&self) -> u64 {
        self.0.count() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// The q-quantile (within 1 % relative error of a value of rank ⌊q·(n−1)⌋), `None` when
    /// empty or when `q` is outside 0..=1.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.0.quantile(q).ok().flatten()
    }

    pub fn sum(&self) -> Option<f64> {
        self.0.sum()
    }

    pub fn mean(&self) -> Option<f64> {
        let n = self.count();
        self.0.sum().filter(|_| n > 0).map(|s| s / n as f64)
    }

    /// DataDog's cross-language DDSketch encoding (`DDSketchWithExactSummaryStatistics`).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_java_bytes()
    }

    /// Decodes [`Sketch::to_bytes`] output after checking every field, so corrupt input is an
    /// error rather than a panic or an unbounded allocation.
    pub fn from_bytes(bytes: &[u8]) -> Result<Sketch, DecodeError> {
        validate(bytes)?;
        let mut sk =
            DDSketch::from_java_bytes(bytes).map_err(|e| DecodeError::Sketch(e.to_string()))?;
        // The crate keeps the config private: merging checks that two configs agree, which is
        // what every later merge needs. Merging an empty default sketch into the decoded one
        // checks just that and allocates nothing (the other way round copied every bin: a
        // third of the dashboard's time went to zeroing fresh pages for it).
        if sk.merge(&DDSketch::new(Config::defaults())).is_err() {
            return Err(DecodeError::Sketch("unexpected index mapping".into()));
        }
        Ok(Sketch(sk))
    }
}

// --- a validating reader of the encoding -------------------------------------------------

fn byte(input: &mut &[u8]) -> Result<u8, DecodeError> {
    match input.split_first() {
        Some((&b, rest)) => {
            *input = rest;
            Ok(b)
        }
        None => Err(DecodeError::Eof),
    }
}

fn f64_le(input: &mut &[u8]) -> Result<f64, DecodeError> {
    if input.len() < 8 {
        return Err(DecodeError::Eof);
    }
    let (head, rest) = input.split_at(8);
    *input = rest;
    let mut a = [0u8; 8];
    a.copy_from_slice(head);
    Ok(f64::from_le_bytes(a))
}

fn var_u64(input: &mut &[u8]) -> Result<u64, DecodeError> {
    let mut value: u64 = 0;
    let mut shift: u32 = 0;
    loop {
        let next = byte(input)?;
        if next < 0x80 || shift == 56 {
            return Ok(value | (u64::from(next) << shift));
        }
        value |= (u64::from(next) & 0x7F) << shift;
        shift += 7;
    }
}

fn var_i64(input: &mut &[u8]) -> Result<i64, DecodeError> {
    let e = var_u64(input)?;
    Ok(((e >> 1) as i64) ^ -((e & 1) as i64))
}

fn var_f64(input: &mut &[u8]) -> Result<f64, DecodeError> {
    let mut bits: u64 = 0;
    let mut shift: i32 = 57;
    loop {
        let next = byte(input)?;
        if shift == 1 {
            bits |= u64::from(next);
            break;
        }
        if next < 0x80 {
            bits |= u64::from(next) << shift;
            break;
        }
        bits |= (u64::from(next) & 0x7F) << shift;
        shift -= 7;
    }
    Ok(f64::from_bits(bits.rotate_right(6).wrapping_add(f64::to_bits(1.0))) - 1.0)
}

fn check_count(c: f64) -> Result<(), DecodeError> {
    if c.is_finite() && (0.0..=MAX_COUNT).contains(&c) && c.fract() == 0.0 {
        Ok(())
    } else {
        Err(DecodeError::Sketch(format!("bad count {c}")))
    }
}

fn check_key(k: i64) -> Result<(), DecodeError> {
    if k.abs() <= MAX_ABS_KEY {
        Ok(())
    } else {
        Err(DecodeError::Sketch(format!("bin index {k} out of range")))
    }
}

fn validate(bytes: &[u8]) -> Result<(), DecodeError> {
    let mut input = bytes;
    if input.is_empty() {
        return Err(DecodeError::Eof);
    }
    let mut saw_mapping = false;
    while !input.is_empty() {
        let flag = byte(&mut input)?;
        match flag & 0x03 {
            // sketch features
            0 => match flag {
                0x04 | 0xA0 => check_count(var_f64(&mut input)?)?,
                0x84 | 0x88 | 0x8C => {
                    let v = f64_le(&mut input)?;
                    // min/max of an empty sketch are ±infinity and are not written; written
                    // values must be finite.
                    if !v.is_finite() {
                        return Err(DecodeError::Sketch("non-finite summary".into()));
                    }
                }
                _ => return Err(DecodeError::Sketch(format!("unknown flag 0x{flag:02X}"))),
            },
            // index mapping
            2 => {
                if flag != 0x02 {
                    return Err(DecodeError::Sketch(format!("unknown mapping 0x{flag:02X}")));
                }
                let gamma = f64_le(&mut input)?;
                let offset = f64_le(&mut input)?;
                let expected = (1.0 + 0.01) / (1.0 - 0.01);
                if gamma != expected || offset != 0.0 {
                    return Err(DecodeError::Sketch("unexpected index mapping".into()));
                }
                saw_mapping = true;
            }
            // positive or negative store
            _ => {
                let mode = flag >> 2;
                let n = var_u64(&mut input)?;
                if n > MAX_BINS {
                    return Err(DecodeError::Sketch(format!("{n} bins")));
                }
                match mode {
                    1 | 2 => {
                        let mut index: i64 = 0;
                        for _ in 0..n {
                            index = index.saturating_add(var_i64(&mut input)?);
                            check_key(index)?;
                            if mode == 1 {
                                check_count(var_f64(&mut input)?)?;
                            }
                        }
                    }
                    3 => {
                        let start = var_i64(&mut input)?;
                        let delta = var_i64(&mut input)?;
                        check_key(start)?;
                        check_key(delta)?;
                        let last = start.saturating_add(delta.saturating_mul(n as i64));
                        check_key(last)?;
                        for _ in 0..n {
                            check_count(var_f64(&mut input)?)?;
                        }
                    }
                    _ => return Err(DecodeError::Sketch(format!("unknown bin mode {mode}"))),
                }
            }
        }
    }
    if !saw_mapping {
        return Err(DecodeError::Sketch("missing index mapping".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_merges() {
        let mut a = Sketch::default();
        let mut b = Sketch::default();
        for v in [60.0, 600.0, 30.0, 0.0] {
            a.add(v);
        }
        for v in [1.0, 86_400.0] {
            b.add(v);
        }
        let bytes = a.to_bytes();
        let back = Sketch::from_bytes(&bytes).unwrap();
        assert_eq!(back, a);
        assert_eq!(back.count(), 4);
        a.merge(&b);
        assert_eq!(a.count(), 6);
        let p50 = a.quantile(0.5).unwrap();
        assert!(
            (p50 - 30.0).abs() / 30.0 < 0.02 || (p50 - 60.0).abs() / 60.0 < 0.02,
            "{p50}"
        );
        assert_eq!(a.quantile(1.0), Some(86_400.0));
        assert!(bytes.len() < 80, "{}", bytes.len());
    }

    #[test]
    fn ignores_nan_and_empty_is_none() {
        let mut s = Sketch::default();
        s.add(f64::NAN);
        s.add(f64::INFINITY);
        assert!(s.is_empty());
        assert_eq!(s.quantile(0.5), None);
        assert_eq!(s.mean(), None);
        let back = Sketch::from_bytes(&s.to_bytes()).unwrap();
        assert!(back.is_empty());
    }

    #[test]
    fn relative_error_is_within_one_percent() {
        let mut s = Sketch::default();
        let mut v: Vec<f64> = (1..=1000).map(|i| (i as f64).powf(1.7)).collect();
        for x in &v {
            s.add(*x);
        }
        v.sort_by(f64::total_cmp);
        for q in [0.1, 0.5, 0.9, 0.99] {
            let exact = v[(q * 999.0) as usize];
            let got = s.quantile(q).unwrap();
            assert!(
                (got - exact).abs() / exact <= 0.0101,
                "q{q}: {got} vs {exact}"
            );
        }
    }

    #[test]
    fn corrupt_bytes_are_errors() {
        let mut s = Sketch::default();
        s.add(5.0);
        let good = s.to_bytes();
        assert!(Sketch::from_bytes(&[]).is_err());
        assert!(Sketch::from_bytes(&good[..good.len() - 1]).is_err());
        // a huge bin index
        let mut bad = vec![0x02];
        bad.extend_from_slice(&((1.01f64 / 0.99).to_le_bytes()));
        bad.extend_from_slice(&0f64.to_le_bytes());
        bad.push((1 << 2) | 1);
        bad.push(1);
        bad.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
        bad.push(0x02);
        assert!(Sketch::from_bytes(&bad).is_err());
        for i in 0..good.len() {
            let mut b = good.clone();
            b[i] ^= 0xA5;
            let _ = Sketch::from_bytes(&b); // never panics
        }
    }
}
