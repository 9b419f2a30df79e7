#!/usr/bin/env python3
"""Reference values for the relative lift of a CUPED-adjusted effect, computed outside Assay.

    python3 assay-stats/src/test/python/cuped_relative_vectors.py \
        > assay-stats/src/test/resources/vectors/cuped-relative-vectors.json

Not run by the build; CupedRelativeVectorsTest reads its output from the test classpath.

Estimand (pooled θ, held fixed as for the absolute effect):

    L = ((ȳ_b − θx̄_b) − (ȳ_a − θx̄_a)) / ȳ_a = N/D − 1,
    N = ȳ_b − θ(x̄_b − x̄_a),  D = ȳ_a.

Full delta method over the four arm means (ȳ_a, x̄_a, ȳ_b, x̄_b), whose covariance is
block-diagonal (arms independent) with blocks [[s²_y, s_xy], [s_xy, s²_x]]/n per arm:

    Var(L) ≈ ∇Lᵀ Σ ∇L.

Every expected value is computed from the exact binary value of the float sums the test feeds to
Java (fractions.Fraction), the variances and covariances exactly, the square roots, normal
quantiles and tails with mpmath at 50 digits. The gradient is taken two ways that share no code:
the closed form through (N, D) and mpmath.diff of L itself; the script stops if they disagree.
The "reference" block of each case (not compared by the test) holds the formula Assay used before
(control given the adjusted variance (s²_y + θ²s²_x − 2θs_xy)/n_a, no cross term) and
GrowthBook's production form. The "monte_carlo" block simulates experiments with numpy (seeded)
and compares the spread of the lift estimate with both standard errors and their coverage.
"""
import json
import sys
from fractions import Fraction as F

import mpmath as mp
import numpy as np
import scipy

mp.mp.dps = 50
ALPHA = 0.05


def sums(n, mean_y, mean_x, var_y, var_x, cov_xy):
    """Float sums (as Java receives them) from exact decimal moments."""
    n = F(n)
    my, mx = F(mean_y), F(mean_x)
    sy, sx = n * my, n * mx
    return {
        "n": int(n),
        "sum_y": float(sy),
        "sum_x": float(sx),
        "sum_y2": float(F(var_y) * (n - 1) + sy * sy / n),
        "sum_x2": float(F(var_x) * (n - 1) + sx * sx / n),
        "sum_xy": float(F(cov_xy) * (n - 1) + sx * sy / n),
    }


def exact_moments(s):
    """Exact moments of the float sums."""
    n = F(s["n"])
    sy, sx = F(s["sum_y"]), F(s["sum_x"])
    sy2, sx2, sxy = F(s["sum_y2"]), F(s["sum_x2"]), F(s["sum_xy"])
    return {
        "n": n,
        "my": sy / n,
        "mx": sx / n,
        "vy": (sy2 - sy * sy / n) / (n - 1),
        "vx": (sx2 - sx * sx / n) / (n - 1),
        "cxy": (sxy - sx * sy / n) / (n - 1),
        "sums": (n, sy, sx, sy2, sx2, sxy),
    }


def pooled_theta(a, b):
    n = a["sums"][0] + b["sums"][0]
    sy, sx, sy2, sx2, sxy = (a["sums"][i] + b["sums"][i] for i in range(1, 6))
    vx = (sx2 - sx * sx / n) / (n - 1)
    cxy = (sxy - sx * sy / n) / (n - 1)
    return cxy / vx


def mpf(q):
    return mp.mpf(q.numerator) / q.denominator


def z_upper(alpha):
    return mp.sqrt(2) * mp.erfinv(1 - mp.mpf(alpha))


def norm_cdf(u):
    return mp.ncdf(u)


def norm_pdf(u):
    return mp.npdf(u)


