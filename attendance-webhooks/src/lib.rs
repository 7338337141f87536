#![doc = include_str!("../README.md")]

mod attempt;
mod config;
mod deliver;
mod error;
mod policy;
mod sign;

pub use config::DeliveryConfig;
pub use deliver::Deliverer;
pub use error::Error;
pub use policy::{AddressKind, AddressPolicy, RefusedAddress};
pub use sign::{
    DEFAULT_TOLERANCE, VerifyError, WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, sign, verify,
};
