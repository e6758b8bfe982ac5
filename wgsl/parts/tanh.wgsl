// tanh_f32 is tanh to within a few f32 ulps (absolute error below 2e-7) for every finite x.
// WGSL's built-in tanh is only specified through sinh/cosh, which overflow to inf/inf for
// |x| ≳ 89 on some implementations, and loses relative precision near 0. Here: a Taylor
// polynomial for |x| < 0.4 (truncation below 1e-9), and sign(x)·(1 − e^(−2|x|))/(1 + e^(−2|x|))
// above, which never overflows. CPU twin: math.Tanh.
fn tanh_f32(x: f32) -> f32 {
    let a = abs(x);
    if (a < 0.4) {
        let x2 = x * x;
        return x * (1.0 + x2 * (-1.0 / 3.0 + x2 * (2.0 / 15.0 + x2 * (-17.0 / 315.0 + x2 * (62.0 / 2835.0
            + x2 * (-1382.0 / 155925.0 + x2 * (21844.0 / 6081075.0)))))));
    }
    let t = exp(-2.0 * a);
    return sign(x) * (1.0 - t) / (1.0 + t);
}