def case(cid, description, arm_a, arm_b):
    sa, sb = sums(**arm_a), sums(**arm_b)
    a, b = exact_moments(sa), exact_moments(sb)
    th = pooled_theta(a, b)
    na, nb = a["n"], b["n"]
    d = a["my"]
    num = b["my"] - th * (b["mx"] - a["mx"])
    vu_a = a["vy"] + th * th * a["vx"] - 2 * th * a["cxy"]
    vu_b = b["vy"] + th * th * b["vx"] - 2 * th * b["cxy"]
    v_num = vu_b / nb + th * th * a["vx"] / na
    v_den = a["vy"] / na
    cov = th * a["cxy"] / na
    r = num / d
    var_lift = (v_num - 2 * r * cov + r * r * v_den) / (d * d)
    lift = (num - d) / abs(d)

    # Independent check: mpmath.diff of L over the four arm means, Σ block-diagonal.
    thm = mpf(th)

    def lift_of(ya, xa, yb, xb):
        return ((yb - thm * xb) - (ya - thm * xa)) / abs(ya)

    point = [mpf(a["my"]), mpf(a["mx"]), mpf(b["my"]), mpf(b["mx"])]
    grad = []
    for i in range(4):
        def along(t, i=i):
            p = list(point)
            p[i] = t
            return lift_of(*p)
        grad.append(mp.diff(along, point[i]))
    sig_a = [[mpf(a["vy"] / na), mpf(a["cxy"] / na)], [mpf(a["cxy"] / na), mpf(a["vx"] / na)]]
    sig_b = [[mpf(b["vy"] / nb), mpf(b["cxy"] / nb)], [mpf(b["cxy"] / nb), mpf(b["vx"] / nb)]]
    var_grad = sum(grad[i] * grad[j] * sig_a[i][j] for i in range(2) for j in range(2)) + sum(
        grad[2 + i] * grad[2 + j] * sig_b[i][j] for i in range(2) for j in range(2))
    if abs(var_grad - mpf(var_lift)) > mp.mpf("1e-30") * abs(var_grad):
        sys.exit(f"{cid}: closed form {mpf(var_lift)} != gradient form {var_grad}")

    z = z_upper(ALPHA)
    se = mp.sqrt(mpf(var_lift))
    lift_m = mpf(lift)
    out = {
        "theta": float(th),
        "lift": float(lift),
        "var_lift": float(var_lift),
        "se_lift": float(se),
        "ci_lower_delta_z": float(lift_m - z * se),
        "ci_upper_delta_z": float(lift_m + z * se),
    }
    # Fieller: the roots ρ of (N − ρD)² = z²(vN − 2ρc + ρ²vD), solved as a quadratic in ρ.
    dm, nm = mpf(d), mpf(num)
    qa = dm * dm - z * z * mpf(v_den)
    qb = -2 * (nm * dm - z * z * mpf(cov))
    qc = nm * nm - z * z * mpf(v_num)
    g = z * z * mpf(v_den) / (dm * dm)
    out["fieller_g"] = float(g)
    if g < 1:
        root = mp.sqrt(qb * qb - 4 * qa * qc)
        lo, hi = sorted([(-qb - root) / (2 * qa), (-qb + root) / (2 * qa)])
        for rho in (lo, hi):
            residual = (nm - rho * dm) ** 2 - z * z * (mpf(v_num) - 2 * rho * mpf(cov) + rho * rho * mpf(v_den))
            assert abs(residual) < mp.mpf("1e-35"), residual
        if d > 0:
            out["ci_lower_fieller"], out["ci_upper_fieller"] = float(lo - 1), float(hi - 1)
        else:
            out["ci_lower_fieller"], out["ci_upper_fieller"] = float(1 - hi), float(1 - lo)
    else:
        out["ci_lower_fieller"] = out["ci_upper_fieller"] = None
    if d > 0 and num > 0:
        s_log = mp.sqrt(mpf(v_num / (num * num) + v_den / (d * d) - 2 * cov / (num * d)))
        out["ci_lower_log_ratio"] = float(mp.exp(mp.log(mpf(r)) - z * s_log) - 1)
        out["ci_upper_log_ratio"] = float(mp.exp(mp.log(mpf(r)) + z * s_log) - 1)
    else:
        out["ci_lower_log_ratio"] = out["ci_upper_log_ratio"] = None
    # Flat-prior Gaussian posterior on the lift (higher is better).
    u = lift_m / se
    out["chance_to_win"] = float(norm_cdf(u))
    out["risk_control"] = float(se * norm_pdf(u) + lift_m * norm_cdf(u))
    out["risk_variant"] = float(se * norm_pdf(u) - lift_m * norm_cdf(-u))
    out["credible_lower"] = float(lift_m - z * se)
    out["credible_upper"] = float(lift_m + z * se)
    # Always-valid interval, mixture tuned to the current variance (planned units 0):
    # τ² = r*·V with r* = ln(1 + r*) − 2 ln α; half-width √(V(V+τ²)/τ² · (ln((V+τ²)/V) − 2 ln α)).
    c = -2 * mp.log(ALPHA)
    rstar = mp.findroot(lambda x: mp.log(1 + x) + c - x, c + mp.log(1 + c))
    v = mpf(var_lift)
    tau2 = rstar * v
    half = mp.sqrt(v * (v + tau2) / tau2 * (mp.log((v + tau2) / v) + c))
    out["seq_ci_lower"] = float(lift_m - half)
    out["seq_ci_upper"] = float(lift_m + half)

    var_old = (vu_b / nb + r * r * vu_a / na) / (d * d)
    yb = b["my"]
    var_gb = vu_b / (nb * d * d) + (a["vy"] * yb * yb / (d * d) - 2 * th * a["cxy"] * yb / d
                                    + th * th * a["vx"]) / (na * d * d)
    reference = {
        "se_lift_before_fix": float(mp.sqrt(mpf(var_old))),
        "se_ratio_before_fix_over_full": float(mp.sqrt(mpf(var_old / var_lift))),
        "se_lift_growthbook": float(mp.sqrt(mpf(var_gb))),
        "se_adjusted_absolute": float(mp.sqrt(mpf(vu_a / na + vu_b / nb))),
    }
    return {
        "id": cid,
        "description": description,
        "input": {"a": dict(sa, moments=arm_a), "b": dict(sb, moments=arm_b), "alpha": ALPHA},
        "expected": out,
        "reference": reference,
        "tolerance": {"rel": 1e-9, "abs": 1e-12},
    }


