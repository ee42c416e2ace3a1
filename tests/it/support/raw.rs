//! Requests shaped by hand, for the tests of the transports themselves: any method, path,
//! content type and body, answered as the raw status, headers and text, or read as an
//! XML [`Reply`] with the checks every API answer must pass.

use super::calls::read_reply;
use super::{Reply, TestApp};

/// An answer as it came off the wire.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub content_type: String,
    /// The `X-Didhub-Error-Code` header.
    pub error_code: Option<String>,
    pub body: String,
}

impl TestApp {
    fn request(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        content_type: Option<&str>,
        body: reqwest::Body,
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .client
            .request(method, format!("{}{path_and_query}", self.base_url))
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request
    }

    /// POSTs `body` to `path_and_query` and reads the XML answer.
    pub async fn post_for_reply(
        &self,
        path_and_query: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let response = self
            .request(
                reqwest::Method::POST,
                path_and_query,
                content_type,
                body.into(),
            )
            .send()
            .await
            .expect("POST");
        read_reply(response).await
    }

    /// Sends a request and returns the answer as it came.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> RawAnswer {
        let response = self
            .request(method, path_and_query, content_type, body.into())
            .send()
            .await
            .expect("request");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().expect("ASCII header").to_owned())
        };
        RawAnswer {
            status: response.status().as_u16(),
            content_type: header("content-type").unwrap_or_default(),
            error_code: header("x-didhub-error-code"),
            body: response.text().await.expect("body"),
        }
    }
}
