//! Forward-mode dual numbers in two variables: exact gradients of the 2-D toy objectives.

use std::ops::{Add, Mul, Neg, Sub};

/// A value and its gradient with respect to (x₁, x₂).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dual {
    /// The value.
    pub value: f64,
    /// ∂/∂x₁, ∂/∂x₂.
    pub gradient: [f64; 2],
}

impl Dual {
    /// A constant.
    pub fn constant(value: f64) -> Self {
        Self {
            value,
            gradient: [0.0, 0.0],
        }
    }

    /// The variable x_index at `value`.
    pub fn variable(value: f64, index: usize) -> Self {
        let mut gradient = [0.0, 0.0];
        gradient[index] = 1.0;
        Self { value, gradient }
    }

    fn chain(self, value: f64, derivative: f64) -> Self {
        Self {
            value,
            gradient: [derivative * self.gradient[0], derivative * self.gradient[1]],
        }
    }

    /// Natural logarithm.
    pub fn ln(self) -> Self {
        self.chain(self.value.ln(), 1.0 / self.value)
    }

    /// e^x.
    pub fn exp(self) -> Self {
        let e = self.value.exp();
        self.chain(e, e)
    }

    /// tanh.
    pub fn tanh(self) -> Self {
        let t = self.value.tanh();
        self.chain(t, 1.0 - t * t)
    }

    /// |x| (derivative 0 at 0).
    pub fn abs(self) -> Self {
        let sign = if self.value > 0.0 {
            1.0
        } else if self.value < 0.0 {
            -1.0
        } else {
            0.0
        };
        self.chain(self.value.abs(), sign)
    }

    /// max(x, low) (derivative 0 where clamped, as `torch.clamp`).
    pub fn clamp_min(self, low: f64) -> Self {
        if self.value < low {
            Self::constant(low)
        } else {
            self
        }
    }

    /// x².
    pub fn square(self) -> Self {
        self.chain(self.value * self.value, 2.0 * self.value)
    }

    /// c·x.
    pub fn scale(self, factor: f64) -> Self {
        self.chain(self.value * factor, factor)
    }
}

impl Add for Dual {
    type Output = Dual;
    fn add(self, other: Dual) -> Dual {
        Dual {
            value: self.value + other.value,
            gradient: [
                self.gradient[0] + other.gradient[0],
                self.gradient[1] + other.gradient[1],
            ],
        }
    }
}

impl Sub for Dual {
    type Output = Dual;
    fn sub(self, other: Dual) -> Dual {
        self + (-other)
    }
}

impl Neg for Dual {
    type Output = Dual;
    fn neg(self) -> Dual {
        self.scale(-1.0)
    }
}

impl Mul for Dual {
    type Output = Dual;
    fn mul(self, other: Dual) -> Dual {
        Dual {
            value: self.value * other.value,
            gradient: [
                self.gradient[0] * other.value + self.value * other.gradient[0],
                self.gradient[1] * other.value + self.value * other.gradient[1],
            ],
        }
    }
}

impl Add<f64> for Dual {
    type Output = Dual;
    fn add(self, constant: f64) -> Dual {
        Dual {
            value: self.value + constant,
            gradient: self.gradient,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_finite_differences() {
        let f = |x: Dual, y: Dual| {
            ((x * y).tanh() + (x.square() + 1.0).ln() - y.exp().scale(0.3)).abs()
        };
        let (x0, y0) = (0.7, -0.4);
        let exact = f(Dual::variable(x0, 0), Dual::variable(y0, 1));
        let h = 1e-6;
        let value = |x: f64, y: f64| f(Dual::constant(x), Dual::constant(y)).value;
        let dx = (value(x0 + h, y0) - value(x0 - h, y0)) / (2.0 * h);
        let dy = (value(x0, y0 + h) - value(x0, y0 - h)) / (2.0 * h);
        assert!((exact.gradient[0] - dx).abs() < 1e-7 && (exact.gradient[1] - dy).abs() < 1e-7);
    }
}