def arm(n, mean_y, mean_x, var_y, var_x, cov_xy):
    return {"n": n, "mean_y": mean_y, "mean_x": mean_x, "var_y": var_y, "var_x": var_x, "cov_xy": cov_xy}


CASES = [
    ("cuped_rel_001", "large lift (+50%), strong correlation (rho 0.9), equal arms, additive effect",
     arm(5000, "10", "10", "100", "100", "90"), arm(5000, "15", "10.1", "100", "100", "90")),
    ("cuped_rel_002", "lift +100%, rho 0.95, unequal arms 1:4 (small control), additive effect",
     arm(1000, "20", "20", "400", "400", "380"), arm(4000, "40", "19.8", "400", "400", "380")),
    ("cuped_rel_003", "lift +30%, rho 0.8, unequal arms 4:1 (small treatment)",
     arm(8000, "5", "5.1", "25", "25", "20"), arm(2000, "6.5", "5", "27", "24", "21")),
    ("cuped_rel_004", "multiplicative effect (+80%, treatment slope 1.8x control), rho 0.9, equal arms",
     arm(3000, "10", "10", "9", "9", "8.1"), arm(3000, "18", "10", "29.16", "9", "14.58")),
    ("cuped_rel_005", "lift -40%, rho 0.9, small noisy control 1:4 (Fieller g = 0.26, asymmetric)",
     arm(60, "2", "2", "16", "16", "14.4"), arm(240, "1.2", "2.1", "16", "16", "14.4")),
    ("cuped_rel_006", "negative control mean (net profit -5 -> -3), rho 0.85, equal arms",
     arm(4000, "-5", "-5", "100", "100", "85"), arm(4000, "-3", "-5.2", "100", "100", "85")),
]


