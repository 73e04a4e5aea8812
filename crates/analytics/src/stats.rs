//! Small statistics toolkit for the detectors: robust location/scale, tail probabilities of
//! the normal, Poisson and binomial laws, Mann–Kendall with an autocorrelation correction,
//! Theil–Sen, and a hinge change-point. Every function accepts empty, constant or NaN-holding
//! input and answers `None` (or a neutral value) instead of panicking.

// `!(x > 0.0)` is deliberate throughout: it is true for NaN too, which must take the
// degenerate branch.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

/// Finite values only.
pub fn finite(v: &[f64]) -> Vec<f64> {
    v.iter().copied().filter(|x| x.is_finite()).collect()
}

/// (position, value) of the finite values.
fn finite_points(y: &[f64]) -> Vec<(f64, f64)> {
    y.iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, v)| (i as f64, *v))
        .collect()
}

pub fn median(v: &[f64]) -> Option<f64> {
    let mut s = finite(v);
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    })
}

/// Median absolute deviation scaled to a normal standard deviation (×1.4826).
pub fn mad_sd(v: &[f64]) -> Option<f64> {
    let m = median(v)?;
    let dev: Vec<f64> = finite(v).iter().map(|x| (x - m).abs()).collect();
    median(&dev).map(|d| d * 1.4826)
}

pub fn mean(v: &[f64]) -> Option<f64> {
    let s = finite(v);
    (!s.is_empty()).then(|| s.iter().sum::<f64>() / s.len() as f64)
}

/// erfc(x) with fractional error below 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit),
/// accurate in the far tails that multiple-testing thresholds need.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let ans = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { ans } else { 2.0 - ans }
}

