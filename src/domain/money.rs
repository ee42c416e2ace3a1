//! Money: an integer count of minor units (cents). There is no floating point anywhere
//! money is handled; decimal strings are parsed and printed here and nowhere else.

use std::fmt;

/// An amount in minor units (1.49 is `Money(149)`). May be negative for debits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    /// Minor units.
    pub fn minor(self) -> i64 {
        self.0
    }

    /// Parses a decimal amount with at most two decimal places: `25`, `25.5`, `-3.20`.
    pub fn parse_decimal(text: &str) -> Result<Money, String> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 2 {
            return Err(format!(
                "'{text}' is not an amount with at most two decimal places"
            ));
        }
        if digits.contains('.') && fraction.is_empty() {
            return Err(format!("'{text}' has a decimal point but no decimals"));
        }
        let whole: i64 = whole
            .parse()
            .map_err(|_| format!("'{text}' is too large"))?;
        let cents: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
        let minor = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(cents))
            .ok_or_else(|| format!("'{text}' is too large"))?;
        Ok(Money(if negative { -minor } else { minor }))
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_mul(self, factor: i64) -> Option<Money> {
        self.0.checked_mul(factor).map(Money)
    }
}

impl fmt::Display for Money {
    /// Two decimal places: `25.00`, `-0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_two_decimals() {
        assert_eq!(Money::parse_decimal("25").unwrap(), Money(2500));
        assert_eq!(Money::parse_decimal("25.5").unwrap(), Money(2550));
        assert_eq!(Money::parse_decimal("0.05").unwrap(), Money(5));
        assert_eq!(Money::parse_decimal("-3.20").unwrap(), Money(-320));
        assert_eq!(Money(2500).to_string(), "25.00");
        assert_eq!(Money(-5).to_string(), "-0.05");
    }

    #[test]
    fn rejects_what_is_not_an_amount() {
        for bad in [
            "",
            "abc",
            "1.234",
            "1.",
            ".5",
            "1e3",
            "--1",
            "99999999999999999999",
        ] {
            assert!(Money::parse_decimal(bad).is_err(), "{bad}");
        }
    }
}
