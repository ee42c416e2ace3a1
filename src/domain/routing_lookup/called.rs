//! The called number as switches send it: `12125550123`, `+12125550123`, or inside a SIP
//! or tel URI (`sip:+12125550123@host;user=phone`, `tel:+12125550123`).

use crate::domain::E164;

/// The E.164 number in `text`, if it holds one.
pub fn parse_called_number(text: &str) -> Option<E164> {
    let text = text.trim();
    let user = match text.split_once(':') {
        Some((scheme, rest))
            if ["sip", "sips", "tel"].contains(&scheme.to_ascii_lowercase().as_str()) =>
        {
            // The user part ends at '@'; a tel URI's number at its first parameter.
            let user = rest.split('@').next().unwrap_or(rest);
            user.split(';').next().unwrap_or(user)
        }
        Some(_) => return None,
        None => text.split('@').next().unwrap_or(text),
    };
    let user = percent_encoding::percent_decode_str(user)
        .decode_utf8()
        .ok()?;
    E164::parse("e164", &user).ok()
}