/// P(Z ≥ z) for a standard normal.
pub fn norm_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The z with P(Z ≥ z) = p (Acklam's rational approximation, refined by one Newton step).
pub fn norm_isf(p: f64) -> f64 {
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let q = 1.0 - p; // lower-tail probability of the answer
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let plow = 0.02425;
    let x = if q < plow {
        let r = (-2.0 * q.ln()).sqrt();
        (((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5])
            / ((((D[0] * r + D[1]) * r + D[2]) * r + D[3]) * r + 1.0)
    } else if q <= 1.0 - plow {
        let r = q - 0.5;
        let s = r * r;
        (((((A[0] * s + A[1]) * s + A[2]) * s + A[3]) * s + A[4]) * s + A[5]) * r
            / (((((B[0] * s + B[1]) * s + B[2]) * s + B[3]) * s + B[4]) * s + 1.0)
    } else {
        // upper tail: solve with p directly for accuracy
        let r = (-2.0 * p.ln()).sqrt();
        -(((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5])
            / ((((D[0] * r + D[1]) * r + D[2]) * r + D[3]) * r + 1.0)
    };
    // one Newton step on P(Z >= x) = p
    let e = norm_sf(x) - p;
    let dens = (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    if dens > 0.0 && e.is_finite() {
        x + e / dens
    } else {
        x
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised lower incomplete gamma P(a, x).
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if !(a > 0.0) || !(x > 0.0) || !a.is_finite() {
        return if x > 0.0 && a <= 0.0 { 1.0 } else { 0.0 };
    }
    if x.is_infinite() {
        return 1.0;
    }
    let gln = ln_gamma(a);
    if x < a + 1.0 {
        let mut ap = a;
        let mut sum = 1.0 / a;
        let mut del = sum;
        for _ in 0..10_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (sum.ln() - x + a * x.ln() - gln).exp().clamp(0.0, 1.0)
    } else {
        1.0 - gamma_q_cf(a, x, gln)
    }
}

fn gamma_q_cf(a: f64, x: f64, gln: f64) -> f64 {
    let tiny = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        let del = lentz_step(an, b, &mut c, &mut d);
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    ((-x + a * x.ln() - gln).exp() * h).clamp(0.0, 1.0)
}

/// P(X ≥ k) for X ~ Poisson(mu), continuous in k (k may be fractional: quasi-Poisson).
pub fn poisson_sf(k: f64, mu: f64) -> f64 {
    if !(k > 0.0) {
        return 1.0;
    }
    if !(mu > 0.0) {
        return 0.0;
    }
    gamma_p(k, mu)
}

/// P(X ≤ k) for X ~ Poisson(mu), continuous in k.
pub fn poisson_cdf(k: f64, mu: f64) -> f64 {
    if !(mu > 0.0) {
        return 1.0;
    }
    if k < 0.0 {
        return 0.0;
    }
    1.0 - gamma_p(k + 1.0, mu)
}

/// P(X ≥ x) for a count with mean `mu` and variance `phi·mu + s2·mu²` (a negative binomial
/// on the `phi`-scaled count; Poisson when `s2` is 0). Continuous in `x`.
pub fn count_sf(x: f64, mu: f64, phi: f64, s2: f64) -> f64 {
    let phi = if phi.is_finite() { phi.max(1.0) } else { 1.0 };
    let (x, m) = (x / phi, mu / phi);
    if !(s2 > 1e-9) || !s2.is_finite() {
        return poisson_sf(x, m);
    }
    if !(x > 0.0) {
        return 1.0;
    }
    if !(m > 0.0) {
        return 0.0;
    }
    let r = 1.0 / s2;
    beta_inc(x, r, m / (r + m))
}

/// P(X ≤ x) under the same law as [`count_sf`].
pub fn count_cdf(x: f64, mu: f64, phi: f64, s2: f64) -> f64 {
    let phi = if phi.is_finite() { phi.max(1.0) } else { 1.0 };
    if x < 0.0 {
        return 0.0;
    }
    (1.0 - count_sf(x + phi, mu, phi, s2)).clamp(0.0, 1.0)
}

/// Regularised incomplete beta I_x(a, b).
pub fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if !(x > 0.0) {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    if !(a > 0.0) || !(b > 0.0) {
        return f64::NAN;
    }
    let ln_bt = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let bt = ln_bt.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        (bt * beta_cf(a, b, x) / a).clamp(0.0, 1.0)
    } else {
        (1.0 - bt * beta_cf(b, a, 1.0 - x) / b).clamp(0.0, 1.0)
    }
}

fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        h *= lentz_step(aa, 1.0, &mut c, &mut d);
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        let del = lentz_step(aa, 1.0, &mut c, &mut d);
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// One step of the modified Lentz method for a continued fraction with partial numerator
/// `a` and denominator `b`: updates C and D (kept away from zero) and returns the factor
/// C·D by which the convergent changes.
fn lentz_step(a: f64, b: f64, c: &mut f64, d: &mut f64) -> f64 {
    const TINY: f64 = 1e-300;
    *d = b + a * *d;
    if d.abs() < TINY {
        *d = TINY;
    }
    *c = b + a / *c;
    if c.abs() < TINY {
        *c = TINY;
    }
    *d = 1.0 / *d;
    *d * *c
}

/// P(K ≥ k) for K ~ Binomial(n, p), continuous in k and n (quasi-binomial scaling).
pub fn binom_sf(k: f64, n: f64, p: f64) -> f64 {
    if !(k > 0.0) {
        return 1.0;
    }
    if k > n || !(p > 0.0) {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    beta_inc(k, n - k + 1.0, p)
}

/// P(T ≥ t) for Student's t with `df` degrees of freedom (normal for huge or invalid df).
pub fn t_sf(t: f64, df: f64) -> f64 {
    if !t.is_finite() {
        return if t > 0.0 { 0.0 } else { 1.0 };
    }
    if !(df > 0.0) || df > 1e7 {
        return norm_sf(t);
    }
    let tail = 0.5 * beta_inc(df / 2.0, 0.5, df / (df + t * t));
    if t >= 0.0 { tail } else { 1.0 - tail }
}

/// Mann–Kendall trend test on an (ordered) series with gaps (`NaN` values are skipped).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    pub n: usize,
    pub s: f64,
    /// Variance of S with the tie correction and the Hamed–Rao autocorrelation inflation
    /// (never deflated).
    pub var: f64,
    /// Continuity-corrected standardised S (positive = increasing).
    pub z: f64,
    /// Theil–Sen slope per step.
    pub slope: f64,
}

pub fn mann_kendall(y: &[f64]) -> Option<MannKendall> {
    let pts = finite_points(y);
    let n = pts.len();
    if n < 8 {
        return None;
    }
    let mut s = 0.0;
    let mut slopes = Vec::with_capacity(n * (n - 1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            let d = pts[j].1 - pts[i].1;
            s += if d > 0.0 {
                1.0
            } else if d < 0.0 {
                -1.0
            } else {
                0.0
            };
            slopes.push(d / (pts[j].0 - pts[i].0));
        }
    }
    let slope = median(&slopes)?;
    // ties
    let mut sorted: Vec<f64> = pts.iter().map(|p| p.1).collect();
    sorted.sort_by(f64::total_cmp);
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && sorted[j + 1] == sorted[i] {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        tie_term += t * (t - 1.0) * (2.0 * t + 5.0);
        i = j + 1;
    }
    let nf = n as f64;
    let mut var = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - tie_term) / 18.0;
    if !(var > 0.0) {
        return None; // constant series
    }
    // Hamed & Rao (1998): inflate by the autocorrelation of the ranks of the detrended series
    // (significant lags only).
    let detr: Vec<f64> = pts.iter().map(|(x, v)| v - slope * x).collect();
    let ranks = rank(&detr);
    let rm = (nf + 1.0) / 2.0;
    let den: f64 = ranks.iter().map(|r| (r - rm).powi(2)).sum();
    if den > 0.0 {
        let bound = 1.96 / nf.sqrt();
        let mut factor = 0.0;
        for lag in 1..n / 3 {
            let num: f64 = (0..n - lag)
                .map(|k| (ranks[k] - rm) * (ranks[k + lag] - rm))
                .sum();
            let rho = num / den;
            if rho.abs() > bound {
                let l = lag as f64;
                factor += (nf - l) * (nf - l - 1.0) * (nf - l - 2.0) * rho;
            }
        }
        let inflation = 1.0 + 2.0 * factor / (nf * (nf - 1.0) * (nf - 2.0));
        if inflation > 1.0 {
            var *= inflation;
        }
    }
    let z = if s > 0.0 {
        (s - 1.0) / var.sqrt()
    } else if s < 0.0 {
        (s + 1.0) / var.sqrt()
    } else {
        0.0
    };
    Some(MannKendall {
        n,
        s,
        var,
        z,
        slope,
    })
}

/// Average ranks (1-based) with ties.
fn rank(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|a, b| v[*a].total_cmp(&v[*b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        i = j + 1;
    }
    r
}

/// Onset of a change: the index k (of the finite points, mapped back to positions) that best
/// fits y = a + b·max(0, i − k) by least squares, i.e. flat then a ramp (a step is a steep
/// ramp). `None` for fewer than 4 finite points.
pub fn hinge_onset(y: &[f64]) -> Option<usize> {
    let pts = finite_points(y);
    if pts.len() < 4 {
        return None;
    }
    let mut best: Option<(f64, usize)> = None;
    let last = pts.last().map_or(0.0, |p| p.0);
    for cand in 0..y.len() {
        let k = cand as f64;
        if k >= last {
            break;
        }
        // regress y on h = max(0, i - k)
        let n = pts.len() as f64;
        let (mut sh, mut sy, mut shh, mut shy) = (0.0, 0.0, 0.0, 0.0);
        for (x, v) in &pts {
            let h = (x - k).max(0.0);
            sh += h;
            sy += v;
            shh += h * h;
            shy += h * v;
        }
        let den = n * shh - sh * sh;
        if den.abs() < 1e-12 {
            continue;
        }
        let b = (n * shy - sh * sy) / den;
        let a = (sy - b * sh) / n;
        let sse: f64 = pts
            .iter()
            .map(|(x, v)| (v - a - b * (x - k).max(0.0)).powi(2))
            .sum();
        if best.is_none_or(|(s, _)| sse < s) {
            best = Some((sse, cand));
        }
    }
    best.map(|(_, k)| k)
}

/// Siegmund's approximation of the in-control average run length (in observations) of a
/// one-sided CUSUM `S = max(0, S + z − k)` on independent N(0, 1) values that alarms at
/// `S > h`: (e^{2kb} − 2kb − 1) / (2k²) with b = h + 1.166 (within a few per cent of the
/// exact values for k = 0.5, h ≥ 3). `None` for a non-positive or non-finite k or h.
pub fn cusum_arl0(h: f64, k: f64) -> Option<f64> {
    if !(k > 0.0) || !(h > 0.0) || !h.is_finite() || !k.is_finite() {
        return None;
    }
    let a = 2.0 * k * (h + 1.166);
    Some(((a.exp() - a - 1.0) / (2.0 * k * k)).max(1.0))
}

/// The CUSUM threshold h whose in-control average run length is `arl0` observations
/// (inverse of [`cusum_arl0`], by bisection). `None` for an ARL below 2 or a bad k.
pub fn cusum_threshold(arl0: f64, k: f64) -> Option<f64> {
    if !(arl0 >= 2.0) || !arl0.is_finite() {
        return None;
    }
    let (mut lo, mut hi) = (1e-6, 200.0);
    if cusum_arl0(hi, k)? < arl0 {
        return Some(hi);
    }
    // 64 halvings of [0, 200] reach below f64 resolution at h ~ 10
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if cusum_arl0(mid, k)? < arl0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// Tarone's (1990) level for a family of discrete tests. A test whose smallest attainable
/// p-value is above the level can never reject, so it needs no share of the false-alarm
/// budget; Bonferroni over the others still bounds the expected false alarms by `budget`.
/// `always` counts the tests that can reach any level (their smallest p is 0), `min_p` holds
/// the smallest attainable p of each other test and `weight` scales each to the period the
/// budget is for. Returns budget / k for the smallest k ≥ 1 such that the tests able to reach
/// budget / k weigh at most k (plain Bonferroni when every test can reach it). The vector
/// is sorted in place.
pub fn tarone_level(budget: f64, always: f64, min_p: &mut [f64], weight: f64) -> f64 {
    if !(budget > 0.0) {
        return 0.0;
    }
    min_p.sort_by(f64::total_cmp);
    let m = |k: f64| always + weight * min_p.partition_point(|p| *p <= budget / k) as f64;
    let (mut lo, mut hi) = (1.0, (always + weight * min_p.len() as f64).max(1.0));
    if m(lo) <= lo {
        return budget;
    }
    // m is non-increasing in k, so m(k) − k changes sign once: bisect for the crossing
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if m(mid) <= mid {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    budget / hi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_match_known_values() {
        assert!((norm_sf(0.0) - 0.5).abs() < 1e-7);
        assert!((norm_sf(1.959_964) - 0.025).abs() < 1e-6);
        assert!((norm_sf(5.0) / 2.866_515_7e-7 - 1.0).abs() < 1e-5);
        for p in [0.4, 0.05, 1e-3, 1e-6, 1e-9] {
            let z = norm_isf(p);
            assert!((norm_sf(z) / p - 1.0).abs() < 1e-4, "{p} {z}");
        }
        // P(X >= 3 | Poisson(1)) = 1 - e^-1 (1 + 1 + 1/2)
        let exact = 1.0 - (-1.0f64).exp() * 2.5;
        assert!((poisson_sf(3.0, 1.0) - exact).abs() < 1e-9);
        assert!((poisson_cdf(0.0, 2.0) - (-2.0f64).exp()).abs() < 1e-9);
        // P(K >= 8 | n = 10, p = 0.5) = 56/1024
        assert!((binom_sf(8.0, 10.0, 0.5) - 56.0 / 1024.0).abs() < 1e-9);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-10);
        // t with 1 df is Cauchy: P(T >= 1) = 1/4
        assert!((t_sf(1.0, 1.0) - 0.25).abs() < 1e-9);
        assert!((t_sf(2.0, 1e9) - norm_sf(2.0)).abs() < 1e-9);
        assert!(t_sf(3.5, 13.0) > 5.0 * norm_sf(3.5));
        // negative binomial r = 2, mean 2 (p = 1/2): P(X >= 1) = 1 - p^r = 0.75
        assert!((count_sf(1.0, 2.0, 1.0, 0.5) - 0.75).abs() < 1e-9);
        assert!((count_cdf(0.0, 2.0, 1.0, 0.5) - 0.25).abs() < 1e-9);
        // s2 = 0 is Poisson
        assert!((count_sf(3.0, 1.0, 1.0, 0.0) - exact).abs() < 1e-9);
        // over-dispersion makes the same excess less surprising
        assert!(count_sf(105.0, 60.0, 1.0, 0.02) > 100.0 * count_sf(105.0, 60.0, 1.0, 0.0));
    }

    #[test]
    fn degenerate_inputs_are_safe() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN]), None);
        assert_eq!(mad_sd(&[3.0, 3.0, 3.0]), Some(0.0));
        assert!(mann_kendall(&[1.0; 30]).is_none());
        assert!(mann_kendall(&[1.0, 2.0]).is_none());
        assert!(mann_kendall(&[f64::NAN; 30]).is_none());
        assert_eq!(hinge_onset(&[]), None);
        assert_eq!(poisson_sf(0.0, 0.0), 1.0);
        assert_eq!(poisson_sf(5.0, 0.0), 0.0);
        assert_eq!(binom_sf(3.0, 2.0, 0.5), 0.0);
        assert!(gamma_p(f64::NAN, 1.0).is_finite());
    }

    #[test]
    fn mann_kendall_sees_trends_not_noise() {
        let up: Vec<f64> = (0..28)
            .map(|i| i as f64 * 0.1 + ((i * 7) % 5) as f64 * 0.05)
            .collect();
        let mk = mann_kendall(&up).unwrap();
        assert!(mk.z > 4.0, "{mk:?}");
        assert!((mk.slope - 0.1).abs() < 0.05);
        let flat: Vec<f64> = (0..28).map(|i| ((i * 7) % 5) as f64).collect();
        assert!(mann_kendall(&flat).unwrap().z.abs() < 2.0);
        let mut y = vec![0.0; 20];
        y.extend((1..=10).map(|i| i as f64));
        let k = hinge_onset(&y).unwrap();
        assert!((18..=20).contains(&k), "{k}");
    }

    #[test]
    fn cusum_run_lengths_match_known_values() {
        // exact in-control ARLs of the normal CUSUM with k = 0.5 (Montgomery, Introduction to Statistical Quality Control, table 9.3):
        // h = 4 → 336, h = 5 → 930
        let a4 = cusum_arl0(4.0, 0.5).unwrap();
        let a5 = cusum_arl0(5.0, 0.5).unwrap();
        assert!((a4 / 336.0 - 1.0).abs() < 0.03, "{a4}");
        assert!((a5 / 930.0 - 1.0).abs() < 0.03, "{a5}");
        let h = cusum_threshold(a5, 0.5).unwrap();
        assert!((h - 5.0).abs() < 1e-6, "{h}");
        assert!(cusum_threshold(1.0, 0.5).is_none());
        assert!(cusum_threshold(f64::NAN, 0.5).is_none());
        assert!(cusum_arl0(4.0, 0.0).is_none());
        assert!(cusum_arl0(f64::NAN, 0.5).is_none());
    }
    #[test]
    fn tarone_spends_no_budget_on_tests_that_cannot_reject() {
        // every test can reach any level: Bonferroni
        let a = tarone_level(0.1, 1000.0, &mut [], 1.0);
        assert!((a / 1e-4 - 1.0).abs() < 1e-9, "{a}");
        // a thousand more tests whose best p is 0.01 cannot reach 1e-4: unchanged
        let mut thin = vec![0.01; 1000];
        let b = tarone_level(0.1, 1000.0, &mut thin, 1.0);
        assert!((b / a - 1.0).abs() < 1e-9, "{b}");
        // …while tests able to reach it are counted
        let mut able = vec![1e-9; 1000];
        let c = tarone_level(0.1, 1000.0, &mut able, 1.0);
        assert!((c / 5e-5 - 1.0).abs() < 1e-6, "{c}");
        // weights scale counts to the budget's period
        let mut half = vec![1e-9; 2000];
        let d = tarone_level(0.1, 1000.0, &mut half, 0.5);
        assert!((d / c - 1.0).abs() < 1e-6, "{d}");
        // a mixture: the level sits where the count of able tests meets k
        // (p_i = i·10⁻⁶: m(k) = 10⁵ / k meets k at √10⁵ ≈ 316, well above Bonferroni's 10⁻⁵)
        let mut mix: Vec<f64> = (1..=10_000).map(|i| i as f64 * 1e-6).collect();
        let e = tarone_level(0.1, 0.0, &mut mix, 1.0);
        let able = mix.iter().filter(|p| **p <= e).count() as f64;
        assert!(
            able <= 0.1 / e + 1e-6 && (e / 3.16e-4 - 1.0).abs() < 0.01,
            "{e} {able}"
        );
        assert_eq!(tarone_level(0.0, 10.0, &mut [], 1.0), 0.0);
        // the smallest attainable p of a binomial upper tail, which the spike detector
        // takes as π^n: every trial a success
        for (n, p) in [(18.0, 0.5), (7.5, 0.3), (40.0, 0.62)] {
            let pn: f64 = f64::powf(p, n);
            assert!((binom_sf(n, n, p) / pn - 1.0).abs() < 1e-9, "{n} {p}");
        }
    }
}
