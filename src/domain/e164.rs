//! [`E164`]: a telephone number in E.164 form, digits only, without the `+`.

use std::fmt;

use super::DomainError;

/// An E.164 number: 8 to 15 digits, the first not `0` (`12125550123`).
///
/// This checks the shape only; whether the number is valid in its country's numbering
/// plan is checked by the inventory when the number enters stock.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct E164(String);

impl E164 {
    /// Parses digits, allowing one leading `+`. `name` is the parameter name for errors.
    pub fn parse(name: &str, text: &str) -> Result<E164, DomainError> {
        let digits = text.strip_prefix('+').unwrap_or(text);
        let well_formed = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !well_formed {
            return Err(DomainError::invalid(
                name,
                text,
                "expected an E.164 number of 8 to 15 digits",
            ));
        }
        Ok(E164(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for E164 {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_digits_with_optional_plus() {
        assert_eq!(
            E164::parse("E164", "+12125550123").unwrap().as_str(),
            "12125550123"
        );
        assert_eq!(
            E164::parse("E164", "442079460000").unwrap().as_str(),
            "442079460000"
        );
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "0123456789",
            "1234567",
            "1234567890123456",
            "1212 555 0123",
            "abc",
        ] {
            assert!(E164::parse("E164", bad).is_err(), "{bad}");
        }
    }
}
