//! The API calls tests make through a [`TestApp`] (v3 and v2, as any of its accounts, with
//! its SIGNATURE when it has one), the request documents they send, and the checks every
//! XML answer must pass before a test reads it as a [`Reply`].

use didhub::admin::accounts::CreatedAccount;

use super::{Reply, TestApp};

impl TestApp {
    /// GETs `path` (e.g. `/ready`): the HTTP status and the body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .expect("GET request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// POSTs a v3 XML body.
    pub async fn v3(&self, body: impl Into<reqwest::Body>) -> Reply {
        let response = self
            .client
            .post(format!("{}/api/v3.asp", self.base_url))
            .body(body)
            .send()
            .await
            .expect("v3 request");
        read_reply(response).await
    }

    /// GETs `/api/v2.asp?{query}`.
    pub async fn v2(&self, query: &str) -> Reply {
        let response = self
            .client
            .get(format!("{}/api/v2.asp?{query}", self.base_url))
            .send()
            .await
            .expect("v2 request");
        read_reply(response).await
    }

    /// A v3 request as the main account (with its SIGNATURE).
    pub async fn main_v3(&self, action: &str, params: &[(&str, &str)]) -> Reply {
        self.v3_as(&self.main, action, params).await
    }

    /// A v3 request with `who`'s key, and its SIGNATURE when it has one.
    pub async fn v3_as(
        &self,
        who: &CreatedAccount,
        action: &str,
        params: &[(&str, &str)],
    ) -> Reply {
        let mut all: Vec<(&str, &str)> = Vec::new();
        if let Some(signature) = &who.signature {
            all.push(("SIGNATURE", signature));
        }
        all.extend_from_slice(params);
        self.v3(request_xml(&who.userkey, action, &all)).await
    }

    /// The same request over v2 GET.
    pub async fn v2_as(
        &self,
        who: &CreatedAccount,
        action: &str,
        params: &[(&str, &str)],
    ) -> Reply {
        let mut query = format!("userkey={}&action={}", who.userkey, percent_encode(action));
        if let Some(signature) = &who.signature {
            query.push_str(&format!("&param[SIGNATURE]={signature}"));
        }
        for (name, value) in params {
            query.push_str(&format!(
                "&param[{}]={}",
                percent_encode(name),
                percent_encode(value)
            ));
        }
        self.v2(&query).await
    }

    /// Orders `quantity` numbers of an area for `who` (its own account); their E164s.
    pub async fn order(&self, who: &CreatedAccount, area: &str, quantity: u32) -> Vec<String> {
        let reply = self.order_reply(who, area, quantity).await;
        reply.assert_success();
        reply.did_attr("E164")
    }

    /// The same order, its reply as it came (success or error).
    pub async fn order_reply(&self, who: &CreatedAccount, area: &str, quantity: u32) -> Reply {
        let quantity = quantity.to_string();
        self.v3_as(
            who,
            "DID.ORDER",
            &[
                ("DID_TYPE", "GEOGRAPHIC"),
                ("AREA_ID", area),
                ("QUANTITY", &quantity),
            ],
        )
        .await
    }
}

/// Percent-encodes everything but letters and digits, for v2 query strings.
pub fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A v3 REQUEST document.
pub fn request_xml(userkey: &str, action: &str, params: &[(&str, &str)]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" standalone=\"no\" ?>\n<REQUEST>\n  <USERTOKEN>\n    \
         <USERKEY>{userkey}</USERKEY>\n  </USERTOKEN>\n  <ACTION NAME=\"{action}\">\n"
    );
    for (name, value) in params {
        let value = value
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        xml.push_str(&format!(
            "    <PARAMETER NAME=\"{name}\">{value}</PARAMETER>\n"
        ));
    }
    xml.push_str("  </ACTION>\n</REQUEST>\n");
    xml
}

pub(super) async fn read_reply(response: reqwest::Response) -> Reply {
    assert_eq!(response.status(), 200, "every API answer is HTTP 200");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/xml; charset=UTF-8");
    let header_code = response
        .headers()
        .get("x-didhub-error-code")
        .map(|code| code.to_str().expect("an ASCII code").to_owned());
    let mut reply = Reply::parse(&response.text().await.expect("body"));
    assert_eq!(
        reply.result == "ERROR",
        header_code.is_some(),
        "X-Didhub-Error-Code is sent exactly on errors:\n{}",
        reply.raw
    );
    reply.header_code = header_code;
    reply
}