def monte_carlo(name, n_a, n_b, rho, lift, multiplicative, reps, seed):
    """Simulates reps experiments; y = 10 + 3(ρz + √(1−ρ²)w), x = 10 + 3z; treatment adds
    10·lift (additive) or multiplies y by 1 + lift (multiplicative)."""
    rng = np.random.default_rng(seed)
    est, se_full, se_old = np.empty(reps), np.empty(reps), np.empty(reps)
    n = n_a + n_b
    for i in range(reps):
        zz = rng.standard_normal(n)
        x = 10 + 3 * zz
        y = 10 + 3 * (rho * zz + np.sqrt(1 - rho * rho) * rng.standard_normal(n))
        if multiplicative:
            y[n_a:] *= 1 + lift
        else:
            y[n_a:] += 10 * lift
        ya, xa, yb, xb = y[:n_a], x[:n_a], y[n_a:], x[n_a:]
        th = np.cov(x, y)[0, 1] / np.var(x, ddof=1)
        ca, cb = np.cov(xa, ya), np.cov(xb, yb)
        vu_a = ca[1, 1] + th * th * ca[0, 0] - 2 * th * ca[0, 1]
        vu_b = cb[1, 1] + th * th * cb[0, 0] - 2 * th * cb[0, 1]
        d = ya.mean()
        num = yb.mean() - th * (xb.mean() - xa.mean())
        r = num / d
        v_full = (vu_b / n_b + th * th * ca[0, 0] / n_a - 2 * r * th * ca[0, 1] / n_a + r * r * ca[1, 1] / n_a) / d**2
        v_old = (vu_b / n_b + r * r * vu_a / n_a) / d**2
        est[i], se_full[i], se_old[i] = r - 1, np.sqrt(v_full), np.sqrt(v_old)
    truth = lift
    z = 1.959963984540054
    return {
        "name": name,
        "n_a": n_a, "n_b": n_b, "rho": rho, "true_lift": lift,
        "effect": "multiplicative" if multiplicative else "additive",
        "reps": reps, "seed": seed,
        "empirical_sd_of_lift": float(np.std(est, ddof=1)),
        "mean_se_full_delta": float(se_full.mean()),
        "mean_se_before_fix": float(se_old.mean()),
        "coverage_95_full_delta": float(np.mean(np.abs(est - truth) <= z * se_full)),
        "coverage_95_before_fix": float(np.mean(np.abs(est - truth) <= z * se_old)),
    }


def main():
    cases = [case(*c) for c in CASES]
    mc = [
        monte_carlo("additive_equal", 1000, 1000, 0.9, 0.5, False, 4000, 11),
        monte_carlo("additive_small_control", 400, 1600, 0.95, 1.0, False, 4000, 12),
        monte_carlo("multiplicative_equal", 1000, 1000, 0.9, 1.0, True, 4000, 13),
    ]
    doc = {
        "format_version": 1,
        "generator": "assay-stats/src/test/python/cuped_relative_vectors.py",
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "mpmath_version": mp.__version__,
        "conventions": {
            "arms": "a = control, b = treatment; theta pooled over both arms; lift = adjusted effect / |mean_y of a|",
            "method": "full delta method over (mean_y_a, mean_x_a, mean_y_b, mean_x_b), theta fixed; exact "
                      "fractions of the float sums, mpmath 50 digits; checked against mpmath.diff of the lift",
            "expected": "lift interval by delta (z), Fieller and log ratio; flat-prior chance to win, risks and "
                        "credible interval; seq_ci_* = always-valid interval with the mixture tuned to the "
                        "current variance (planned units 0), alpha = 0.05",
            "reference": "not compared: the standard error Assay reported before the fix, and GrowthBook's",
            "compare": "pass if |got - expected| <= tolerance.abs + tolerance.rel * |expected|; null = undefined",
        },
        "cases": cases,
        "monte_carlo": mc,
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
