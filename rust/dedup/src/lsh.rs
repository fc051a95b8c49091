//! LSH banding: choosing (bands, rows) for a Jaccard threshold, and hashing bands into bucket keys.
//!
//! The choice follows datasketch's `_optimal_param`: over every `b in 1..=num_perm` and
//! `r in 1..=num_perm / b`, minimise `w_fp * FP(b, r) + w_fn * FN(b, r)` where
//! `FP = integral_0^t 1 - (1 - s^r)^b ds` and `FN = integral_t^1 (1 - s^r)^b ds`. datasketch
//! integrates with `scipy.integrate.quad`; we use composite Gauss-Legendre quadrature, accurate to
//! far below the gaps between candidates, so both pick the same (b, r) (tested against datasketch).

use std::sync::OnceLock;

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::error::DedupError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LshParams {
    pub bands: usize,
    pub rows: usize,
}

impl LshParams {
    pub fn validated(bands: usize, rows: usize, num_perm: usize) -> Result<Self, DedupError> {
        if bands == 0 || rows == 0 || bands * rows > num_perm {
            return Err(DedupError::Params { bands, rows, num_perm });
        }
        Ok(Self { bands, rows })
    }

    /// The bucket key of band `band` of `signature`: a 64-bit hash of its `rows` values, seeded by
    /// the band index so equal values in different bands never share a key.
    pub fn band_key(&self, signature: &[u64], band: usize) -> u64 {
        let values = &signature[band * self.rows..(band + 1) * self.rows];
        let mut bytes = [0u8; 8 * 64];
        let mut key = band as u64;
        for chunk in values.chunks(64) {
            for (slot, value) in bytes.chunks_exact_mut(8).zip(chunk) {
                slot.copy_from_slice(&value.to_le_bytes());
            }
            key = xxh3_64_with_seed(&bytes[..8 * chunk.len()], key);
        }
        key
    }
}

pub fn validate_threshold(threshold: f64) -> Result<(), DedupError> {
    if threshold > 0.0 && threshold < 1.0 {
        Ok(())
    } else {
        Err(DedupError::Threshold(threshold))
    }
}

/// datasketch's `MinHashLSH` parameter choice for `threshold` and `num_perm`.
pub fn optimal_params(threshold: f64, num_perm: usize, weights: (f64, f64)) -> Result<LshParams, DedupError> {
    validate_threshold(threshold)?;
    if num_perm < 2 {
        return Err(DedupError::NumPerm { min: 2, got: num_perm });
    }
    let (fp_weight, fn_weight) = weights;
    let in_unit = |w: f64| (0.0..=1.0).contains(&w);
    if !in_unit(fp_weight) || !in_unit(fn_weight) || (fp_weight + fn_weight - 1.0).abs() > 1e-9 {
        return Err(DedupError::Weights(fp_weight, fn_weight));
    }
    let mut best = (f64::INFINITY, LshParams { bands: 1, rows: 1 });
    for bands in 1..=num_perm {
        for rows in 1..=num_perm / bands {
            let (b, r) = (bands as i32, rows as i32);
            let false_positive = integrate(|s| 1.0 - (1.0 - s.powi(r)).powi(b), 0.0, threshold);
            let false_negative = integrate(|s| (1.0 - s.powi(r)).powi(b), threshold, 1.0);
            let error = false_positive * fp_weight + false_negative * fn_weight;
            if error < best.0 {
                best = (error, LshParams { bands, rows });
            }
        }
    }
    Ok(best.1)
}

const PANELS: usize = 32;
const ORDER: usize = 16;

/// Composite Gauss-Legendre quadrature: `PANELS` panels of `ORDER` points each.
fn integrate(f: impl Fn(f64) -> f64, low: f64, high: f64) -> f64 {
    let (nodes, weights) = gauss_legendre();
    let width = (high - low) / PANELS as f64;
    let mut total = 0.0;
    for panel in 0..PANELS {
        let mid = low + width * (panel as f64 + 0.5);
        for (x, w) in nodes.iter().zip(weights) {
            total += w * f(mid + 0.5 * width * x);
        }
    }
    total * 0.5 * width
}

/// Nodes and weights on [-1, 1], by Newton iteration on the Legendre polynomial P_ORDER.
fn gauss_legendre() -> &'static ([f64; ORDER], [f64; ORDER]) {
    static TABLE: OnceLock<([f64; ORDER], [f64; ORDER])> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut nodes = [0.0; ORDER];
        let mut weights = [0.0; ORDER];
        let n = ORDER as f64;
        for i in 0..ORDER {
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n + 0.5)).cos();
            let mut derivative = 0.0;
            for _ in 0..100 {
                let (mut p0, mut p1) = (1.0, x);
                for k in 2..=ORDER {
                    let k = k as f64;
                    (p0, p1) = (p1, ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k);
                }
                derivative = n * (x * p1 - p0) / (x * x - 1.0);
                let step = p1 / derivative;
                x -= step;
                if step.abs() < 1e-15 {
                    break;
                }
            }
            nodes[i] = x;
            weights[i] = 2.0 / ((1.0 - x * x) * derivative * derivative);
        }
        (nodes, weights)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference (b, r) printed by datasketch 2.0.0's MinHashLSH(threshold, num_perm).
    #[test]
    fn matches_datasketch_choices() {
        for (threshold, num_perm, bands, rows) in
            [(0.8, 128, 9, 13), (0.5, 128, 25, 5), (0.9, 256, 9, 28), (0.7, 64, 8, 8), (0.85, 128, 8, 16)]
        {
            let got = optimal_params(threshold, num_perm, (0.5, 0.5)).unwrap();
            assert_eq!(got, LshParams { bands, rows }, "threshold {threshold}, num_perm {num_perm}");
        }
    }

    #[test]
    fn quadrature_is_exact_on_polynomials() {
        let got = integrate(|s| s.powi(7), 0.2, 0.9);
        let want = (0.9f64.powi(8) - 0.2f64.powi(8)) / 8.0;
        assert!((got - want).abs() < 1e-14, "{got} vs {want}");
    }

    #[test]
    fn rejects_bad_threshold_and_params() {
        assert_eq!(optimal_params(1.0, 128, (0.5, 0.5)), Err(DedupError::Threshold(1.0)));
        assert_eq!(optimal_params(0.8, 128, (0.7, 0.7)), Err(DedupError::Weights(0.7, 0.7)));
        assert!(LshParams::validated(16, 9, 128).is_err());
    }

    #[test]
    fn band_keys_depend_on_band_and_values() {
        let params = LshParams { bands: 2, rows: 2 };
        let signature = [1, 2, 1, 2];
        assert_ne!(params.band_key(&signature, 0), params.band_key(&signature, 1));
        assert_ne!(params.band_key(&[1, 2, 0, 0], 0), params.band_key(&[1, 3, 0, 0], 0));
    }
}
