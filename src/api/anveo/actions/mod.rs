//! One module per API action. Each parses its parameters into domain types, calls the
//! store, and builds the [`super::response::Response`].

pub mod did_order;
