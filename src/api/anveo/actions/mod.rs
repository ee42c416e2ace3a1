//! One module per API action. Each parses its parameters into domain types, calls the
//! store, and builds the [`super::response::Response`].

pub mod balance;
pub mod catalog;
pub mod did_cancel;
pub mod did_list;
pub mod did_move;
pub mod did_order;
pub mod did_update;
pub mod webhook;
